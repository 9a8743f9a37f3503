"""The estimate's table of other instructions, measured on the ARM board:
`python -m host_tools.rp2040.calibrate` prints estimate.OTHER.

For each kind of op in estimate.UNITS, a generated model holds ops of that kind in several
sizes (each op on its own input, COPIES of each; see models() for the kinds measured one
op per model, or after a ballast op that sets the arena's peak). The board runs it with the thumb loops
and every assembler kernel stubbed out (board.py's "glue" loops) and reports each op's
instructions (interp.profile()): less the stubs' push and pop, they are the op's other
instructions, and a least-squares fit on the units estimate.other_units counts gives the
instructions per unit.

Cycles per instruction: one more invoke of the same model, traced (trace.py): the native
code (viper, ARMv6-M) priced exactly with the Cortex-M0+ table, the firmware's Thumb-2 C
as the closest ARMv6-M instructions, plus WIDE_EXTRA cycles per 32-bit Thumb-2 instruction
other than BL, which an ARMv6-M build of the firmware has to replace with two 16-bit ones.
"""

import sys
import tempfile
from pathlib import Path

import numpy as np

from ..model_builder import ModelBuilder
from . import board, estimate, layers, trace

COPIES = 3
MAX_OPS = 9  # and at 9 ops: each op's objects and tables take the board's heap too
TENSOR_BYTES = 40_000  # bound: as if every input and output were float32 (a board heap holds the model)
WIDE_EXTRA = 1
# kinds whose ops are measured one per model: the plan cuts a lone conv's scratch (with
# many filters over a small input) to one lane, as no other op's tables make room for it
ALONE = ("CONV_2D one lane", "TRANSPOSE_CONV scatter", "TRANSPOSE_CONV scatter 16x8")


def _fc(mb, rng, depth, units, batches):
    x = mb.input((batches, depth), "int8", scale=0.05, zero_point=3)
    y = mb.output(mb.tensor((batches, units), "int8", scale=0.1, zero_point=-2))
    w = mb.const(rng.integers(-128, 128, (units, depth)).astype(np.int8), "int8", scale=0.01, zero_point=0)
    b = mb.const(rng.integers(-500, 500, units).astype(np.int32), "int32", scale=0.0005, zero_point=0)
    mb.op("FULLY_CONNECTED", [x, w, b], [y], "FullyConnectedOptions")


def _window_op(mb, rng, name, options, x_shape, weights_shape, axis, stride, **extra):
    """A per-channel int8 CONV_2D or DEPTHWISE_CONV_2D with a fused ReLU, SAME padding."""
    _, h, w, _ = x_shape
    out_c = weights_shape[axis]
    x = mb.input(x_shape, "int8", scale=0.05, zero_point=3)
    y = mb.output(mb.tensor((1, -(-h // stride), -(-w // stride), out_c), "int8", scale=0.1, zero_point=-128))
    weights = rng.integers(-127, 128, weights_shape).astype(np.int8)
    wt = mb.const(weights, "int8", scale=[0.01] * out_c, zero_point=0, axis=axis)
    b = mb.const(rng.integers(-500, 500, out_c).astype(np.int32), "int32", scale=[0.0005] * out_c, zero_point=0)
    mb.op(
        name, [x, wt, b], [y], options, padding="SAME", stride_h=stride, stride_w=stride,
        fused_activation_function="RELU", **extra,
    )  # fmt: skip


def _conv(mb, rng, h, w, c, out_c, kernel, stride):
    kh, kw = kernel
    _window_op(mb, rng, "CONV_2D", "Conv2DOptions", (1, h, w, c), (out_c, kh, kw, c), 0, stride)


def _depthwise(mb, rng, h, w, c, k, stride, multiplier=1):
    shape = (1, k, k, c * multiplier)
    options = "DepthwiseConv2DOptions"
    _window_op(mb, rng, "DEPTHWISE_CONV_2D", options, (1, h, w, c), shape, 3, stride, depth_multiplier=multiplier)


def _transpose_conv(mb, rng, h, w, c, out_c, k, stride, dtype="int8"):
    """A per-channel TRANSPOSE_CONV with a fused ReLU, SAME padding (int8, or 16x8)."""
    bias_dtype, in_scale = ("int32", 0.05) if dtype == "int8" else ("int64", 0.0005)
    x = mb.input((1, h, w, c), dtype, scale=in_scale, zero_point=3 if dtype == "int8" else 0)
    out_shape = (1, h * stride, w * stride, out_c)
    y = mb.output(mb.tensor(out_shape, dtype, scale=0.1, zero_point=-128 if dtype == "int8" else 0))
    weights = rng.integers(-127, 128, (out_c, k, k, c)).astype(np.int8)
    wt = mb.const(weights, "int8", scale=[0.01] * out_c, zero_point=0, axis=0)
    b = mb.const(rng.integers(-500, 500, out_c), bias_dtype, scale=[in_scale * 0.01] * out_c, zero_point=0)
    shape = mb.const(np.array(out_shape, np.int32), "int32")
    mb.op(
        "TRANSPOSE_CONV", [shape, wt, x, b], [y], "TransposeConvOptions", padding="SAME",
        stride_h=stride, stride_w=stride, fused_activation_function="RELU",
    )  # fmt: skip


def _wide(mb, rng, name, x_shape, weights_shape, axis, stride=1, **extra):
    """A 16x8 CONV_2D, DEPTHWISE_CONV_2D or FULLY_CONNECTED with an int64 bias."""
    out_c = weights_shape[axis]
    x = mb.input(x_shape, "int16", scale=0.0005, zero_point=0)
    if name == "FULLY_CONNECTED":
        out_shape, options = (x_shape[0], out_c), {}
    else:
        h, w = (-(-n // stride) for n in x_shape[1:3])
        out_shape = (1, h, w, out_c)
        options = dict(padding="SAME", stride_h=stride, stride_w=stride, **extra)
    y = mb.output(mb.tensor(out_shape, "int16", scale=0.05, zero_point=0))
    wt = mb.const(rng.integers(-127, 128, weights_shape).astype(np.int8), "int8", scale=[0.01] * out_c, zero_point=0, axis=axis)
    b = mb.const(rng.integers(-5000, 5000, out_c), "int64", scale=[5e-6] * out_c, zero_point=0)
    options_type = {"CONV_2D": "Conv2DOptions", "DEPTHWISE_CONV_2D": "DepthwiseConv2DOptions"}
    mb.op(name, [x, wt, b], [y], options_type.get(name, "FullyConnectedOptions"), **options)


def _conv16(mb, rng, h, w, c, out_c, k, stride):
    _wide(mb, rng, "CONV_2D", (1, h, w, c), (out_c, k, k, c), 0, stride)


def _depthwise16(mb, rng, h, w, c, k, stride):
    _wide(mb, rng, "DEPTHWISE_CONV_2D", (1, h, w, c), (1, k, k, c), 3, stride, depth_multiplier=1)


def _fc16(mb, rng, depth, units, batches):
    _wide(mb, rng, "FULLY_CONNECTED", (batches, depth), (units, depth), 0)


def _add(mb, rng, shape, other_shape):
    x1 = mb.input(shape, "int8", scale=0.05, zero_point=3)
    x2 = mb.input(other_shape, "int8", scale=0.07, zero_point=-1)
    y = mb.output(mb.tensor(shape, "int8", scale=0.1, zero_point=-2))
    mb.op("ADD", [x1, x2], [y], "AddOptions")


def _quantize(mb, rng, size, dtype):
    x = mb.input((1, size), dtype, scale=0.0005 if dtype == "int16" else 0.05, zero_point=0 if dtype == "int16" else 3)
    y = mb.output(mb.tensor((1, size), "int8", scale=0.06, zero_point=-128))
    mb.op("QUANTIZE", [x], [y])


def _softmax(mb, rng, rows, depth):
    x = mb.input((rows, depth), "int8", scale=0.1, zero_point=3)
    y = mb.output(mb.tensor((rows, depth), "int8", scale=1 / 256, zero_point=-128))
    mb.op("SOFTMAX", [x], [y], "SoftmaxOptions", beta=1.0)


def _pool(mb, rng, h, w, c, filt, stride, padding):
    x = mb.input((1, h, w, c), "int8", scale=0.05, zero_point=3)
    o = [(n + s - 1) // s if padding == "SAME" else (n - f) // s + 1 for n, f, s in zip((h, w), filt, stride)]
    y = mb.output(mb.tensor((1, o[0], o[1], c), "int8", scale=0.05, zero_point=3))
    mb.op(
        "AVERAGE_POOL_2D", [x], [y], "Pool2DOptions", padding=padding,
        stride_h=stride[0], stride_w=stride[1], filter_height=filt[0], filter_width=filt[1],
    )  # fmt: skip


def _reshape(mb, rng, size):
    x = mb.input((1, size), "int8", scale=0.05, zero_point=3)
    y = mb.output(mb.tensor((size,), "int8", scale=0.05, zero_point=3))
    mb.op("RESHAPE", [x, mb.const(np.array([size], np.int32), "int32")], [y], "ReshapeOptions", new_shape=[size])


def _fc_float(mb, rng, depth, units):
    x = mb.input((1, depth), "float32")
    y = mb.output(mb.tensor((1, units), "float32"))
    w = mb.const(rng.normal(0, 0.3, (units, depth)).astype(np.float32), "float32")
    b = mb.const(rng.normal(0, 0.3, units).astype(np.float32), "float32")
    mb.op("FULLY_CONNECTED", [x, w, b], [y], "FullyConnectedOptions")


def _binary16(mb, rng, name, shape, other_shape):
    """An int16 two-input op; MAXIMUM and MINIMUM keep one quantization (TFLM compares raw
    values), MUL zero points 0 (as TFLM requires)."""
    compares = name in ("MAXIMUM", "MINIMUM")
    zero_point = 0 if name == "MUL" else 5
    scales = (2.0**-12,) * 3 if compares else (2.0**-12, 3e-4, 2.0**-10)
    x1 = mb.input(shape, "int16", scale=scales[0], zero_point=zero_point)
    x2 = mb.input(other_shape, "int16", scale=scales[1], zero_point=zero_point)
    y = mb.output(mb.tensor(shape, "int16", scale=scales[2], zero_point=zero_point))
    mb.op(name, [x1, x2], [y], "MaximumMinimumOptions" if compares else name.title() + "Options")


def _unary16(mb, rng, name, size, out_scale=2.0**-15, options=None):
    x = mb.input((1, size), "int16", scale=2.0**-11, zero_point=0)
    y = mb.output(mb.tensor((1, size), "int16", scale=out_scale, zero_point=0))
    mb.op(name, [x], [y], "LeakyReluOptions" if options else None, **(options or {}))


def _softmax16(mb, rng, rows, depth):
    x = mb.input((rows, depth), "int16", scale=2.0**-12, zero_point=0)
    y = mb.output(mb.tensor((rows, depth), "int16", scale=2.0**-15, zero_point=0))
    mb.op("SOFTMAX", [x], [y], "SoftmaxOptions", beta=1.0)


def _quantize16(mb, rng, src, dst, size):
    x = mb.input((1, size), src, scale=1e-3 if src != "int32" else 1e-6, zero_point=0)
    y = mb.output(mb.tensor((1, size), dst, scale=3e-3, zero_point=-3))
    mb.op("QUANTIZE", [x], [y])


def _svdf(mb, rng, batches, input_size, units, rank, memory, dtype="int8"):
    filters = units * rank
    if dtype == "float32":
        quant = state_quant = bias_quant = out_quant = {}
        time_dtype = bias_dtype = "float32"
    else:
        quant, state_quant = {"scale": 0.01, "zero_point": 0}, {"scale": 0.002, "zero_point": 0}
        bias_quant, out_quant = {"scale": 0.00002, "zero_point": 0}, {"scale": 0.1, "zero_point": -2}
        time_dtype, bias_dtype = "int16", "int32"
    x = mb.input((batches, input_size), dtype, **({} if dtype == "float32" else {"scale": 0.05, "zero_point": 3}))
    y = mb.output(mb.tensor((batches, units), dtype, **out_quant))
    wf = mb.const(rng.integers(-100, 100, (filters, input_size)).astype(dtype), dtype, **quant)
    wt = mb.const(rng.integers(-100, 100, (filters, memory)).astype(time_dtype), time_dtype, **quant)
    b = mb.const(rng.integers(-500, 500, units).astype(bias_dtype), bias_dtype, **bias_quant)
    state = mb.tensor((batches, memory * filters), time_dtype, variable=True, **state_quant)
    mb.op("SVDF", [x, wf, wt, b, state], [y], "SVDFOptions", rank=rank)


def _lstm(mb, rng, batches, steps, input_size, units, dtype="int8"):
    quantized = dtype == "int8"
    quant = {"scale": 0.01, "zero_point": 0} if quantized else {}
    x = mb.input((batches, steps, input_size), dtype, **({"scale": 0.05, "zero_point": 3} if quantized else {}))
    weights = [mb.const(rng.integers(-100, 100, (units, depth)).astype(dtype) / (1 if quantized else 100), dtype, **quant)
               for depth in (input_size,) * 4 + (units,) * 4]  # fmt: skip
    bias_dtype = "int32" if quantized else dtype
    biases = [mb.const(rng.integers(-500, 500, units).astype(bias_dtype), bias_dtype, **quant) for _ in range(4)]
    hidden = mb.tensor((batches, units), dtype, variable=True, **({"scale": 0.008, "zero_point": 0} if quantized else {}))
    cell_dtype = "int16" if quantized else dtype
    cell = mb.tensor((batches, units), cell_dtype, variable=True, **({"scale": 2.0**-12, "zero_point": 0} if quantized else {}))
    y = mb.output(mb.tensor((batches, steps, units), dtype, **({"scale": 0.008, "zero_point": 0} if quantized else {})))
    inputs = [x] + weights + [None] * 3 + biases + [None, None, hidden, cell] + [None] * 4
    mb.op("UNIDIRECTIONAL_SEQUENCE_LSTM", inputs, [y], "UnidirectionalSequenceLSTMOptions", fused_activation_function="TANH")


def _signal(mb, name, inputs, outputs, **options):
    mb.op("CUSTOM", inputs, [mb.output(y) for y in outputs], custom=name, **options)


def _window(mb, rng, size):
    x = mb.input((1, size), "int16")
    w = mb.const(rng.integers(0, 1 << 14, size).astype(np.int16), "int16")
    _signal(mb, "SignalWindow", [x, w], [mb.tensor((1, size), "int16")], shift=12)


def _auto_scale(mb, rng, size):
    x = mb.input((size,), "int16")
    _signal(mb, "SignalFftAutoScale", [x], [mb.tensor((size,), "int16"), mb.tensor((), "int32")])


def _rfft(mb, rng, length, fft_length):
    x = mb.input((length,), "int16")
    y = mb.tensor((fft_length + 2,), "int16")
    _signal(mb, "SignalRfft", [x], [y], T=7, fft_length=fft_length)


def _energy(mb, rng, bins):
    x = mb.input((2 * bins,), "int16")
    _signal(mb, "SignalEnergy", [x], [mb.tensor((bins,), "uint32")], start_index=0, end_index=bins)


def _filter_bank(mb, rng, size, channels):
    """Channels (and the one before) side by side over the energies, each weight once."""
    edges = np.linspace(0, size, channels + 2).astype(int)
    widths = np.diff(edges)
    table = [mb.const(v.astype(np.int16), "int16") for v in (edges[:-1], edges[:-1], widths)]
    weights = [mb.const(rng.integers(0, 1 << 12, size).astype(np.int16), "int16") for _ in "wu"]
    x = mb.input((size,), "uint32")
    y = mb.tensor((channels,), "uint64")
    _signal(mb, "SignalFilterBank", [x] + weights + table, [y], num_channels=channels)


def _square_root(mb, rng, size):
    x, bits = mb.input((size,), "uint64"), mb.input((), "int32")
    _signal(mb, "SignalFilterBankSquareRoot", [x, bits], [mb.tensor((size,), "uint32")])


def _spectral_subtraction(mb, rng, size):
    x = mb.input((size,), "uint32")
    y, noise = mb.tensor((size,), "uint32"), mb.tensor((size,), "uint32")
    _signal(
        mb, "SignalFilterBankSpectralSubtraction", [x], [y, noise], num_channels=size,
        smoothing=655, one_minus_smoothing=15729, alternate_smoothing=655,
        alternate_one_minus_smoothing=15729, smoothing_bits=10, min_signal_remaining=819,
        spectral_subtraction_bits=14, clamping=False,
    )  # fmt: skip


def _pcan(mb, rng, size):
    x, noise = mb.input((size,), "uint32"), mb.input((size,), "uint32")
    lut = mb.const(rng.integers(0, 1 << 15, 125).astype(np.int16), "int16")
    _signal(mb, "SignalPCAN", [x, noise, lut], [mb.tensor((size,), "uint32")], snr_shift=6)


def _log(mb, rng, size):
    x = mb.input((size,), "uint32")
    y = mb.tensor((size,), "int16")
    _signal(mb, "SignalFilterBankLog", [x], [y], input_correction_bits=3, output_scale=1600)


def _cast(mb, rng, size, source, target):
    x = mb.input((size,), source)
    mb.op("CAST", [x], [mb.output(mb.tensor((size,), target))])


def _strided_slice(mb, rng, size, begin, end):
    x = mb.input((size,), "int32")
    params = [mb.const(np.array([v], np.int32), "int32") for v in (begin, end, 1)]
    y = mb.output(mb.tensor((end - begin,), "int32"))
    mb.op("STRIDED_SLICE", [x] + params, [y], "StridedSliceOptions")


def _concatenation(mb, rng, sizes):
    xs = [mb.input((n,), "int32") for n in sizes]
    y = mb.output(mb.tensor((sum(sizes),), "int32"))
    mb.op("CONCATENATION", xs, [y], "ConcatenationOptions", axis=0)


# Each kind in several sizes: more sizes than the fit has coefficients, and shapes like
# the corpus's (channel chunks, tap chunks, short last blocks, windows clipped by padding,
# tall kernels like kws_ref_model's first convolution; CONV_2D's tall ones placed where
# they share a model with others: a fast test boots the board once per model).
KINDS = {
    "FULLY_CONNECTED": [(_fc, (8, 16, 1)), (_fc, (64, 64, 1)), (_fc, (16, 640, 1)), (_fc, (32, 128, 4))],
    "CONV_2D": [
        (_conv, (8, 8, 8, 8, (1, 1), 1)), (_conv, (36, 8, 1, 8, (12, 3), 2)), (_conv, (16, 16, 16, 16, (3, 3), 1)),
        (_conv, (12, 12, 32, 64, (1, 1), 1)), (_conv, (6, 6, 128, 64, (3, 3), 1)), (_conv, (3, 3, 256, 2, (1, 1), 1)),
        (_conv, (16, 5, 2, 8, (7, 2), 1)), (_conv, (24, 24, 3, 8, (3, 3), 2)),
    ],
    "DEPTHWISE_CONV_2D": [
        (_depthwise, (16, 16, 8, 3, 1)), (_depthwise, (12, 12, 64, 3, 1)), (_depthwise, (6, 6, 256, 3, 2)),
        (_depthwise, (24, 24, 16, 3, 2)), (_depthwise, (3, 3, 512, 3, 1)), (_depthwise, (48, 48, 1, 3, 2, 8)),
    ],
    "CONV_2D one lane": [
        (_conv, (2, 2, 64, 200, (1, 1), 1)), (_conv, (3, 3, 32, 160, (3, 3), 1)), (_conv, (4, 4, 16, 240, (3, 3), 2)),
        (_conv, (1, 1, 300, 150, (1, 1), 1)), (_conv, (2, 3, 128, 180, (2, 2), 1)), (_conv, (6, 6, 4, 200, (5, 5), 1)),
        (_transpose_conv, (1, 1, 256, 200, 2, 2)), (_transpose_conv, (1, 1, 384, 160, 2, 2)),
        (_transpose_conv, (2, 2, 300, 160, 3, 1)), (_conv, (2, 2, 32, 250, (1, 1), 1)), (_conv, (4, 4, 8, 250, (3, 3), 1)),
    ],
    "ADD": [(_add, ((1, 64), (1, 64))), (_add, ((1, 1000), (1, 1000))), (_add, ((1, 8, 8, 64), (1, 8, 8, 64)))],
    "QUANTIZE": [(_quantize, (96, "int16")), (_quantize, (1000, "int16")), (_quantize, (64, "int8")), (_quantize, (300, "int8"))],
    "SOFTMAX": [(_softmax, (1, 2)), (_softmax, (1, 12)), (_softmax, (4, 10)), (_softmax, (2, 3))],
    "AVERAGE_POOL_2D": [
        (_pool, (3, 3, 64, (3, 3), (1, 1), "VALID")), (_pool, (25, 5, 16, (25, 5), (1, 1), "VALID")),
        (_pool, (8, 8, 8, (2, 2), (2, 2), "VALID")), (_pool, (6, 6, 16, (3, 3), (1, 1), "SAME")),
        (_pool, (8, 8, 64, (8, 8), (1, 1), "VALID")),
    ],
    "RESHAPE": [(_reshape, (64,)), (_reshape, (2000,)), (_reshape, (8000,))],
    "FULLY_CONNECTED float32": [(_fc_float, (1, 16)), (_fc_float, (16, 16)), (_fc_float, (16, 1)), (_fc_float, (8, 8))],
    "ADD int16": [(_binary16, (name, (1, n), (1, n))) for n in (64, 800, 2000) for name in ("ADD", "SUB")],
    "MUL int16": [(_binary16, (name, (1, n), (1, n))) for n in (64, 800, 2000) for name in ("MUL", "MAXIMUM", "MINIMUM")],
    "LEAKY_RELU int16": [
        (_unary16, (name, n, 0.01, options)) for n in (64, 1000, 3000)
        for name, options in (("LEAKY_RELU", {"alpha": 0.2}), ("RELU", None))
    ],
    "LOGISTIC int16": [(_unary16, (name, n)) for n in (64, 1000, 3000) for name in ("LOGISTIC", "TANH")],
    "SOFTMAX int16": [(_softmax16, (1, 2)), (_softmax16, (1, 120)), (_softmax16, (6, 10)), (_softmax16, (20, 3))],
    "QUANTIZE int16": [(_quantize16, (src, "int16", n)) for n in (64, 1000, 3000) for src in ("int8", "int32")],
    "SVDF": [
        (_svdf, (1, 16, 16, 1, 8)), (_svdf, (1, 96, 64, 1, 8)), (_svdf, (1, 32, 32, 1, 32)),
        (_svdf, (2, 16, 8, 2, 4)), (_svdf, (1, 8, 128, 1, 2)),
    ],
    "SVDF float32": [
        (_svdf, (1, 8, 8, 1, 4, "float32")), (_svdf, (1, 24, 16, 1, 4, "float32")), (_svdf, (1, 8, 8, 1, 16, "float32")),
        (_svdf, (2, 4, 4, 2, 2, "float32")), (_svdf, (1, 4, 32, 1, 2, "float32")),
    ],
    "UNIDIRECTIONAL_SEQUENCE_LSTM": [
        (_lstm, (1, 4, 8, 8)), (_lstm, (1, 12, 28, 20)), (_lstm, (2, 8, 4, 16)), (_lstm, (1, 16, 32, 4)),
        (_lstm, (3, 2, 16, 12)),
    ],
    "UNIDIRECTIONAL_SEQUENCE_LSTM float32": [
        (_lstm, (1, 2, 4, 4, "float32")), (_lstm, (1, 3, 12, 8, "float32")), (_lstm, (2, 2, 2, 8, "float32")),
        (_lstm, (1, 6, 8, 2, "float32")), (_lstm, (3, 1, 8, 6, "float32")),
    ],
    "ADD broadcast": [(_add, ((1, 64), (1, 1))), (_add, ((1, 16, 16, 8), (1, 1, 1, 8))), (_add, ((4, 200), (1, 200)))],
    "TRANSPOSE_CONV": [
        (_transpose_conv, (4, 4, 8, 8, 3, 2)), (_transpose_conv, (8, 8, 16, 8, 3, 1)), (_transpose_conv, (6, 6, 32, 16, 4, 2)),
        (_transpose_conv, (3, 3, 8, 4, 3, 3)), (_transpose_conv, (12, 12, 4, 4, 2, 2)),
        (_transpose_conv, (4, 4, 8, 8, 3, 1)), (_transpose_conv, (8, 8, 4, 8, 2, 2)), (_transpose_conv, (3, 3, 16, 8, 3, 3)),
    ],
    "CONV_2D 16x8": [
        (_conv16, (8, 8, 8, 8, 3, 1)), (_conv16, (12, 12, 4, 16, 1, 1)), (_conv16, (6, 6, 32, 8, 3, 2)),
        (_conv16, (10, 10, 1, 8, 5, 1)), (_conv16, (4, 4, 64, 4, 3, 1)), (_conv16, (16, 16, 2, 2, 3, 1)),
        (_conv16, (5, 5, 16, 32, 1, 1)), (_conv16, (7, 7, 3, 12, 3, 1)), (_conv16, (6, 6, 128, 4, 1, 1)),
    ],
    "DEPTHWISE_CONV_2D 16x8": [
        (_depthwise16, (8, 8, 8, 3, 1)), (_depthwise16, (12, 12, 32, 3, 2)), (_depthwise16, (6, 6, 64, 5, 1)),
        (_depthwise16, (16, 16, 4, 3, 1)), (_depthwise16, (10, 10, 1, 3, 1)), (_depthwise16, (4, 4, 128, 3, 1)),
        (_depthwise16, (20, 20, 2, 5, 2)), (_depthwise16, (3, 3, 256, 3, 2)),
    ],
    "FULLY_CONNECTED 16x8": [
        (_fc16, (8, 16, 1)), (_fc16, (64, 64, 1)), (_fc16, (16, 640, 1)), (_fc16, (600, 10, 2)),
        (_fc16, (300, 3, 4)), (_fc16, (1000, 1, 1)),
    ],
    "TRANSPOSE_CONV 16x8": [
        (_transpose_conv, (4, 4, 8, 8, 3, 2, "int16")), (_transpose_conv, (6, 6, 8, 8, 3, 1, "int16")),
        (_transpose_conv, (5, 5, 16, 4, 4, 2, "int16")), (_transpose_conv, (3, 3, 4, 4, 3, 3, "int16")),
        (_transpose_conv, (8, 8, 2, 2, 2, 2, "int16")), (_transpose_conv, (4, 4, 16, 2, 3, 2, "int16")),
        (_transpose_conv, (6, 6, 1, 8, 2, 1, "int16")), (_transpose_conv, (2, 2, 8, 8, 5, 3, "int16")),
        (_transpose_conv, (5, 5, 4, 8, 3, 2, "int16")), (_transpose_conv, (3, 3, 16, 16, 1, 2, "int16")),
    ],
    # deep inputs to few filters: alone in a model, the plan cuts their scratch to TFLM's
    "TRANSPOSE_CONV scatter": [
        (_transpose_conv, (2, 2, 300, 2, 3, 2)), (_transpose_conv, (3, 3, 200, 4, 3, 2)),
        (_transpose_conv, (4, 4, 128, 2, 2, 2)), (_transpose_conv, (3, 2, 256, 3, 2, 2)),
        (_transpose_conv, (3, 3, 96, 1, 4, 3)), (_transpose_conv, (5, 5, 64, 2, 3, 2)),
        (_transpose_conv, (2, 2, 600, 6, 2, 2)),
    ],
    "TRANSPOSE_CONV scatter 16x8": [
        (_transpose_conv, (2, 2, 300, 2, 3, 2, "int16")), (_transpose_conv, (3, 3, 200, 4, 3, 2, "int16")),
        (_transpose_conv, (4, 4, 128, 2, 2, 2, "int16")), (_transpose_conv, (2, 3, 400, 3, 3, 1, "int16")),
        (_transpose_conv, (3, 3, 96, 1, 4, 3, "int16")), (_transpose_conv, (5, 5, 64, 2, 3, 2, "int16")),
        (_transpose_conv, (2, 2, 600, 6, 2, 2, "int16")),
    ],
    "SignalWindow": [(_window, (n,)) for n in (32, 160, 480, 1000)],
    "SignalFftAutoScale": [(_auto_scale, (n,)) for n in (32, 160, 480, 1000)],
    "SignalRfft": [(_rfft, (n, fft)) for n, fft in ((32, 32), (64, 64), (100, 128), (256, 256), (480, 512), (1000, 1024))],
    "SignalEnergy": [(_energy, (n,)) for n in (16, 65, 257, 400)],
    "SignalFilterBank": [(_filter_bank, (size, channels)) for size, channels in ((64, 8), (128, 20), (257, 40), (300, 10))],
    "SignalFilterBankSquareRoot": [(_square_root, (n,)) for n in (8, 40, 128, 300)],
    "SignalFilterBankSpectralSubtraction": [(_spectral_subtraction, (n,)) for n in (8, 40, 128, 300)],
    "SignalPCAN": [(_pcan, (n,)) for n in (8, 40, 128, 300)],
    "SignalFilterBankLog": [(_log, (n,)) for n in (8, 40, 128, 300)],
    "CAST": [
        (_cast, (n, source, target)) for n in (40, 257, 1000)
        for source, target in (("uint32", "int32"), ("int16", "int32"), ("int32", "int8"))
    ],
    "STRIDED_SLICE": [(_strided_slice, params) for params in ((40, 2, 38), (64, 0, 32), (257, 5, 241), (1000, 100, 900))],
    "CONCATENATION": [(_concatenation, (sizes,)) for sizes in ((1, 60, 3), (10, 10, 10), (5, 236, 16), (100, 300, 100))],
}  # fmt: skip


# The first op of each model of these kinds: a large input to a small output, so that
# the arena's peak is there and the other ops' scratch is never cut (to fit the least
# TFLM's arena can be: ulite's tables take more per channel than TFLM's), and the ops
# run as they do in real models
BALLAST = {
    "CONV_2D": (_conv, (64, 64, 8, 1, (1, 1), 1)),
    "TRANSPOSE_CONV": (_transpose_conv, (64, 64, 8, 1, 1, 1)),
    "TRANSPOSE_CONV 16x8": (_transpose_conv, (48, 48, 8, 1, 1, 1, "int16")),
    "DEPTHWISE_CONV_2D 16x8": (_depthwise16, (32, 32, 8, 1, 1)),
}


def models(kind):
    """The calibration models of one kind: each of its ops COPIES times, on its own input;
    a new model once the inputs and outputs (all live at once) pass TENSOR_BYTES or the
    ops MAX_OPS. ALONE kinds: each op in a model of its own. BALLAST kinds: each model
    starts with that op (its tensors not counted)."""
    rng = np.random.default_rng(0)
    if kind in ALONE:
        built = []
        for build, params in KINDS[kind]:
            mb = ModelBuilder()
            build(mb, rng, *params)
            built.append(mb.build())
        return built
    built = []
    mb, ballast = _started(kind, rng)
    for build, params in KINDS[kind]:
        if len(mb.operators) > (1 if ballast else 0) and (
            _tensor_bytes(mb, ballast) > TENSOR_BYTES or len(mb.operators) >= MAX_OPS
        ):
            built.append(mb.build())
            mb, ballast = _started(kind, rng)
        for _ in range(COPIES):
            build(mb, rng, *params)
    return built + [mb.build()]


def _started(kind, rng):
    """(a new model of `kind`, with its BALLAST op if it has one; that op's input and
    output)."""
    mb = ModelBuilder()
    if kind not in BALLAST:
        return mb, ()
    build, params = BALLAST[kind]
    build(mb, rng, *params)
    return mb, (mb.inputs[0], mb.outputs[0])


def _tensor_bytes(mb, ballast=()):
    return sum(4 * int(np.prod(mb.tensors[i].shape)) for i in mb.inputs + mb.outputs if i not in ballast)


def fit(kind, runs):
    """Instructions per unit of `kind`: least squares of the ops' other instructions on
    their units, over `runs` (see run)."""
    amounts, values = [], []
    skip = 1 if kind in BALLAST else 0  # (a ballast op sits at the peak: its scratch is cut)
    ops = [op for model_bytes, counted, _ in runs for op in list(zip(layers.read(model_bytes), counted["ops"]))[skip:]]
    for layer, (_, instructions) in ops:
        calls = estimate.plan(layer)
        op_kind, op_amounts = estimate.other_units(layer, calls)
        if op_kind != kind:
            raise ValueError("calibration model for %s has a %s op" % (kind, op_kind))
        amounts.append(op_amounts)
        values.append(instructions - board.STUB_INSTRUCTIONS * sum(n for _, n in calls or []))
    coefficients = np.linalg.lstsq(np.array(amounts, float), np.array(values, float), rcond=None)[0]
    return tuple(round(float(c), 1) for c in coefficients)


def fit_invoke(runs):
    """Instructions of an invoke beyond its ops' figures: the median over `runs` (it does
    not grow with the ops; the median leaves out models whose float ops run the garbage
    collector at other moments in the invoke than in interp.profile())."""
    return (round(float(np.median([counted["invoke"] - sum(n for _, n in counted["ops"]) for _, counted, _ in runs])), 1),)


def other_cpi(runs):
    """Cortex-M0+ cycles per instruction of the firmware and native regions of the traces
    of `runs`."""
    parts = [regions[name] for _, _, regions in runs for name in ("firmware", "native") if name in regions]
    cycles = sum(r.cycles for r in parts) + WIDE_EXTRA * sum(r.wide for r in parts)
    return cycles / sum(r.instructions for r in parts)


def run(kind):
    """[(model bytes, board.measure's result with the "glue" loops, trace regions of one
    more invoke)] for the calibration models of `kind`."""
    runs = []
    for data in models(kind):
        with tempfile.TemporaryDirectory(prefix="ulite-calibrate-") as tmp:
            path = Path(tmp) / "calibration.tflite"
            path.write_bytes(data)
            tracer = trace.Tracer(tmp)
            with board.session(path, tracer.qemu_options) as (link, name):
                counted = board.measure(link, name, "glue")
                tracer.invoke(link)
            runs.append((data, counted, tracer.regions()))
    return runs


def calibrate(kinds=tuple(KINDS)):
    """{kind: estimate.Cost} measured on the board for `kinds`, and "invoke" from all
    their models."""
    runs = {kind: run(kind) for kind in kinds}
    table = {kind: estimate.Cost(fit(kind, r), round(other_cpi(r), 3)) for kind, r in runs.items()}
    everything = [one for r in runs.values() for one in r]
    table["invoke"] = estimate.Cost(fit_invoke(everything), round(other_cpi(everything), 3))
    return table


def main():
    table = calibrate()
    print("OTHER = {")
    for kind in ["invoke"] + list(KINDS):
        print('    "%s": %r,  # per %s' % (kind, table[kind], ", ".join(estimate.UNITS[kind])))
    print("}")


if __name__ == "__main__":
    sys.exit(main())
