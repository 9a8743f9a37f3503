"""`demo` end to end on a virtual board: with the shared corpus, and with a stand-in
person_detect (same input and output tensors, ops ulite runs) so that the person-detection
path is exercised before ulite has person_detect's convolutions."""

import os
import re
import shutil
import subprocess
import sys

import numpy as np
from oracle import run_tflm

from host_tools.images import person_detect_input
from host_tools.model_builder import ModelBuilder
from host_tools.paths import CORPUS, ROOT


def demo(corpus):
    env = dict(os.environ, ULITE_CORPUS=str(corpus))
    return subprocess.run(
        [sys.executable, "-m", "host_tools", "demo"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=600,
    )


def stand_in_person_detect():
    """person_detect's input (1, 96, 96, 1) int8 and output (1, 2) int8 softmax scores,
    through RESHAPE, FULLY_CONNECTED and SOFTMAX."""
    rng = np.random.default_rng(7)
    mb = ModelBuilder()
    x = mb.input((1, 96, 96, 1), "int8", scale=0.0078431, zero_point=-1)
    flat = mb.tensor((1, 9216), "int8", scale=0.0078431, zero_point=-1)
    shape = mb.const(np.array([1, 9216]), "int32")
    mb.op("RESHAPE", [x, shape], [flat], "ReshapeOptions", new_shape=[1, 9216])
    w = mb.const(rng.integers(-127, 128, (2, 9216)), "int8", scale=0.0005, zero_point=0)
    b = mb.const(rng.integers(-2000, 2000, 2), "int32", scale=0.0078431 * 0.0005, zero_point=0)
    logits = mb.tensor((1, 2), "int8", scale=0.2, zero_point=0)
    mb.op("FULLY_CONNECTED", [flat, w, b], [logits], "FullyConnectedOptions")
    y = mb.output(mb.tensor((1, 2), "int8", scale=1 / 256, zero_point=-128))
    mb.op("SOFTMAX", [logits], [y], "SoftmaxOptions", beta=1.0)
    return mb.build()


def test_demo_with_the_shared_corpus():
    result = demo(CORPUS)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert re.match(r"virtual rp2040 board on /dev/pts/\d+$", lines[0])
    assert re.search(r"flashed \w+ to /dev/pts/\d+: \d+ files copied", result.stdout)
    assert len([line for line in lines if "ms on the board)" in line]) in (2, 5)  # images or sine
    assert lines[-1] == "stopped the virtual board"


def test_demo_scores_person_detection(tmp_path):
    model = stand_in_person_detect()
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "person_detect.tflite").write_bytes(model)
    shutil.copytree(CORPUS / "data", tmp_path / "data")
    result = demo(tmp_path)
    assert result.returncode == 0, result.stderr
    for image in ("person.bmp", "no_person.bmp"):
        scores = run_tflm(model, [person_detect_input(tmp_path / "data" / image)])[0].reshape(-1)
        not_person, person = (scores.astype(int) + 128) / 256
        expected = (
            r"  %s person %3.0f%%   no person %3.0f%%   \(invoke \d+\.\d ms on the board\)"
            % (
                re.escape("%-14s" % image),
                100 * person,
                100 * not_person,
            )
        )
        assert re.search(expected, result.stdout), result.stdout
