"""ulite on a 32-bit MicroPython without viper: the WebAssembly port under Node.

The port runs the `plain` loop backend with 31-bit small ints (larger values become
bigints), as a board without native emitters would. Outputs must match TFLM bit for bit.
To cover a new kernel family, add its job builder (a function returning [(model bytes,
[inputs])], as in test_kernels_core.py) to KERNEL_JOBS.
"""

import numpy as np
import pytest
from conftest import golden_cases, model_path
from oracle import compare
from test_activations import (
    hard_swish_int8_jobs,
    leaky_relu_int8_jobs,
    logistic_tanh_int8_jobs,
    relu_relu6_int8_jobs,
)
from test_conv import conv_int8_jobs, depthwise_int8_jobs
from test_conv_16x8 import quick_16x8_jobs
from test_transpose_conv import quick_transpose_conv_jobs
from test_elementwise import (
    all_input_pairs_int8_jobs,
    maximum_minimum_int8_jobs,
    sub_mul_int8_jobs,
)
from test_kernels_core import (
    add_int8_jobs,
    extreme_int8_jobs,
    fully_connected_int8_jobs,
    quantize_jobs,
    softmax_int8_jobs,
)
from test_pool import average_pool_int8_jobs, max_pool_int8_jobs
from test_shape_ops import (
    concatenation_jobs,
    mean_int8_jobs,
    pad_jobs,
    strided_slice_jobs,
    transpose_jobs,
)

from host_tools.errors import UserError
from host_tools.inference import infer_cases
from host_tools.micropython import wasm

# model: how many of TFLM's recorded cases to run (None: all). The plain loops take about
# 2.3 s per kws_ref_model invoke and 6.5 s per person_detect one here: one case of each.
GOLDEN_EXACT = {
    "hello_world_int8": None,
    "ad01_int8": None,
    "simple_add": None,
    "micro_speech_quantized": None,
    "kws_ref_model": 1,
    "person_detect": 1,
}


# Kernel families checked against TFLM on the WebAssembly port; extend with new builders.
# Their outputs are compared exactly (int8, and DEQUANTIZE's float32 rounding as TFLM does;
# the data-movement ops copy float32, int16 and int32 too).
KERNEL_JOBS = [
    softmax_int8_jobs,
    quantize_jobs,
    fully_connected_int8_jobs,
    add_int8_jobs,
    extreme_int8_jobs,
    conv_int8_jobs,
    depthwise_int8_jobs,
    average_pool_int8_jobs,
    max_pool_int8_jobs,
    pad_jobs,
    concatenation_jobs,
    mean_int8_jobs,
    strided_slice_jobs,
    transpose_jobs,
    sub_mul_int8_jobs,
    maximum_minimum_int8_jobs,
    all_input_pairs_int8_jobs,
    relu_relu6_int8_jobs,
    leaky_relu_int8_jobs,
    logistic_tanh_int8_jobs,
    hard_swish_int8_jobs,
    quick_16x8_jobs,
    quick_transpose_conv_jobs,
]

PORT_FACTS = """
import sys
from ulite import loops
print(sys.maxsize, loops.backend().__name__)
try:
    loops.backend("viper")
    print("viper imported")
except ValueError:
    print("no viper")
"""


def test_port_is_32_bit_without_viper(tmp_path):
    script = tmp_path / "facts.py"
    script.write_text(PORT_FACTS)
    result = wasm.run(script, heap=1 << 20, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(2**31 - 1), "ulite.loops.plain", "no", "viper"]


def test_failure_is_reported(tmp_path):
    script = tmp_path / "fails.py"
    script.write_text("import sys\nprint('before')\nraise ValueError('wasm says no')\n")
    result = wasm.run(script, heap=1 << 20, timeout=60)
    assert result.returncode == 1
    assert result.stdout == "before\n"
    assert "ValueError: wasm says no" in result.stderr and 'fails.py", line 3' in result.stderr


def test_runaway_script_is_stopped(tmp_path):
    script = tmp_path / "spins.py"
    script.write_text("while True:\n    pass\n")
    with pytest.raises(UserError, match="did not finish within 2 s"):
        wasm.run(script, heap=1 << 20, timeout=2)


def test_runner_failure_is_reported(tmp_path):
    script = tmp_path / "ok.py"
    script.write_text("print('never run')\n")
    with pytest.raises(UserError, match="WebAssembly runner failed: .*missing.bin"):
        wasm.run(script, heap=1 << 20, timeout=60, copy_in=[tmp_path / "missing.bin"])


def test_device_errors_reach_the_host():
    x = np.zeros((1, 3), np.int8)  # the model takes (1, 1)
    with pytest.raises(UserError, match=r"input 0: model expects int8 \(1, 1\)"):
        infer_cases(model_path("hello_world_int8"), [[x]], 256 * 1024, on="wasm")


@pytest.mark.parametrize("name", GOLDEN_EXACT)
def test_golden_bit_exact_on_wasm(name):
    cases = golden_cases(name)[: GOLDEN_EXACT[name]]
    outputs, _ = infer_cases(model_path(name), [ins for ins, _ in cases], 512 * 1024, on="wasm")
    assert len(outputs) == len(cases)
    for (_, expected), got in zip(cases, outputs):
        for e, g in zip(expected, got):
            assert g.dtype == e.dtype and g.shape == e.shape
            np.testing.assert_array_equal(g, e)


def test_golden_hello_world_float_on_wasm():
    cases = golden_cases("hello_world_float")
    inputs = [ins for ins, _ in cases]
    outputs, _ = infer_cases(model_path("hello_world_float"), inputs, 256 * 1024, on="wasm")
    for (_, expected), got in zip(cases, outputs):
        np.testing.assert_allclose(got[0], expected[0], rtol=1e-5, atol=0)


@pytest.mark.parametrize("jobs", KERNEL_JOBS, ids=lambda f: f.__name__)
def test_kernels_match_tflm_on_wasm(jobs):
    assert compare(jobs(), on="wasm", rtol=0) > 0
