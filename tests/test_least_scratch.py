"""Convolutions on the least scratch the memory plan may grant them.

Where a conv's scratch would enlarge the arena, planner.plan_shrinking grants less, down
to the least the kernel asked for, and the kernel fits its loop to what it got
(conv_common.fit_scratch: fewer accumulator rows, shorter chunks of taps;
depthwise_conv.fit_rows: fewer rows). Here every scratch is cut to its least, and the
outputs must still be TFLM's, bit for bit: int8 and 16x8 CONV_2D, DEPTHWISE_CONV_2D and
TRANSPOSE_CONV, on both loop backends here, the Thumb twins and the ARM board.
"""

import numpy as np
import pytest
from oracle import BATCH_SCRIPT, compare
from test_conv import conv_int8_jobs, conv_model, depthwise_int8_jobs
from test_conv_16x8 import conv_16x8_jobs, depthwise_16x8_jobs
from test_transpose_conv import quick_transpose_conv_jobs, transpose_conv_jobs, transpose_conv_model

GRANTING = """
from ulite import planner


def _granting(sizes, least, first, last, fixed=None, room=None):
    granted = [planner.align(least[b] + (sizes[b] - least[b]) * PART // 8) for b in range(len(sizes))]
    offsets, total = planner.plan(granted, first, last, fixed)
    return offsets, total, granted


planner.plan_shrinking = _granting
"""


def granting_script(tmp_path_factory, part):
    """run_batch.py with every shrinkable scratch granted its least and part / 8 of the
    rest."""
    path = tmp_path_factory.mktemp("least") / ("run_batch_granting_%d.py" % part)
    path.write_text("PART = %d\n" % part + GRANTING + BATCH_SCRIPT.read_text())
    return path


@pytest.fixture(scope="module")
def least_script(tmp_path_factory):
    return granting_script(tmp_path_factory, 0)


@pytest.fixture(scope="module")
def some_script(tmp_path_factory):
    """Between the least and all of it: fewer rows than a block's, shorter chunks."""
    return granting_script(tmp_path_factory, 1)


def large_jobs(dtype):
    """Convolutions whose least scratch chunks the taps (deep filters, many of them)."""
    rng = np.random.default_rng(70)
    return [
        conv_model(rng, (1, 6, 6, 64), 16, (3, 3), dtype=dtype, activation="RELU"),
        conv_model(rng, (1, 7, 9, 128), 8, (3, 3), dtype=dtype, groups=2, padding="VALID"),
        conv_model(rng, (1, 5, 3, 70), 150, (3, 3), dtype=dtype, activation="RELU6"),
        conv_model(rng, (1, 9, 7, 3), 1, (3, 3), dtype=dtype),  # eight rows of one filter
        conv_model(rng, (1, 9, 7, 3), 2, (3, 3), dtype=dtype, stride=(2, 1)),
        conv_model(rng, (1, 7, 6, 24), 0, (3, 3), dtype=dtype, depthwise=True),
    ]


# convolutions whose scratch the plan itself cuts (to fit the least TFLM's arena can be:
# tests/test_planner.py checks they fit TFLM's), each a job for compare()
CUT_BY_THE_PLAN = {
    "conv_16x7x8_to_64_5x5": lambda: conv_model(np.random.default_rng(71), (1, 16, 7, 8), 64, (5, 5)),
    "conv_32x7x24_to_64_2x2_stride_2": lambda: conv_model(
        np.random.default_rng(72), (1, 32, 7, 24), 64, (2, 2), stride=(2, 2), activation="RELU"
    ),
    "depthwise_8x25x48_3x4": lambda: conv_model(
        np.random.default_rng(73), (1, 8, 25, 48), 0, (3, 4), stride=(1, 2), padding="VALID", depthwise=True
    ),
    "transpose_conv_6x8x48_to_2": lambda: transpose_conv_model(
        np.random.default_rng(74), "int8", (1, 6, 8, 48), 2, (3, 3), stride=(2, 2)
    ),
    "conv_16x8_28x4x3_to_64_4x4": lambda: conv_model(
        np.random.default_rng(75), (1, 28, 4, 3), 64, (4, 4), dtype="int16"
    ),
    "depthwise_16x8_15x31x64_2x2": lambda: conv_model(
        np.random.default_rng(76), (1, 15, 31, 64), 0, (2, 2), stride=(1, 2), dtype="int16", depthwise=True
    ),
    # one tap's patch alone would be more than TFLM's arena leaves: one lane reads the input
    "conv_5x5x1225_to_8_3x3": lambda: conv_model(np.random.default_rng(77), (1, 5, 5, 1225), 8, (3, 3)),
}


def all_jobs():
    kinds = ("float32", "int8", "16x8", "16x8 int16 bias")
    return (
        conv_int8_jobs() + conv_16x8_jobs() + large_jobs("int8") + large_jobs("int16")
        + depthwise_int8_jobs() + depthwise_16x8_jobs() + transpose_conv_jobs(kinds=kinds)
    )  # fmt: skip


@pytest.mark.parametrize("loops", ["viper", "plain", "thumb"])
def test_convolutions_on_their_least_scratch(least_script, loops):
    jobs = all_jobs()
    assert compare(jobs, loops, rtol=0, script=least_script) == len(jobs)


@pytest.mark.parametrize("loops", ["viper", "thumb"])
def test_convolutions_on_some_of_their_scratch(some_script, loops):
    jobs = all_jobs()
    assert compare(jobs, loops, rtol=0, script=some_script) == len(jobs)


@pytest.mark.parametrize("loops", ["viper", "plain", "thumb"])
def test_convolutions_cut_by_the_plan(loops):
    jobs = [job() for job in CUT_BY_THE_PLAN.values()]
    assert compare(jobs, loops, rtol=0) == len(jobs)


def test_convolutions_on_cut_scratch_on_board(least_script):
    jobs = large_jobs("int8")[:1] + large_jobs("int8")[-3:] + large_jobs("int16")[:1]
    jobs += large_jobs("int16")[-1:] + quick_transpose_conv_jobs()
    assert compare(jobs, "thumb", rtol=0, on="arm", script=least_script) == len(jobs)
    cut = [job() for job in CUT_BY_THE_PLAN.values()]  # by the plan the board makes
    assert compare(cut, "thumb", rtol=0, on="arm") == len(cut)
