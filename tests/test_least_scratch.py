"""Convolutions on the least scratch the memory plan may grant them.

Where a conv's scratch would enlarge the arena, planner.plan_shrinking grants less, down
to the least the kernel asked for, and the kernel fits its loop to what it got
(conv_common.fit_scratch: fewer accumulator rows, shorter chunks of taps). Here every
scratch is cut to its least, and the outputs must still be TFLM's, bit for bit: int8 and
16x8 CONV_2D and TRANSPOSE_CONV, on both loop backends here, the Thumb twins and the ARM
board.
"""

import numpy as np
import pytest
from oracle import BATCH_SCRIPT, compare
from test_conv import conv_int8_jobs, conv_model
from test_conv_16x8 import conv_16x8_jobs
from test_transpose_conv import quick_transpose_conv_jobs, transpose_conv_jobs

LEAST_EVERYWHERE = """
from ulite import planner


def _least_everywhere(sizes, least, first, last, fixed=None):
    offsets, total = planner.plan(least, first, last, fixed)
    return offsets, total, [planner.align(n) for n in least]


planner.plan_shrinking = _least_everywhere
"""


@pytest.fixture(scope="module")
def least_script(tmp_path_factory):
    """run_batch.py with every shrinkable scratch granted its least."""
    path = tmp_path_factory.mktemp("least") / "run_batch_least.py"
    path.write_text(LEAST_EVERYWHERE + BATCH_SCRIPT.read_text())
    return path


def large_jobs(dtype):
    """Convolutions whose least scratch chunks the taps (deep filters, many of them)."""
    rng = np.random.default_rng(70)
    return [
        conv_model(rng, (1, 6, 6, 64), 16, (3, 3), dtype=dtype, activation="RELU"),
        conv_model(rng, (1, 7, 9, 128), 8, (3, 3), dtype=dtype, groups=2, padding="VALID"),
        conv_model(rng, (1, 5, 3, 70), 150, (3, 3), dtype=dtype, activation="RELU6"),
    ]


def all_jobs():
    kinds = ("float32", "int8", "16x8", "16x8 int16 bias")
    return (
        conv_int8_jobs() + conv_16x8_jobs() + large_jobs("int8") + large_jobs("int16")
        + transpose_conv_jobs(kinds=kinds)
    )  # fmt: skip


@pytest.mark.parametrize("loops", ["viper", "plain", "thumb"])
def test_convolutions_on_their_least_scratch(least_script, loops):
    jobs = all_jobs()
    assert compare(jobs, loops, rtol=0, script=least_script) == len(jobs)


def test_convolutions_on_their_least_scratch_on_board(least_script):
    jobs = large_jobs("int8")[:1] + large_jobs("int16")[:1] + quick_transpose_conv_jobs()
    assert compare(jobs, "thumb", rtol=0, on="arm", script=least_script) == len(jobs)
