"""Issue-2 kernels on generated models: ulite on MicroPython vs TFLM, bit for bit (int8),
and their int16 forms (SOFTMAX, QUANTIZE)."""

import numpy as np
import pytest
from conftest import PLAIN_ON_WASM
from oracle import compare, run_ulite
from test_conv import float_model

from host_tools.model_builder import ModelBuilder

BACKENDS = ["viper", "plain"]


def rand_int8(rng, shape):
    return rng.integers(-128, 128, size=shape, dtype=np.int8)


def softmax_model(rng, shape, beta, out_dtype):
    mb = ModelBuilder()
    x = mb.input(shape, "int8", scale=float(rng.uniform(0.01, 0.5)), zero_point=int(rng.integers(-128, 128)))
    if out_dtype == "int8":
        y = mb.tensor(shape, "int8", scale=1 / 256, zero_point=-128)
    else:
        y = mb.tensor(shape, "int16", scale=1 / 65536, zero_point=-32768)
    mb.op("SOFTMAX", [x], [y], "SoftmaxOptions", beta=beta)
    mb.output(y)
    return mb.build()


def softmax_int8_jobs():
    rng = np.random.default_rng(1)
    jobs = []
    for shape in [(1, 2), (1, 10), (3, 7), (2, 1, 33), (1, 1000)]:
        for beta in (1.0, 0.5, 2.7):
            for out_dtype in ("int8", "int16"):
                jobs.append((softmax_model(rng, shape, beta, out_dtype), [rand_int8(rng, shape)]))
    # all-equal rows and a single dominant logit: the sum's extremes
    jobs.append((softmax_model(rng, (2, 64), 1.0, "int8"), [np.full((2, 64), 127, np.int8)]))
    dominant = np.full((1, 50), -128, np.int8)
    dominant[0, 7] = 127
    jobs.append((softmax_model(rng, (1, 50), 1.0, "int8"), [dominant]))
    return jobs


@pytest.mark.parametrize("loops", PLAIN_ON_WASM)
def test_softmax_int8(loops):
    compare(softmax_int8_jobs(), loops)


def softmax_int16_model(shape, scale, beta, out_scale=2.0**-15):
    mb = ModelBuilder()
    x = mb.input(shape, "int16", scale=scale, zero_point=0)
    y = mb.tensor(shape, "int16", scale=out_scale, zero_point=0)
    mb.op("SOFTMAX", [x], [y], "SoftmaxOptions", beta=beta)
    mb.output(y)
    return mb.build()


def every_difference(step=1):
    """Rows (32767, 32767 - k) for k = 0..65535 (every `step`-th): every difference a row can
    hold, so at 10/65535 per unit every entry of TFLM's exp table and, through the row sums
    (which climb by at most a few units per k), of its reciprocal table is used."""
    k = np.arange(0, 65536, step)
    return np.stack([np.full(k.shape, 32767), 32767 - k], 1).astype(np.int16)


# (input scale, beta): the tables' own 10/65535 per unit, power-of-two scales, the largest
# rescale shift TFLM's int32 arithmetic allows (15: 4.0 * 6553.5 = 2**14.7), tiny ones
SOFTMAX_INT16_SCALES = [(10 / 65535, 1.0), (2.0**-12, 1.0), (1e-3, 2.0), (0.5, 0.3), (4.0, 1.0), (3e-5, 1.0), (2.0**-15, 7.0)]


def softmax_int16_jobs(step=1):
    rng = np.random.default_rng(4)
    rows = every_difference(step)
    jobs = [(softmax_int16_model(rows.shape, s, beta), [rows]) for s, beta in SOFTMAX_INT16_SCALES]
    for shape, (scale, beta) in zip([(3, 7), (2, 1, 33), (1, 1000), (4, 300), (1, 1)], SOFTMAX_INT16_SCALES[1:]):
        x = rng.integers(-32768, 32768, shape, dtype=np.int16)
        jobs.append((softmax_int16_model(shape, scale, beta), [x]))
    constant = np.full((2, 64), -32768, np.int16)
    dominant = np.full((1, 50), -32768, np.int16)
    dominant[0, 7] = 32767
    jobs += [(softmax_int16_model(x.shape, 2.0**-12, 1.0), [x]) for x in (constant, dominant)]
    # rows of values near their maximum: sums of exps from 2**18 to the deepest row's 2**31
    # - 2**16, where normalising the sum rounds (its low bits are not all zero)
    for shape in ((5, 9), (3, 100), (2, 1000), (1, 65536)):
        x = rng.integers(32767 - 200, 32768, shape, dtype=np.int16)
        jobs.append((softmax_int16_model(shape, 10 / 65535, 1.0), [x]))
    jobs.append((softmax_int16_model((1, 65536), 10 / 65535, 1.0), [np.full((1, 65536), 5, np.int16)]))
    # TFLM accepts an output scale within 0.1% of 2**-15 (and ignores it)
    jobs.append((softmax_int16_model((2, 5), 1e-3, 1.0, 2.0**-15 * 1.0009), [rng.integers(-32768, 32768, (2, 5), dtype=np.int16)]))
    return jobs


@pytest.mark.parametrize("loops", BACKENDS)
def test_softmax_int16(loops):
    compare(softmax_int16_jobs(1 if loops == "viper" else 7), loops)


def test_softmax_int16_refusals():
    x = np.zeros((1, 4), np.int16)
    cases = [
        (softmax_int16_model(x.shape, 8.0, 1.0), "overflow"),  # a rescale shift of 16
        (softmax_int16_model(x.shape, 1e-3, 1.0, 2.0**-15 * 1.001), "1/32768"),
    ]
    errors = run_ulite([(model, [x], [x]) for model, _ in cases])
    for (_, why), error in zip(cases, errors):
        assert isinstance(error, str) and "UnsupportedOpError" in error and why in error, error


def test_softmax_float():
    rng = np.random.default_rng(2)
    jobs = []
    for shape, beta in [((1, 5), 1.0), ((4, 12), 0.7)]:
        mb = ModelBuilder()
        x = mb.input(shape, "float32")
        y = mb.tensor(shape, "float32")
        mb.op("SOFTMAX", [x], [y], "SoftmaxOptions", beta=beta)
        mb.output(y)
        jobs.append((mb.build(), [rng.normal(0, 3, shape).astype(np.float32)]))
    compare(jobs)


def quantize_jobs():
    rng = np.random.default_rng(3)
    jobs = []
    for _ in range(8):
        shape = (1, int(rng.integers(1, 200)))
        # float32 -> int8 / int16
        for dtype in ("int8", "int16"):
            mb = ModelBuilder()
            x = mb.input(shape, "float32")
            zp = int(rng.integers(-128, 128)) if dtype == "int8" else 0
            y = mb.tensor(shape, dtype, scale=float(rng.uniform(0.001, 0.2)), zero_point=zp)
            mb.op("QUANTIZE", [x], [y])
            mb.output(y)
            values = rng.normal(0, 5, shape).astype(np.float32)
            values[0, 0] = 0.5 * mb.tensors[y].quantization.scale[0]  # a rounding tie
            jobs.append((mb.build(), [values]))
        # int8 -> int8 / int16 / int32 and int16 -> int8
        for src, dst in (("int8", "int8"), ("int8", "int16"), ("int8", "int32"), ("int16", "int8")):
            mb = ModelBuilder()
            x = mb.input(shape, src, scale=float(rng.uniform(0.01, 1)), zero_point=int(rng.integers(-128, 128)) if src == "int8" else 0)
            y = mb.tensor(shape, dst, scale=float(rng.uniform(0.01, 1)), zero_point=int(rng.integers(-128, 128)) if dst == "int8" else 0)
            mb.op("QUANTIZE", [x], [y])
            mb.output(y)
            info = np.iinfo(np.int8 if src == "int8" else np.int16)
            jobs.append((mb.build(), [rng.integers(info.min, info.max + 1, shape).astype(src)]))
        # int8 / int16 -> float32
        for src in ("int8", "int16"):
            mb = ModelBuilder()
            x = mb.input(shape, src, scale=float(rng.uniform(0.001, 1)), zero_point=int(rng.integers(-100, 100)) if src == "int8" else 0)
            y = mb.tensor(shape, "float32")
            mb.op("DEQUANTIZE", [x], [y])
            mb.output(y)
            info = np.iinfo(np.int8 if src == "int8" else np.int16)
            jobs.append((mb.build(), [rng.integers(info.min, info.max + 1, shape).astype(src)]))
    return jobs


@pytest.mark.parametrize("loops", PLAIN_ON_WASM)
def test_quantize_requantize_dequantize(loops):
    compare(quantize_jobs(), loops, rtol=0)


def quantize_model(shape, src, dst, in_q, out_q, name="QUANTIZE"):
    mb = ModelBuilder()
    x = mb.input(shape, src, **in_q)
    y = mb.tensor(shape, dst, **out_q)
    mb.op(name, [x], [y])
    mb.output(y)
    return mb.build()


def int_values(rng, dtype, shape):
    """Random values over the whole range of `dtype`, its ends first."""
    info = np.iinfo(dtype)
    values = rng.integers(info.min, info.max, shape, dtype=np.int64, endpoint=True)
    values.flat[:4] = [info.min, info.max, 0, -1]
    return values.astype(dtype)


def quantize_int16_jobs():
    """Every QUANTIZE and DEQUANTIZE pair with int16 or int32 on a side (TFLM's list):
    zero points at the ends of their types, scale ratios from tiny to the largest each
    pair's int32 arithmetic allows (below one for int32 inputs, which take no left shift)."""
    rng = np.random.default_rng(6)
    shape = (1, 700)
    jobs = []
    ratios = [2.0**-40, 1e-6, 0.37, 0.99, 1.0, 3.0, 2.0**14]
    pairs = [("int16", "int16"), ("int16", "int8"), ("int16", "int32"), ("int8", "int16"), ("int32", "int8"), ("int32", "int16")]
    for src, dst in pairs:
        for k, ratio in enumerate(ratios):
            if src == "int32" and ratio >= 1:  # QuantizeMultiplier(1.0) is 2**30 << 1
                ratio = 1 / (2 * ratio)
            zp_in = 0 if src == "int32" else int(rng.choice([np.iinfo(src).min, np.iinfo(src).max, 3]))
            zp_out = 0 if dst == "int32" else int(np.iinfo(dst).min if k % 2 else np.iinfo(dst).max)
            if src == "int32" and ratio >= 0.99:
                zp_out = 0  # x near 2**31 requantizes near 2**31: no room for a zero point
            if src != "int32" and ratio == 2.0**14 and dst != "int32":
                zp_in = 0
            in_q = dict(scale=0.01, zero_point=zp_in)
            out_q = dict(scale=0.01 / ratio, zero_point=zp_out)
            jobs.append((quantize_model(shape, src, dst, in_q, out_q), [int_values(rng, src, shape)]))
    for zp in (-32768, 32767, 0):
        q = dict(scale=float(rng.uniform(1e-4, 0.1)), zero_point=zp)
        values = rng.normal(0, 40 * q["scale"] * 32768, shape).astype(np.float32)
        jobs.append((quantize_model(shape, "float32", "int16", {}, q), [values]))
        jobs.append((quantize_model(shape, "int16", "float32", q, {}, "DEQUANTIZE"), [int_values(rng, np.int16, shape)]))
    return jobs


@pytest.mark.parametrize("loops", BACKENDS)
def test_quantize_int16_int32(loops):
    compare(quantize_int16_jobs(), loops, rtol=0)


def test_quantize_int32_refusals():
    """int32 inputs TFLM's int32 arithmetic would overflow on: a left shift, or a result
    plus the output zero point past 2**31."""
    x = np.zeros((1, 4), np.int32)
    cases = [
        quantize_model(x.shape, "int32", "int16", dict(scale=1.0, zero_point=0), dict(scale=0.5, zero_point=0)),
        quantize_model(x.shape, "int32", "int8", dict(scale=1.0, zero_point=0), dict(scale=1.0, zero_point=5)),
    ]
    for error in run_ulite([(model, [x], [x]) for model in cases]):
        assert isinstance(error, str) and "UnsupportedOpError" in error and "overflows int32" in error, error


def fc_model(rng, batches, depth, units, per_channel, bias, activation):
    mb = ModelBuilder()
    x = mb.input((batches, depth), "int8", scale=float(rng.uniform(0.01, 0.2)), zero_point=int(rng.integers(-128, 128)))
    w_scale = rng.uniform(0.001, 0.02, units) if per_channel else float(rng.uniform(0.001, 0.02))
    w = mb.const(rand_int8(rng, (units, depth)), "int8", scale=w_scale, zero_point=0, axis=0)
    b = None
    if bias:
        b = mb.const(rng.integers(-5000, 5000, units).astype(np.int32), "int32", scale=0.0001, zero_point=0)
    y = mb.tensor((batches, units), "int8", scale=float(rng.uniform(0.05, 0.5)), zero_point=int(rng.integers(-128, 128)))
    mb.op("FULLY_CONNECTED", [x, w, b] if bias else [x, w], [y], "FullyConnectedOptions", fused_activation_function=activation)
    mb.output(y)
    return mb.build(), [rand_int8(rng, (batches, depth))]


def fully_connected_int8_jobs():
    rng = np.random.default_rng(4)
    jobs = []
    for batches, depth, units in [(1, 1, 1), (1, 17, 70), (3, 64, 10), (2, 200, 130)]:
        for per_channel in (False, True):
            for activation in ("NONE", "RELU", "RELU6", "RELU_N1_TO_1"):
                jobs.append(fc_model(rng, batches, depth, units, per_channel, bool(rng.integers(2)), activation))
    return jobs


@pytest.mark.parametrize("loops", PLAIN_ON_WASM)
def test_fully_connected_int8(loops):
    compare(fully_connected_int8_jobs(), loops)


def fc_float_model(rng, batches, depth, units, bias, activation):
    mb = ModelBuilder()
    x = mb.input((batches, depth), "float32")
    w = mb.const(rng.normal(0, 1, (units, depth)).astype(np.float32), "float32")
    b = mb.const(rng.normal(0, 1, units).astype(np.float32), "float32") if bias else None
    y = mb.tensor((batches, units), "float32")
    mb.op("FULLY_CONNECTED", [x, w, b], [y], "FullyConnectedOptions", fused_activation_function=activation)
    mb.output(y)
    return mb.build(), [rng.normal(0, 1, (batches, depth)).astype(np.float32)]


@pytest.mark.parametrize("loops", BACKENDS)
def test_float32_sums_round_as_tflm(loops):
    """TFLM's float FULLY_CONNECTED, CONV_2D and DEPTHWISE_CONV_2D add float32 products in
    float32, one at a time: the loops' conv_float32 rounds every step the same way, so the
    outputs are TFLM's bit for bit (summing in the unix port's doubles differs)."""
    rng = np.random.default_rng(16)
    jobs = [
        fc_float_model(rng, 2, 300, 40, True, "NONE"),
        fc_float_model(rng, 1, 1000, 10, False, "RELU"),
        fc_float_model(rng, 3, 17, 5, True, "RELU6"),
        float_model(rng, (1, 5, 5, 16), 8, (3, 3), False, "NONE", "SAME", (1, 1), (1, 1)),
        float_model(rng, (2, 6, 5, 8), 8, (2, 3), False, "RELU_N1_TO_1", "VALID", (1, 2), (2, 1), groups=2),
        float_model(rng, (1, 7, 7, 8), 16, (3, 3), True, "NONE", "SAME", (2, 2), (1, 1)),
    ]
    compare(jobs, loops, rtol=0)


def add_int8_jobs():
    rng = np.random.default_rng(5)
    jobs = []
    shapes = [
        ((1, 4, 4, 3), (1, 4, 4, 3)),
        ((1, 4, 4, 3), (1, 1, 1, 3)),
        ((2, 1, 5), (1, 3, 1)),
        ((6,), (2, 3, 6)),
        ((1, 1), (4, 5)),
        ((3, 1, 2, 1, 4), (3, 2, 2, 5, 4)),
    ]
    for s1, s2 in shapes:
        out_shape = np.broadcast_shapes(s1, s2)
        for activation in ("NONE", "RELU6"):
            mb = ModelBuilder()
            qs = [dict(scale=float(rng.uniform(0.01, 0.3)), zero_point=int(rng.integers(-128, 128))) for _ in range(3)]
            a = mb.input(s1, "int8", **qs[0])
            b = mb.input(s2, "int8", **qs[1])
            y = mb.tensor(out_shape, "int8", **qs[2])
            mb.op("ADD", [a, b], [y], "AddOptions", fused_activation_function=activation)
            mb.output(y)
            jobs.append((mb.build(), [rand_int8(rng, s1), rand_int8(rng, s2)]))
    return jobs


@pytest.mark.parametrize("loops", PLAIN_ON_WASM)
def test_add_int8_broadcasting(loops):
    compare(add_int8_jobs(), loops)


def test_add_float_broadcasting():
    rng = np.random.default_rng(6)
    jobs = []
    for s1, s2 in [((2, 3), (2, 3)), ((2, 1, 4), (3, 1))]:
        mb = ModelBuilder()
        a = mb.input(s1, "float32")
        b = mb.input(s2, "float32")
        y = mb.tensor(np.broadcast_shapes(s1, s2), "float32")
        mb.op("ADD", [a, b], [y], "AddOptions", fused_activation_function="RELU")
        mb.output(y)
        jobs.append((mb.build(), [rng.normal(size=s1).astype(np.float32), rng.normal(size=s2).astype(np.float32)]))
    compare(jobs)


def extreme_int8_jobs():
    """FULLY_CONNECTED and ADD with extreme zero points, weights and biases: accumulators
    near +-2**30 and 2**31, every input byte through the ADD tables."""
    rng = np.random.default_rng(7)
    jobs = []
    for zp in (-128, 127):
        for w_value, x_value in ((-128, -128), (127, -128), (-128, 127)):
            mb = ModelBuilder()
            x = mb.input((2, 300), "int8", scale=0.5, zero_point=zp)
            # accumulators near +-2**30 and 2**31, multipliers near 2**-24 keep outputs in range
            w_scale = [2**-23, 2**-23, 1.1 * 2**-24, 2e-5]
            weights = np.full((4, 300), w_value, np.int8)
            w = mb.const(weights, "int8", scale=w_scale, zero_point=0, axis=0)
            bias = np.array([2**30, -(2**30), 2**31 - 2**26, 0], np.int32)
            b = mb.const(bias, "int32", scale=0.005, zero_point=0)
            y = mb.tensor((2, 4), "int8", scale=1.0, zero_point=zp // 4)
            mb.op("FULLY_CONNECTED", [x, w, b], [y], "FullyConnectedOptions")
            mb.output(y)
            inputs = np.full((2, 300), x_value, np.int8)
            inputs[1] = rand_int8(rng, 300)
            jobs.append((mb.build(), [inputs]))
        mb = ModelBuilder()
        a = mb.input((1, 256), "int8", scale=2.0, zero_point=zp)
        c = mb.input((1, 256), "int8", scale=0.001, zero_point=-zp - 1)
        y = mb.tensor((1, 256), "int8", scale=4.0, zero_point=zp // 2)
        mb.op("ADD", [a, c], [y], "AddOptions")
        mb.output(y)
        every_byte = np.arange(-128, 128, dtype=np.int8).reshape(1, 256)
        jobs.append((mb.build(), [every_byte, every_byte[:, ::-1].copy()]))
    return jobs


@pytest.mark.parametrize("loops", PLAIN_ON_WASM)
def test_extreme_int8(loops):
    compare(extreme_int8_jobs(), loops)
