"""Issue-2 corpus models on MicroPython, both loop backends, against TFLM's recorded outputs."""

import numpy as np
import pytest
from conftest import golden_cases, model_path

from host_tools.inference import infer_cases

EXACT = ["hello_world_int8", "ad01_int8", "simple_add"]


@pytest.mark.parametrize("loops", ["viper", "plain"])
@pytest.mark.parametrize("name", EXACT)
def test_bit_exact_with_tflm(name, loops):
    cases = golden_cases(name)
    outputs, _ = infer_cases(model_path(name), [ins for ins, _ in cases], 512 * 1024, loops)
    for (_, expected), got in zip(cases, outputs):
        for e, g in zip(expected, got):
            assert g.dtype == e.dtype and g.shape == e.shape
            np.testing.assert_array_equal(g, e)


@pytest.mark.parametrize("loops", ["viper", "plain"])
def test_hello_world_float_bit_exact_with_tflm(loops):
    """Float32 sums rounded at every step, as TFLM's float kernels (loops/float32.py)."""
    cases = golden_cases("hello_world_float")
    outputs, _ = infer_cases(model_path("hello_world_float"), [ins for ins, _ in cases], 256 * 1024, loops)
    for (_, expected), got in zip(cases, outputs):
        assert got[0].dtype == expected[0].dtype == np.float32
        np.testing.assert_array_equal(got[0], expected[0])
