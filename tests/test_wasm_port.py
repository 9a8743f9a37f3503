"""ulite on a 32-bit MicroPython without viper: the WebAssembly port under Node.

The port runs the `plain` loop backend with 31-bit small ints (larger values become
bigints), as a board without native emitters would. Outputs must match TFLM bit for bit.
To cover a new kernel family, add its job builder (a function returning [(model bytes,
[inputs])], as in test_kernels_core.py) to KERNEL_JOBS; the int16 families run one quick
case each here (int16_family_jobs) and their full sweeps (INT16_JOBS) in `make test-slow`.
"""

import numpy as np
import pytest
from conftest import golden_cases, model_path
from oracle import compare
from test_activations import (
    SOME_INT16,
    hard_swish_int8_jobs,
    int16_jobs,
    leaky_relu_int8_jobs,
    logistic_tanh_int16_jobs,
    logistic_tanh_int8_jobs,
    relu_int16_jobs,
    relu_relu6_int8_jobs,
)
from test_conv import conv_int8_jobs, depthwise_int8_jobs
from test_conv_16x8 import quick_16x8_jobs
from test_transpose_conv import quick_transpose_conv_jobs
from test_elementwise import (
    all_input_pairs_int8_jobs,
    arithmetic_int16_sweep,
    binary_model,
    int16_pairs,
    maximum_minimum_int16_jobs,
    maximum_minimum_int8_jobs,
    sub_mul_int8_jobs,
)
from test_kernels_core import (
    add_int8_jobs,
    every_difference,
    extreme_int8_jobs,
    fully_connected_int8_jobs,
    int_values,
    quantize_int16_jobs,
    quantize_jobs,
    quantize_model,
    softmax_int16_jobs,
    softmax_int16_model,
    softmax_int8_jobs,
)
from test_pool import (
    average_pool_int16_jobs,
    average_pool_int8_jobs,
    max_pool_int16_jobs,
    max_pool_int8_jobs,
    pool_model,
)
from test_shape_ops import (
    concatenation_jobs,
    mean_int16_jobs,
    mean_int8_jobs,
    mean_model,
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
def input_pairs_int8_quick_jobs():
    """all_input_pairs_int8_jobs' first quantization, SUB and ADD over every int8 pair (the
    rest of them, MUL, MAXIMUM and MINIMUM too, in make test-slow)."""
    return all_input_pairs_int8_jobs()[:2]


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
    input_pairs_int8_quick_jobs,
    pytest.param(all_input_pairs_int8_jobs, marks=pytest.mark.slow),
    relu_relu6_int8_jobs,
    leaky_relu_int8_jobs,
    logistic_tanh_int8_jobs,
    hard_swish_int8_jobs,
    quick_16x8_jobs,
    quick_transpose_conv_jobs,
]


def int16_family_jobs():
    """One quick case of each int16 kernel family, small enough for the ARM board's heap:
    ADD, SUB, MUL, MAXIMUM, MINIMUM over edge and random pairs; RELU, RELU6, LEAKY_RELU,
    LOGISTIC (TFLM's power-of-two and general scalings) and TANH on every 97th int16 value
    and the ends; SOFTMAX over every 61st difference; QUANTIZE int32 -> int16 and int16 ->
    int8, DEQUANTIZE; both pools and MEAN at zero points at the ends of int16."""
    rng = np.random.default_rng(30)
    pairs = [a[:, :40] if a.shape[0] == 1 else a for a in int16_pairs(rng)]
    jobs = []
    for name, zps in (("ADD", (-32768, 32767, 3)), ("SUB", (32767, -32768, -3)), ("MUL", (0, 0, 0)), ("MAXIMUM", None), ("MINIMUM", None)):
        if zps is None:
            qs, activation = [dict(scale=1e-3, zero_point=-9)] * 3, None
        else:
            qs, activation = [dict(scale=s, zero_point=z) for s, z in zip((2.0**-15, 3e-4, 2e-3), zps)], "RELU6"
        jobs.append((binary_model(name, (25, 1), (1, 40), qs, activation, dtype="int16"), pairs))
    values = np.concatenate([np.arange(-32768, 32768, 97), [-32767, -1, 0, 1, 32766, 32767]]).astype(np.int16).reshape(1, -1)
    out = dict(scale=2.0**-15, zero_point=0)
    cases = [
        ("RELU", dict(scale=1e-3, zero_point=0), dict(scale=7e-4, zero_point=0), None, {}),
        ("RELU6", dict(scale=2e-4, zero_point=-32768), dict(scale=0.5, zero_point=7), None, {}),
        ("LEAKY_RELU", dict(scale=0.25, zero_point=32767), dict(scale=2.0**-15, zero_point=-32768), "LeakyReluOptions", dict(alpha=-3.0)),
        ("LOGISTIC", dict(scale=2.0**-12, zero_point=0), out, None, {}),
        ("LOGISTIC", dict(scale=0.01, zero_point=0), out, None, {}),
        ("TANH", dict(scale=2.0**-11, zero_point=0), out, None, {}),
        ("TANH", dict(scale=1 / 3000, zero_point=0), out, None, {}),
    ]
    for name, in_q, out_q, options_type, options in cases:
        jobs += int16_jobs(name, [(in_q, out_q)], values, options_type, **options)
    rows = every_difference(61)
    jobs.append((softmax_int16_model(rows.shape, 10 / 65535, 1.0), [rows]))
    shape = (1, 300)
    jobs.append((quantize_model(shape, "int32", "int16", dict(scale=1e-6, zero_point=0), dict(scale=3e-4, zero_point=-32768)), [int_values(rng, np.int32, shape)]))
    jobs.append((quantize_model(shape, "int16", "int8", dict(scale=1e-3, zero_point=32767), dict(scale=0.3, zero_point=-128)), [int_values(rng, np.int16, shape)]))
    jobs.append((quantize_model(shape, "int16", "float32", dict(scale=1e-3, zero_point=-32768), {}, "DEQUANTIZE"), [int_values(rng, np.int16, shape)]))
    for op in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
        model = pool_model(op, (1, 7, 6, 3), (3, 2), (2, 2), "SAME", "RELU", "int16", -32768, 1e-3)
        jobs.append((model, [int_values(rng, np.int16, (1, 7, 6, 3))]))
    q_in, q_out = dict(scale=1e-3, zero_point=32767), dict(scale=2e-3, zero_point=-32768)
    model, _ = mean_model(rng, (2, 6, 4, 3), [1, 2], True, "int16", q_in, q_out)
    jobs.append((model, [int_values(rng, np.int16, (2, 6, 4, 3))]))
    return jobs


def relu_int16_sweep():
    return relu_int16_jobs(SOME_INT16)


def logistic_tanh_int16_sweep():
    return logistic_tanh_int16_jobs(SOME_INT16)


def softmax_int16_sweep():
    return softmax_int16_jobs(7)


# The full int16 sweeps (the plain loops' share of the int16 values), for `make test-slow`
INT16_JOBS = [
    arithmetic_int16_sweep,
    maximum_minimum_int16_jobs,
    relu_int16_sweep,
    logistic_tanh_int16_sweep,
    softmax_int16_sweep,
    quantize_int16_jobs,
    average_pool_int16_jobs,
    max_pool_int16_jobs,
    mean_int16_jobs,
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


# person_detect (20 s there; its kernels are kws_ref_model's, which stays) in make test-slow
@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.slow) if n == "person_detect" else n for n in GOLDEN_EXACT]
)
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


def test_int16_families_match_tflm_on_wasm():
    assert compare(int16_family_jobs(), on="wasm", rtol=0) > 0


@pytest.mark.slow
@pytest.mark.parametrize("jobs", INT16_JOBS, ids=lambda f: f.__name__)
def test_int16_sweeps_match_tflm_on_wasm(jobs):
    assert compare(jobs(), on="wasm", rtol=0) > 0
