"""One-input activations vs TFLM: RELU, RELU6, LEAKY_RELU, LOGISTIC, TANH, HARD_SWISH.

int8: every one of the 256 input values, over several input/output quantizations (zero
points -128 and 127 included), on both loop backends. int16 (RELU, RELU6, LEAKY_RELU,
LOGISTIC, TANH: TFLM has no int16 HARD_SWISH): every one of the 65536 input values for
LOGISTIC and TANH (TFLM's table interpolation) on viper, a strided eighth of them plus the
ends on plain; the ends and random values for the others. float32: random values.
"""

import numpy as np
import pytest
from conftest import PLAIN_ON_WASM
from oracle import compare, run_ulite

from host_tools.model_builder import ModelBuilder

BACKENDS = ["viper", "plain"]
ALL_INT8 = np.arange(-128, 128, dtype=np.int8).reshape(1, 16, 16)


def unary_model(name, in_q, out_q, options_type=None, dtype="int8", shape=ALL_INT8.shape, **options):
    mb = ModelBuilder()
    x = mb.input(shape, dtype, **in_q)
    y = mb.tensor(shape, dtype, **out_q)
    mb.op(name, [x], [y], options_type, **options)
    mb.output(y)
    return mb.build()


def quantizations(rng, count, scale_range):
    """count (scale, zero point) dicts: zero points -128 and 127 first, then random."""
    lo, hi = np.log(scale_range[0]), np.log(scale_range[1])
    zero_points = [-128, 127] + [int(z) for z in rng.integers(-128, 128, count - 2)]
    return [dict(scale=float(np.exp(rng.uniform(lo, hi))), zero_point=z) for z in zero_points]


def sweep(name, in_qs, out_qs, options_type=None, **options):
    return [
        (unary_model(name, i, o, options_type, **options), [ALL_INT8])
        for i, o in zip(in_qs, out_qs)
    ]


def relu_relu6_int8_jobs():
    rng = np.random.default_rng(10)
    jobs = []
    for name in ("RELU", "RELU6"):
        in_qs = quantizations(rng, 8, (0.005, 0.5))
        out_qs = quantizations(rng, 8, (0.005, 0.5))[::-1]
        jobs += sweep(name, in_qs, out_qs)
        jobs += sweep(name, in_qs[:2], in_qs[:2])  # same quantization in and out
    jobs += sweep(
        "RELU6", [dict(scale=0.01, zero_point=-100)], [dict(scale=0.01, zero_point=-100)]
    )  # q(6) clamps
    # 6 / scale rounds to a different integer in float32 than in double: TFLM uses float32
    for scale in (0.2448979616165161, 0.19672131538391113):
        jobs += sweep(
            "RELU6", [dict(scale=scale, zero_point=-128)], [dict(scale=0.1, zero_point=0)]
        )
    return jobs


@pytest.mark.parametrize("loops", PLAIN_ON_WASM)
def test_relu_relu6_int8(loops):
    compare(relu_relu6_int8_jobs(), loops)


def leaky_relu_int8_jobs():
    rng = np.random.default_rng(11)
    jobs = []
    for alpha in (0.2, 0.01, 0.0, -0.5, 1.5, -3.0):
        in_qs = quantizations(rng, 4, (0.005, 0.5))
        out_qs = quantizations(rng, 4, (0.005, 0.5))
        jobs += sweep("LEAKY_RELU", in_qs, out_qs, "LeakyReluOptions", alpha=alpha)
    for s_in, s_out, alpha, z_in, z_out in LEAKY_DOUBLE_SENSITIVE:
        in_q, out_q = dict(scale=s_in, zero_point=z_in), dict(scale=s_out, zero_point=z_out)
        jobs += sweep("LEAKY_RELU", [in_q], [out_q], "LeakyReluOptions", alpha=alpha)
    return jobs


@pytest.mark.parametrize("loops", PLAIN_ON_WASM)
def test_leaky_relu_int8(loops):
    compare(leaky_relu_int8_jobs(), loops)


# (s_in, s_out, alpha, zp_in, zp_out): multipliers derived in float32 and in double give
# different tables; TFLM matches double
LEAKY_DOUBLE_SENSITIVE = [
    (0.1529151350259781, 0.026562407612800598, -1.8311598300933838, -62, -96),
    (0.2403983324766159, 0.28671154379844666, 1.731001853942871, 99, 66),
    (0.03724740445613861, 0.051698584109544754, 0.2890888750553131, -77, -38),
    (0.24205656349658966, 0.074440598487854, 0.09465553611516953, 81, 37),
]
# (s_in, s_out, zp_in, zp_out) likewise for HARD_SWISH's output multiplier
HARD_SWISH_DOUBLE_SENSITIVE = [
    (0.2836393117904663, 0.1194915696978569, -43, -88),
    (0.011161972768604755, 0.017787503078579903, 45, 25),
    (0.19451819360256195, 0.15168540179729462, -121, -64),
]


def logistic_tanh_int8_jobs():
    rng = np.random.default_rng(12)
    jobs = []
    in_qs = quantizations(rng, 10, (0.0005, 2.0))
    in_qs += [dict(scale=s, zero_point=0) for s in (1 / 16, 0.1, 7.0, 40.0)]  # radius up to 0
    jobs += sweep("LOGISTIC", in_qs, [dict(scale=1 / 256, zero_point=-128)] * len(in_qs))
    jobs += sweep("TANH", in_qs, [dict(scale=1 / 128, zero_point=0)] * len(in_qs))
    # TFLM ignores the output scale (and TANH's zero point): so must ulite
    jobs += sweep("LOGISTIC", in_qs[:2], [dict(scale=0.3, zero_point=-128)] * 2)
    jobs += sweep("TANH", in_qs[:2], [dict(scale=0.3, zero_point=9)] * 2)
    return jobs


@pytest.mark.parametrize("loops", PLAIN_ON_WASM)
def test_logistic_tanh_int8(loops):
    compare(logistic_tanh_int8_jobs(), loops)


def hard_swish_int8_jobs():
    rng = np.random.default_rng(13)
    jobs = []
    in_qs = quantizations(rng, 10, (0.002, 0.5))
    out_qs = quantizations(rng, 10, (0.01, 0.5))
    jobs += sweep("HARD_SWISH", in_qs, out_qs)
    # reluish shift well below zero and above it; output shift beyond int16 (-16 and less)
    scales = [
        (1e-6, 1e-5),
        (0.001, 0.002),
        (0.02, 0.03),
        (1.5, 2.0),
        (20.0, 0.2),
        (0.001, 1.0),
        (0.0001, 3.0),
    ]
    for (s_in, s_out), z in zip(scales, (-128, 127, 0, 5, -128, 127, 0)):
        jobs += sweep(
            "HARD_SWISH", [dict(scale=s_in, zero_point=z)], [dict(scale=s_out, zero_point=-z - 1)]
        )
    for s_in, s_out, z_in, z_out in HARD_SWISH_DOUBLE_SENSITIVE:
        jobs += sweep(
            "HARD_SWISH",
            [dict(scale=s_in, zero_point=z_in)],
            [dict(scale=s_out, zero_point=z_out)],
        )
    return jobs


@pytest.mark.parametrize("loops", PLAIN_ON_WASM)
def test_hard_swish_int8(loops):
    compare(hard_swish_int8_jobs(), loops)


ALL_INT16 = np.arange(-32768, 32768, dtype=np.int16).reshape(1, 256, 256)
# a strided eighth of the int16 values and their ends (the plain loops are slow)
SOME_INT16 = np.concatenate([ALL_INT16.reshape(-1)[3::8], [-32768, -32767, 0, 32766, 32767]])
SOME_INT16 = SOME_INT16.astype(np.int16).reshape(1, -1)


def int16_jobs(name, pairs, values, options_type=None, **options):
    """One model per (input quantization, output quantization) of `pairs`, on `values`."""
    return [
        (unary_model(name, i, o, options_type, "int16", values.shape, **options), [values])
        for i, o in pairs
    ]


def log_uniform(rng, low, high):
    return float(np.exp(rng.uniform(np.log(low), np.log(high))))


def relu_int16_jobs(values=SOME_INT16):
    """RELU (zero points 0, as TFLM requires; scale ratios with shifts up to 15), RELU6 (any
    zero point; q(6) inside int16 and clamped), LEAKY_RELU (alphas of every sign and size,
    zero points at the ends of int16)."""
    rng = np.random.default_rng(15)
    scales = [(1e-3, 1e-3), (1e-3, 7e-4), (2.0**-15, 2.0**-14), (0.5, 2.0**-14), (1e-4, 0.01)]
    jobs = int16_jobs("RELU", [(dict(scale=a, zero_point=0), dict(scale=b, zero_point=0)) for a, b in scales], values)
    relu6 = [(1e-3, 0), (2e-4, -32768), (1e-4, 32767), (3e-5, 100), (0.2448979616165161, -3)]
    pairs = [(dict(scale=a, zero_point=z), dict(scale=0.5, zero_point=7)) for a, z in relu6]
    jobs += int16_jobs("RELU6", pairs, values)
    for alpha in (0.2, 0.01, 0.0, -0.5, 1.5, -3.0):
        pairs = []
        for zps in ((-32768, 32767), (32767, -32768), (0, 0), (int(rng.integers(-300, 300)), 5)):
            in_q = dict(scale=log_uniform(rng, 1e-5, 1e-2), zero_point=zps[0])
            out_q = dict(scale=log_uniform(rng, 1e-5, 1e-2), zero_point=zps[1])
            if abs(alpha) * in_q["scale"] / out_q["scale"] > 16000 or in_q["scale"] / out_q["scale"] > 16000:
                out_q["scale"] = in_q["scale"]  # TFLM's shift of x - zp would overflow int32
            pairs.append((in_q, out_q))
        jobs += int16_jobs("LEAKY_RELU", pairs, values, "LeakyReluOptions", alpha=alpha)
    return jobs


@pytest.mark.parametrize("loops", BACKENDS)
def test_relu_leaky_relu_int16(loops):
    compare(relu_int16_jobs(), loops)


# int16 LOGISTIC / TANH input scales: TFLM's power-of-two cases (2**-12, TANH's 2**-11 too)
# and just inside its 1e-3 tolerance of them, the general case on either side, the largest
# and tiniest scales, and the shift limit of 31 doublings
SIGMOID_INT16_SCALES = [
    2.0**-12, 2.0**-11, 2.0**-13, 2.0**-12 * 1.0006, 2.0**-11 * 0.9994, 2.0**-12 * 1.0008,
    2.0**-15, 2.0**-9, 1 / 3000, 0.01, 0.3, 2.5, 5.3, 1e-6, 1e-9,
]  # fmt: skip


def logistic_tanh_int16_jobs(values=ALL_INT16):
    out_q = dict(scale=2.0**-15, zero_point=0)
    jobs = []
    for name in ("LOGISTIC", "TANH"):
        pairs = [(dict(scale=s, zero_point=0), out_q) for s in SIGMOID_INT16_SCALES]
        pairs.append((pairs[0][0], dict(scale=2.0**-15 * 1.0005, zero_point=0)))  # CheckedLog2 passes it
        jobs += int16_jobs(name, pairs, values)
    return jobs


@pytest.mark.parametrize("loops", BACKENDS)
def test_logistic_tanh_int16(loops):
    compare(logistic_tanh_int16_jobs(ALL_INT16 if loops == "viper" else SOME_INT16), loops)


def test_int16_refusals():
    """What TFLM refuses (zero points, output scales) or computes past int32 (huge scales),
    and scales where float32 rounding in TFLM's CheckedLog2 decides: refused, naming why."""
    q0 = dict(scale=2.0**-12, zero_point=0)
    out_q = dict(scale=2.0**-15, zero_point=0)
    edge = 2.0**-12 * 8394424 / 2**23  # CheckedLog2's tolerance limit, to the float32 ulp
    cases = [
        ("LOGISTIC", dict(scale=2.0**-12, zero_point=3), out_q, "zero point 3"),
        ("TANH", q0, dict(scale=2.0**-14, zero_point=0), "2**-15"),
        ("LOGISTIC", dict(scale=6.0, zero_point=0), out_q, "overflows int32"),
        ("TANH", dict(scale=edge, zero_point=0), out_q, "tolerance"),
        ("RELU", dict(scale=0.01, zero_point=1), dict(scale=0.01, zero_point=0), "zero point 1"),
        ("HARD_SWISH", q0, q0, "int16->int16"),
        ("LEAKY_RELU", dict(scale=1.0, zero_point=0), dict(scale=2.0**-16, zero_point=0), "overflow"),
    ]
    values = np.zeros((1, 4), np.int16)
    jobs = [(unary_model(name, i, o, None, "int16", values.shape), [values], [values]) for name, i, o, _ in cases]
    for (name, _, _, why), error in zip(cases, run_ulite(jobs)):
        assert isinstance(error, str) and "UnsupportedOpError" in error, (name, error)
        assert name in error and why in error, (name, why, error)


def float_model(name, shape, options_type=None, **options):
    mb = ModelBuilder()
    x = mb.input(shape, "float32")
    y = mb.tensor(shape, "float32")
    mb.op(name, [x], [y], options_type, **options)
    mb.output(y)
    return mb.build()


def test_activations_float():
    rng = np.random.default_rng(14)
    shape = (2, 5, 40)
    values = rng.normal(0, 6, shape).astype(np.float32)
    values.flat[:8] = [0.0, -3.0, 3.0, 6.0, -9.5, 17.0, -20.0, 0.25]  # the kernels' breakpoints
    jobs = [
        (float_model(name, shape), [values])
        for name in ("RELU", "RELU6", "LOGISTIC", "TANH", "HARD_SWISH")
    ]
    jobs += [
        (float_model("LEAKY_RELU", shape, "LeakyReluOptions", alpha=a), [values])
        for a in (0.2, -1.5)
    ]
    compare(jobs)


def test_refusals():
    bad_logistic = unary_model(
        "LOGISTIC", dict(scale=0.1, zero_point=0), dict(scale=1 / 256, zero_point=0)
    )
    bad_hard_swish = unary_model(
        "HARD_SWISH", dict(scale=1.0, zero_point=0), dict(scale=0.001, zero_point=0)
    )
    # s_in * 2**27 below one half: TFLM's input radius would shift by a negative count
    tiny_tanh = unary_model(
        "TANH", dict(scale=1e-9, zero_point=0), dict(scale=1 / 128, zero_point=0)
    )
    templates = [np.zeros(ALL_INT8.shape, np.int8)]
    models = (bad_logistic, bad_hard_swish, tiny_tanh)
    errors = run_ulite([(model, [ALL_INT8], templates) for model in models])
    assert "UnsupportedOpError" in errors[0] and "LOGISTIC" in errors[0] and "-128" in errors[0]
    assert "UnsupportedOpError" in errors[1] and "HARD_SWISH" in errors[1]
    assert "UnsupportedOpError" in errors[2] and "TANH" in errors[2]
