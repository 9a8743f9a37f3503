"""CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED in 16x8 (int16 activations, int8
weights, int64 or int32 bias) on generated models: ulite on MicroPython vs TFLM, bit for
bit, on both loop backends here; on the WebAssembly port and the ARM board too (a quick
family in test_wasm_port's KERNEL_JOBS and below, the whole sweeps marked slow).

The edge jobs put the 64-bit accumulations where they break first on 32-bit words: sums
of products of 2**22 past 2**31 and 2**40, int64 biases near their limits (TFLM's products
wrap at 2**64), int32 accumulation wrapping, requantization shifts at both ends of what the
int64 path takes, and runs of products split where the loops split them (508 products).
"""

import numpy as np
import pytest
from oracle import compare, run_tflm, run_ulite
from test_conv import ACTIVATIONS, CONV_CASES, DEPTHWISE_CASES, bias_const, conv_model
from test_elementwise import rand_int16

from host_tools.model_builder import ModelBuilder

BACKENDS = ["viper", "plain"]
INT32 = 2  # schema TensorType of quantized_bias_type
I64 = 1 << 63


def fc16_model(
    rng,
    batches,
    depth,
    units,
    *,
    per_channel=False,
    bias="int64",
    bias_type=None,
    zero_points=(0, 0),
    activation="NONE",
    gain=1.0,
):
    """A 16x8 FULLY_CONNECTED model and a random input; TFLM applies both zero points."""
    in_scale = float(rng.uniform(1e-4, 1e-3))
    w_scales = rng.uniform(0.002, 0.02, units) if per_channel else float(rng.uniform(0.002, 0.02))
    out_scale = float(in_scale * np.mean(w_scales) * 1.4e6 * np.sqrt(depth) / 10000 / gain)
    mb = ModelBuilder()
    x = mb.input((batches, depth), "int16", scale=in_scale, zero_point=zero_points[0])
    weights = mb.const(rng.integers(-128, 128, (units, depth), dtype=np.int8), "int8", scale=w_scales, zero_point=0)
    b = bias_const(mb, rng, "int16", bias, in_scale * np.atleast_1d(w_scales) * np.ones(units))
    y = mb.tensor((batches, units), "int16", scale=out_scale, zero_point=zero_points[1])
    options = dict(fused_activation_function=activation)
    if bias_type is not None:
        options["quantized_bias_type"] = bias_type
    mb.op("FULLY_CONNECTED", [x, weights, b], [y], "FullyConnectedOptions", **options)
    mb.output(y)
    return mb.build(), [rand_int16(rng, (batches, depth))]


# bias variants: (bias tensor, quantized_bias_type option); the last sums in int32
BIASES = [("int64", None), ("int32", None), (None, None), (None, INT32)]
ZERO_POINTS = [(0, 0), (0, 0), (7, -5), (-300, -20000)]


def conv_16x8_jobs(cases=CONV_CASES):
    """test_conv's CONV_2D cases (strides, dilations, groups, batches, short tails), each
    with every bias variant, activations and zero points in turn."""
    rng = np.random.default_rng(40)
    jobs = []
    for i, (shape, filters, kernel, options) in enumerate(cases):
        options = {k: v for k, v in options.items() if k != "bias"}
        for k, (bias, bias_type) in enumerate(BIASES):
            in_zp, out_zp = ZERO_POINTS[(i + k) % 4]
            jobs.append(
                conv_model(
                    rng,
                    shape,
                    filters,
                    kernel,
                    dtype="int16",
                    bias=bias,
                    bias_type=bias_type,
                    activation=ACTIVATIONS[(i + k) % 4],
                    per_channel=(i + k) % 3 != 0,
                    in_zp=in_zp,
                    out_zp=out_zp,
                    **options,
                )
            )
    return jobs


def depthwise_16x8_jobs(cases=DEPTHWISE_CASES):
    """test_conv's DEPTHWISE_CONV_2D cases (depth multipliers, strides, dilations), with
    and without bias (TFLM's kernel crashes without one: see the test below)."""
    rng = np.random.default_rng(41)
    jobs = []
    for i, (shape, kernel, options) in enumerate(cases):
        for k, bias in enumerate(("int64", "zeros")):
            in_zp, out_zp = ZERO_POINTS[(i + k) % 4]
            jobs.append(
                conv_model(
                    rng,
                    shape,
                    0,
                    kernel,
                    dtype="int16",
                    depthwise=True,
                    bias=bias,
                    activation=ACTIVATIONS[(i + k) % 4],
                    per_channel=(i + k) % 3 != 0,
                    in_zp=in_zp,
                    out_zp=out_zp,
                    **options,
                )
            )
    return jobs


FC_CASES = [(1, 1, 1), (2, 20, 7), (3, 600, 5), (1, 1017, 3), (4, 33, 50)]  # runs of 508, chunks


def fully_connected_16x8_jobs():
    """Depths across the loops' runs of products, more units than a chunk, every bias
    variant, per-channel and per-tensor, input and output zero points, activations."""
    rng = np.random.default_rng(42)
    jobs = []
    for i, (batches, depth, units) in enumerate(FC_CASES):
        for k, (bias, bias_type) in enumerate(BIASES):
            jobs.append(
                fc16_model(
                    rng,
                    batches,
                    depth,
                    units,
                    per_channel=(i + k) % 2 == 1,
                    bias=bias,
                    bias_type=bias_type,
                    zero_points=ZERO_POINTS[(i + k) % 4],
                    activation=("NONE", "RELU", "RELU6", "RELU_N1_TO_1")[(i + k) % 4],
                )
            )
    return jobs


def edge_fc(depth, weights, x, bias, bias_dtype="int64", ratio=1.0, out_zp=0):
    """FULLY_CONNECTED of constant rows: weights (units, depth) int8, every input x, bias
    values of bias_dtype; ratio = input scale x weight scale / output scale."""
    weights = np.asarray(weights, np.int8)
    units = weights.shape[0]
    mb = ModelBuilder()
    xt = mb.input((1, depth), "int16", scale=1.0, zero_point=0)
    w = mb.const(weights, "int8", scale=1.0, zero_point=0)
    b = mb.const(np.array(bias), bias_dtype, scale=1.0, zero_point=0) if bias is not None else None
    y = mb.tensor((1, units), "int16", scale=1.0 / ratio, zero_point=out_zp)
    mb.op("FULLY_CONNECTED", [xt, w, b], [y], "FullyConnectedOptions")
    mb.output(y)
    return mb.build(), [np.full((1, depth), x, np.int16)]


def edge_16x8_jobs():
    """The 64-bit accumulations at their edges (module docstring)."""
    jobs = []
    low, high = np.full((1, 3000), -128, np.int8), np.full((1, 3000), 127, np.int8)
    for bias in (I64 - 1, -I64, I64 - (1 << 40), -I64 + (1 << 40), 1 << 47, -(1 << 47)):
        for x in (-32768, 32767):
            for ratio in (2.0**7, 1.0, 2.0**-20, 2.0**-40):
                jobs.append(edge_fc(3000, low, x, [bias], ratio=ratio))
    mixed = np.array([[-128] * 100, [127] * 100, [1] * 100], np.int8)
    # shifts 14 (the largest the int64 path takes) down to below -31 (multiplier 0)
    for ratio in (2.0**13.9, 2.0**13, 0.99999, 2.0**-30.5, 2.0**-31.5, 2.0**-40):
        jobs.append(edge_fc(100, mixed, -32768, [0, 12345, -99999], ratio=ratio, out_zp=3))
    for bias in ((1 << 31) - 1, -(1 << 31), 0):  # int32 sums of 3000 * 2**22 wrap
        jobs.append(edge_fc(3000, np.concatenate([low, high]), -32768, [bias, bias], "int32", 2.0**-10))
    # a 1x1 CONV_2D of 600 channels and a 23x23 depthwise one (529 taps: two runs)
    rng = np.random.default_rng(43)
    for model, x in (
        conv_model(rng, (1, 2, 2, 600), 3, (1, 1), dtype="int16", gain=0.01),
        conv_model(rng, (1, 23, 23, 2), 0, (23, 23), dtype="int16", padding="VALID", depthwise=True, gain=0.1),
    ):
        jobs.append((model, [np.full_like(x[0], -32768)]))
        jobs.append((model, x))
    return jobs


def quick_16x8_jobs():
    """One of each 16x8 family and edge, for the ports' fast sets."""
    rng = np.random.default_rng(44)
    jobs = [
        conv_model(rng, (1, 5, 5, 3), 4, (3, 3), dtype="int16", stride=(2, 2), bias="int64", activation="RELU"),
        conv_model(rng, (1, 4, 4, 4), 6, (2, 2), dtype="int16", groups=2, bias="int32", in_zp=7, out_zp=-5),
        conv_model(rng, (1, 6, 5, 3), 0, (3, 3), dtype="int16", depthwise=True, multiplier=2, dilation=(2, 1)),
        fc16_model(rng, 2, 600, 5, per_channel=True, zero_points=(-300, -20000)),
        fc16_model(rng, 1, 20, 30, bias=None, bias_type=INT32, activation="RELU6"),
    ]
    edges = edge_16x8_jobs()
    # int64 wrap-around (two), shift 14, int32 wrap-around, 600 channels of -32768, 529 taps
    return jobs + [edges[i] for i in (0, 5, 48, 54, 57, 60)]


@pytest.mark.parametrize("loops", BACKENDS)
def test_conv_16x8_sweep(loops):
    compare(conv_16x8_jobs(), loops)


@pytest.mark.parametrize("loops", BACKENDS)
def test_depthwise_16x8_sweep(loops):
    compare(depthwise_16x8_jobs(), loops)


@pytest.mark.parametrize("loops", BACKENDS)
def test_fully_connected_16x8_sweep(loops):
    compare(fully_connected_16x8_jobs(), loops)


@pytest.mark.parametrize("loops", BACKENDS)
def test_64_bit_accumulation_edges(loops):
    compare(edge_16x8_jobs(), loops)


@pytest.mark.parametrize("loops", BACKENDS)
def test_depthwise_16x8_without_bias(loops):
    """TFLM's 16x8 depthwise kernel crashes without a bias; a zero bias must give the same."""
    seed, shape = 45, (1, 5, 4, 3)
    options = dict(dtype="int16", depthwise=True)
    zero_bias = conv_model(np.random.default_rng(seed), shape, 0, (3, 3), bias="zeros", **options)
    model, inputs = conv_model(np.random.default_rng(seed), shape, 0, (3, 3), bias=None, **options)
    expected = run_tflm(*zero_bias)
    got = run_ulite([(model, inputs, expected)], loops)[0]
    np.testing.assert_array_equal(got[0], expected[0])


@pytest.mark.slow
@pytest.mark.parametrize("port", ["wasm", "arm"])
def test_16x8_sweeps_on_32_bit_ports(port):
    """Every sweep and edge on the WebAssembly port (plain loops, 31-bit small ints) and on
    the ARM board (its default backend: int16 runs viper)."""
    jobs = conv_16x8_jobs() + depthwise_16x8_jobs() + fully_connected_16x8_jobs() + edge_16x8_jobs()
    assert compare(jobs, on=port) == len(jobs)


def test_16x8_on_board():
    """A representative of each family and edge on the ARM board, with its default loops."""
    jobs = quick_16x8_jobs()
    assert compare(jobs, on="arm") == len(jobs)


def refusal(model):
    got = run_ulite([(model, [], [])], "viper")[0]
    assert isinstance(got, str), "ulite accepted the model"
    return got


def test_16x8_refusals():
    """What TFLM computes with undefined C (shifts of 15 or more in the int64 path), reads
    as the wrong type (a depthwise int32 bias) or what the loops cannot align (a constant
    int16 input) is refused, naming the reason."""
    message = refusal(edge_fc(4, [[1] * 4], 1, [0], ratio=2.0**14)[0])
    assert "UnsupportedOpError" in message and "shift 15" in message
    rng = np.random.default_rng(46)
    mb = ModelBuilder()
    x = mb.input((1, 3, 3, 2), "int16", scale=0.01, zero_point=0)
    w = mb.const(rng.integers(-128, 128, (1, 3, 3, 2), dtype=np.int8), "int8", scale=0.01, zero_point=0)
    b = mb.const(np.zeros(2, np.int32), "int32", scale=1e-4, zero_point=0)
    y = mb.tensor((1, 3, 3, 2), "int16", scale=0.01, zero_point=0)
    mb.op("DEPTHWISE_CONV_2D", [x, w, b], [y], "DepthwiseConv2DOptions", padding="SAME", stride_h=1, stride_w=1, depth_multiplier=1)
    mb.output(y)
    message = refusal(mb.build())
    assert "DEPTHWISE_CONV_2D" in message and "int32 bias with int16 input" in message
    mb = ModelBuilder()
    x = mb.const(rand_int16(rng, (1, 4)), "int16", scale=0.01, zero_point=0)
    w = mb.const(rng.integers(-128, 128, (2, 4), dtype=np.int8), "int8", scale=0.01, zero_point=0)
    y = mb.output(mb.tensor((1, 2), "int16", scale=0.01, zero_point=0))
    mb.op("FULLY_CONNECTED", [x, w, None], [y], "FullyConnectedOptions")
    message = refusal(mb.build())
    assert "FULLY_CONNECTED" in message and "constant int16 input" in message
