"""The 16x8 models of tests/suite_16x8/ (built by tests/suite_16x8.py, from outside the
corpus) through `python -m host_tools infer`, as a user runs them: on the unix port and on
the ARM board, bit for bit with TFLM on seeded inputs."""

import numpy as np
import pytest
import suite_16x8
from oracle import run_tflm
from test_host_cli import host

from host_tools.benchmark import random_inputs

NAMES = sorted(suite_16x8.MODELS)


def test_kept_models_are_what_the_builders_make():
    for name in NAMES:
        kept = (suite_16x8.DIRECTORY / (name + ".tflite")).read_bytes()
        assert kept == suite_16x8.MODELS[name](), "%s: run `python tests/suite_16x8.py`" % name


def infer_matches_tflm(tmp_path, name, *options):
    path = suite_16x8.DIRECTORY / (name + ".tflite")
    model = path.read_bytes()
    inputs = random_inputs(model)
    args = ["infer", path, "--out", tmp_path / "y.npz", *options]
    for i, x in enumerate(inputs):
        np.save(tmp_path / ("x%d.npy" % i), x)
        args += ["--input", tmp_path / ("x%d.npy" % i)]
    result = host(*args)
    assert result.returncode == 0, result.stderr
    got = np.load(tmp_path / "y.npz")
    for k, expected in enumerate(run_tflm(model, inputs)):
        assert got["out%d" % k].dtype == expected.dtype
        np.testing.assert_array_equal(got["out%d" % k], expected, err_msg="%s output %d" % (name, k))


@pytest.mark.parametrize("name", NAMES)
def test_suite_through_infer(tmp_path, name):
    infer_matches_tflm(tmp_path, name)


@pytest.mark.parametrize(
    "name", [n if n == "encoder_decoder_16x8" else pytest.param(n, marks=pytest.mark.slow) for n in NAMES]
)
def test_suite_through_infer_on_board(tmp_path, name):
    infer_matches_tflm(tmp_path, name, "--on", "arm")
