"""CONV_2D and DEPTHWISE_CONV_2D on generated models: ulite on MicroPython vs TFLM.

int8 outputs must be identical (both loop backends); float32 within the oracle's tolerance.
"""

import numpy as np
import pytest
from conftest import PLAIN_ON_WASM
from oracle import compare, run_tflm, run_ulite

from host_tools.model_builder import ModelBuilder, window_out

BACKENDS = ["viper", "plain"]
ACTIVATIONS = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"]


def out_dims(h, w, kernel, stride, dilation, padding):
    """Output height and width of a window."""
    return tuple(
        window_out(size, k, st, d, padding)
        for size, k, st, d in zip((h, w), kernel, stride, dilation)
    )


def rand_int8(rng, shape):
    return rng.integers(-128, 128, size=shape, dtype=np.int8)


# per activation dtype: input scales, the output scale's spread (outputs over about +-steps
# steps: clamps and rounding both exercised), the default bias dtype and its values' range
DTYPES = {
    "int8": dict(in_scales=(0.01, 0.1), spread=5500, steps=40, bias="int32"),
    "int16": dict(in_scales=(1e-4, 1e-3), spread=1.4e6, steps=10000, bias="int64"),
}
BIAS_RANGES = {
    ("int8", "int32"): 20000,
    ("int16", "int16"): 30000,
    ("int16", "int32"): 1 << 24,
    ("int16", "int64"): 1 << 26,
}


def bias_const(mb, rng, dtype, bias, scales):
    """The bias tensor of an op with `dtype` activations, one value per scale: bias True (the
    dtype's default bias type) or a bias dtype: random values; "zeros": the default type's
    zeros; False or None: no bias (random values are drawn in every case, so a model's
    other draws do not depend on its bias)."""
    default = DTYPES[dtype]["bias"]
    bias_dtype = default if bias in (True, "zeros") else bias
    top = BIAS_RANGES.get((dtype, bias_dtype), BIAS_RANGES[(dtype, default)])
    values = rng.integers(-top, top, len(scales))
    if not bias:
        return None
    if bias == "zeros":
        values = np.zeros(len(scales), np.int64)
    return mb.const(values, bias_dtype, scale=scales, zero_point=0)


def conv_model(
    rng,
    in_shape,
    filters,
    kernel,
    *,
    dtype="int8",
    stride=(1, 1),
    dilation=(1, 1),
    padding="SAME",
    groups=1,
    activation="NONE",
    per_channel=True,
    bias=True,
    bias_type=None,
    in_zp=None,
    out_zp=None,
    gain=1.0,
    depthwise=False,
    multiplier=1,
):
    """A CONV_2D (or DEPTHWISE_CONV_2D) model of int8 or 16x8 (int16 activations, dtype
    "int16") and a random input for it. bias: True (the dtype's default bias type), a bias
    dtype, "zeros" or False; bias_type: Conv2DOptions' quantized_bias_type. Zero points:
    None draws an int8 one; int16 ones default to 0 (TFLM's 16x8 convolutions apply
    neither)."""
    params = DTYPES[dtype]
    batches, h, w, c = in_shape
    kh, kw = kernel
    out_c = c * multiplier if depthwise else filters
    depth = kh * kw * (1 if depthwise else c // groups)
    in_scale = float(rng.uniform(*params["in_scales"]))
    if in_zp is None:
        in_zp = int(rng.integers(-128, 128)) if dtype == "int8" else 0
    w_scales = rng.uniform(0.002, 0.02, out_c) if per_channel else float(rng.uniform(0.002, 0.02))
    out_scale = float(in_scale * np.mean(w_scales) * params["spread"] * np.sqrt(depth) / params["steps"] / gain)
    mb = ModelBuilder()
    x = mb.input(in_shape, dtype, scale=in_scale, zero_point=in_zp)
    w_shape = (1, kh, kw, out_c) if depthwise else (filters, kh, kw, c // groups)
    weights = mb.const(rand_int8(rng, w_shape), "int8", scale=w_scales, zero_point=0, axis=3 if depthwise else 0)
    b = bias_const(mb, rng, dtype, bias, in_scale * np.atleast_1d(w_scales) * np.ones(out_c))
    out_h, out_w = out_dims(h, w, kernel, stride, dilation, padding)
    if out_zp is None:
        out_zp = int(rng.integers(-128, 128)) if dtype == "int8" else 0
    y = mb.tensor((batches, out_h, out_w, out_c), dtype, scale=out_scale, zero_point=out_zp)
    options = dict(
        padding=padding,
        stride_h=stride[0],
        stride_w=stride[1],
        dilation_h_factor=dilation[0],
        dilation_w_factor=dilation[1],
        fused_activation_function=activation,
    )
    if depthwise:
        mb.op(
            "DEPTHWISE_CONV_2D",
            [x, weights, b],
            [y],
            "DepthwiseConv2DOptions",
            depth_multiplier=multiplier,
            **options,
        )
    else:
        if bias_type is not None:
            options["quantized_bias_type"] = bias_type
        mb.op("CONV_2D", [x, weights, b], [y], "Conv2DOptions", **options)
    mb.output(y)
    inputs = rand_int8(rng, in_shape) if dtype == "int8" else rng.integers(-32768, 32768, in_shape, dtype=np.int16)
    return mb.build(), [inputs]


# (input shape, filters, kernel, options): strides with SAME on odd sizes, dilation,
# grouped filters, batches, 1x1 pointwise, blocks of 8 pixels with short tails
CONV_CASES = [
    ((1, 5, 5, 3), 4, (3, 3), dict(stride=(2, 2))),
    ((1, 7, 6, 2), 5, (3, 2), dict(padding="VALID")),
    ((1, 9, 9, 4), 8, (3, 3), dict(dilation=(2, 2))),
    ((1, 8, 7, 3), 6, (2, 3), dict(stride=(2, 1), dilation=(1, 2), padding="VALID")),
    ((2, 5, 4, 6), 4, (3, 3), dict(groups=2)),
    ((1, 6, 6, 8), 8, (1, 3), dict(groups=4, stride=(1, 2))),
    ((1, 3, 3, 16), 7, (1, 1), dict()),
    ((1, 1, 1, 20), 2, (1, 1), dict(bias=False)),
    ((1, 11, 3, 1), 9, (5, 2), dict(stride=(2, 2))),
    ((1, 4, 5, 5), 3, (4, 4), dict(stride=(3, 3))),
]


def conv_jobs(rng, cases):
    jobs = []
    for i, (shape, filters, kernel, options) in enumerate(cases):
        for zp in (-128, 127, None):
            opts = dict(options, in_zp=zp, activation=ACTIVATIONS[i % 4], per_channel=zp != 127)
            jobs.append(conv_model(rng, shape, filters, kernel, **opts))
    return jobs


def conv_int8_jobs():
    rng = np.random.default_rng(10)
    jobs = conv_jobs(rng, CONV_CASES)
    for activation in ACTIVATIONS:  # every fused activation on one shape
        jobs.append(conv_model(rng, (1, 6, 5, 3), 4, (3, 3), activation=activation, stride=(2, 2)))
    jobs.append(conv_model(rng, (1, 4, 4, 3), 2, (3, 3), gain=40.0))  # multipliers above one
    return jobs


@pytest.mark.parametrize("loops", PLAIN_ON_WASM)
def test_conv_int8_sweep(loops):
    compare(conv_int8_jobs(), loops)


def test_conv_int8_large_blocks():
    """Viper paths plain sizes skip: taps split into im2col chunks, many filters per pass."""
    rng = np.random.default_rng(11)
    jobs = [
        conv_model(rng, (1, 6, 6, 64), 16, (3, 3), activation="RELU"),  # 9 * 64 * 8 > 4096
        conv_model(rng, (1, 5, 7, 130), 3, (1, 1), activation="RELU6", in_zp=-128),
        conv_model(rng, (1, 13, 11, 8), 70, (1, 1), stride=(2, 2)),
        conv_model(rng, (2, 9, 9, 5), 12, (3, 3), groups=1, dilation=(3, 1), in_zp=127),
        conv_model(rng, (1, 7, 9, 128), 8, (3, 3), groups=2, padding="VALID"),  # chunked too
        conv_model(rng, (1, 5, 3, 70), 150, (3, 3), activation="RELU6"),  # 4 lanes, chunked
    ]
    compare(jobs, "viper")


DEPTHWISE_CASES = [
    ((1, 5, 5, 3), (3, 3), dict(stride=(2, 2))),
    ((1, 7, 6, 4), (3, 2), dict(padding="VALID", multiplier=2)),
    ((1, 9, 9, 2), (3, 3), dict(dilation=(2, 2))),
    ((1, 8, 7, 1), (3, 3), dict(multiplier=8, stride=(2, 2))),
    ((2, 5, 4, 9), (3, 3), dict()),
    ((1, 6, 6, 11), (2, 3), dict(stride=(1, 2), dilation=(1, 2), padding="VALID")),
    ((1, 10, 8, 1), (5, 4), dict(multiplier=3, stride=(2, 2))),
    ((1, 3, 3, 16), (3, 3), dict(stride=(2, 1))),
    ((1, 6, 5, 3), (3, 2), dict(multiplier=4, dilation=(2, 1))),  # runs as a grouped conv
]


def depthwise_jobs(rng, cases):
    jobs = []
    for i, (shape, kernel, options) in enumerate(cases):
        for zp in (-128, 127, None):
            opts = dict(options, in_zp=zp, activation=ACTIVATIONS[i % 4], per_channel=zp != 127)
            jobs.append(conv_model(rng, shape, 0, kernel, depthwise=True, **opts))
    return jobs


def depthwise_int8_jobs():
    rng = np.random.default_rng(12)
    jobs = depthwise_jobs(rng, DEPTHWISE_CASES)
    for activation in ACTIVATIONS:
        jobs.append(
            conv_model(rng, (1, 6, 5, 4), 0, (3, 3), depthwise=True, activation=activation)
        )
    return jobs


@pytest.mark.parametrize("loops", PLAIN_ON_WASM)
def test_depthwise_int8_sweep(loops):
    compare(depthwise_int8_jobs(), loops)


@pytest.mark.parametrize("loops", BACKENDS)
def test_depthwise_int8_without_bias(loops):
    """TFLM's depthwise kernel crashes without a bias; a zero bias must give the same."""
    jobs, expected = [], []
    for seed, shape, multiplier in ((16, (1, 5, 4, 3), 1), (17, (1, 6, 6, 2), 3)):
        zero_bias = conv_model(
            np.random.default_rng(seed),
            shape,
            0,
            (3, 3),
            depthwise=True,
            multiplier=multiplier,
            bias="zeros",
        )
        model, inputs = conv_model(
            np.random.default_rng(seed),
            shape,
            0,
            (3, 3),
            depthwise=True,
            multiplier=multiplier,
            bias=False,
        )
        expected.append(run_tflm(*zero_bias))
        jobs.append((model, inputs, expected[-1]))
    for got, want in zip(run_ulite(jobs, loops), expected):
        np.testing.assert_array_equal(got[0], want[0])


def test_depthwise_int8_wide():
    rng = np.random.default_rng(13)
    jobs = [
        conv_model(rng, (1, 12, 12, 67), 0, (3, 3), depthwise=True, activation="RELU6"),
        conv_model(rng, (1, 9, 7, 40), 0, (3, 3), depthwise=True, multiplier=2, stride=(2, 2)),
        conv_model(rng, (1, 20, 16, 1), 0, (4, 3), depthwise=True, multiplier=8, in_zp=-128),
        # too many weights to reorder for the grouped route: the per-pixel loop runs dm 8
        conv_model(rng, (1, 5, 5, 64), 0, (3, 3), depthwise=True, multiplier=8, bias=True),
    ]
    compare(jobs, "viper")


@pytest.mark.parametrize("loops", BACKENDS)
def test_random_int8_cases(loops):
    """Seeded random geometry, quantization and options for both ops."""
    rng = np.random.default_rng(14)
    jobs = []
    for _ in range(12):
        h, w = (int(v) for v in rng.integers(1, 9, 2))
        kh, kw = (int(v) for v in rng.integers(1, 4, 2))
        opts = dict(
            stride=tuple(int(v) for v in rng.integers(1, 4, 2)),
            dilation=tuple(int(v) for v in rng.integers(1, 3, 2)),
            padding=str(rng.choice(["SAME", "VALID"])),
            activation=str(rng.choice(ACTIVATIONS)),
            per_channel=bool(rng.integers(2)),
            bias=bool(rng.integers(2)),
        )
        if opts["padding"] == "VALID":
            h = max(h, (kh - 1) * opts["dilation"][0] + 1)
            w = max(w, (kw - 1) * opts["dilation"][1] + 1)
        if rng.integers(2):
            groups = int(rng.integers(1, 3))
            c = groups * int(rng.integers(1, 5))
            jobs.append(
                conv_model(
                    rng,
                    (1, h, w, c),
                    groups * int(rng.integers(1, 4)),
                    (kh, kw),
                    groups=groups,
                    **opts,
                )
            )
        else:
            c = int(rng.integers(1, 7))
            jobs.append(
                conv_model(
                    rng,
                    (1, h, w, c),
                    0,
                    (kh, kw),
                    depthwise=True,
                    multiplier=int(rng.integers(1, 4)),
                    **opts,
                )
            )
    compare(jobs, loops)


def float_model(
    rng,
    in_shape,
    out_c,
    kernel,
    depthwise,
    activation,
    padding,
    stride,
    dilation,
    bias=True,
    groups=1,
):
    batches, h, w, c = in_shape
    kh, kw = kernel
    mb = ModelBuilder()
    x = mb.input(in_shape, "float32")
    if depthwise:
        weights = mb.const(rng.normal(0, 0.5, (1, kh, kw, out_c)).astype(np.float32), "float32")
    else:
        weights = mb.const(
            rng.normal(0, 0.5, (out_c, kh, kw, c // groups)).astype(np.float32), "float32"
        )
    b = mb.const(rng.normal(0, 0.5, out_c).astype(np.float32), "float32") if bias else None
    out_h, out_w = out_dims(h, w, kernel, stride, dilation, padding)
    y = mb.tensor((batches, out_h, out_w, out_c), "float32")
    options = dict(
        padding=padding,
        stride_h=stride[0],
        stride_w=stride[1],
        dilation_h_factor=dilation[0],
        dilation_w_factor=dilation[1],
        fused_activation_function=activation,
    )
    if depthwise:
        mb.op(
            "DEPTHWISE_CONV_2D",
            [x, weights, b],
            [y],
            "DepthwiseConv2DOptions",
            depth_multiplier=out_c // c,
            **options,
        )
    else:
        mb.op("CONV_2D", [x, weights, b], [y], "Conv2DOptions", **options)
    mb.output(y)
    return mb.build(), [rng.normal(0, 1, in_shape).astype(np.float32)]


def test_float32():
    rng = np.random.default_rng(15)
    jobs = [
        float_model(rng, (1, 5, 5, 3), 4, (3, 3), False, "NONE", "SAME", (2, 2), (1, 1)),
        float_model(
            rng, (2, 6, 5, 2), 3, (2, 3), False, "RELU", "VALID", (1, 1), (2, 1), bias=False
        ),
        float_model(rng, (1, 7, 7, 4), 4, (3, 3), True, "RELU6", "SAME", (1, 1), (2, 2)),
        float_model(rng, (1, 6, 6, 2), 6, (3, 3), True, "RELU_N1_TO_1", "SAME", (2, 2), (1, 1)),
        float_model(
            rng, (1, 5, 4, 6), 4, (3, 3), False, "RELU6", "SAME", (1, 1), (1, 1), groups=2
        ),
    ]
    compare(jobs)


def refused(model):
    mb_out = run_ulite([(model, [], [])], "viper")[0]
    assert isinstance(mb_out, str), "ulite accepted the model"
    return mb_out


def test_hybrid_refused():
    mb = ModelBuilder()
    x = mb.input((1, 4, 4, 2), "float32")
    weights = mb.const(
        np.ones((3, 1, 1, 2), np.int8), "int8", scale=[0.1] * 3, zero_point=0, axis=0
    )
    y = mb.tensor((1, 4, 4, 3), "float32")
    mb.op(
        "CONV_2D", [x, weights, None], [y], "Conv2DOptions", padding="SAME", stride_w=1, stride_h=1
    )
    mb.output(y)
    message = refused(mb.build())
    assert "UnsupportedOpError" in message and "hybrid" in message and "CONV_2D" in message


def test_accumulator_overflow_refused():
    mb = ModelBuilder()
    x = mb.input((1, 1, 1, 4), "int8", scale=0.1, zero_point=0)
    weights = mb.const(np.ones((1, 1, 1, 4), np.int8), "int8", scale=0.1, zero_point=0)
    b = mb.const(np.array([2**31 - 100], np.int32), "int32", scale=0.01, zero_point=0)
    y = mb.tensor((1, 1, 1, 1), "int8", scale=1.0, zero_point=0)
    mb.op(
        "CONV_2D", [x, weights, b], [y], "Conv2DOptions", padding="VALID", stride_w=1, stride_h=1
    )
    mb.output(y)
    message = refused(mb.build())
    assert "UnsupportedOpError" in message and "overflow" in message


def test_empty_tensor_refused():
    mb = ModelBuilder()
    x = mb.input((1, 4, 4, 0), "int8", scale=0.1, zero_point=0)
    weights = mb.const(np.ones((2, 1, 1, 0), np.int8), "int8", scale=0.1, zero_point=0)
    y = mb.tensor((1, 4, 4, 2), "int8", scale=1.0, zero_point=0)
    mb.op(
        "CONV_2D", [x, weights, None], [y], "Conv2DOptions", padding="SAME", stride_w=1, stride_h=1
    )
    mb.output(y)
    message = refused(mb.build())
    assert "ModelError" in message and "empty" in message
