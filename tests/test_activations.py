"""One-input activations vs TFLM: RELU, RELU6, LEAKY_RELU, LOGISTIC, TANH, HARD_SWISH.

int8: every one of the 256 input values, over several input/output quantizations (zero
points -128 and 127 included), on both loop backends. float32: random values.
"""

import numpy as np
import pytest
from oracle import compare, run_ulite

from host_tools.model_builder import ModelBuilder

BACKENDS = ["viper", "plain"]
ALL_INT8 = np.arange(-128, 128, dtype=np.int8).reshape(1, 16, 16)


def unary_model(name, in_q, out_q, options_type=None, **options):
    mb = ModelBuilder()
    x = mb.input(ALL_INT8.shape, "int8", **in_q)
    y = mb.tensor(ALL_INT8.shape, "int8", **out_q)
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


@pytest.mark.parametrize("loops", BACKENDS)
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


@pytest.mark.parametrize("loops", BACKENDS)
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


@pytest.mark.parametrize("loops", BACKENDS)
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


@pytest.mark.parametrize("loops", BACKENDS)
def test_hard_swish_int8(loops):
    compare(hard_swish_int8_jobs(), loops)


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
