"""Random graphs for the fuzzer: small plausible chains of every kernel ulite has, then broken.

random_graph(rng) picks a chain of 1-4 ops among MAKERS (one maker per builtin operator in
ulite's resolver; tests/test_fuzz.py checks none is missing), with random shapes, dtypes,
quantization and options, and then, in most graphs, makes 1-3 nonsensical edits.
"""

import math

import numpy as np

from host_tools.model_builder import ModelBuilder, window_out

ACTIVATIONS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")
INT8_FLOAT = ("int8", "float32")
QUANTIZED_FLOAT = ("int8", "float32", "int16")  # int16: 16x8 for the weighted ops (int8 weights)
ANY_DTYPE = ("int8", "float32", "int16", "int32")


def _quant(rng, dtype):
    if dtype == "float32":
        return {}
    zp = {
        "int8": rng.choice((0, -128, 5, 127)),
        "uint8": rng.choice((0, 128, 255)),
        "int16": 0,
    }.get(dtype, 0)
    return {"scale": rng.choice((0.02, 0.05, 0.1, 0.5, 1 / 256)), "zero_point": zp}


def _same_quant(mb, x):
    """The quantization of tensor x, for an output that must keep it."""
    q = mb.tensors[x].quantization
    return {"scale": q.scale[0], "zero_point": q.zeroPoint[0]} if q else {}


def _input_scale(mb, x):
    """Tensor x's scale; 1.0 for an unquantized one (a Signal op's int16 output read by a
    16x8 op: the kernel refuses that, as the fuzzer wants)."""
    q = mb.tensors[x].quantization
    return q.scale[0] if q and q.scale else 1.0


def _const(mb, rng, shape, dtype, **quant):
    size = math.prod(shape)
    if dtype == "float32":
        data = np.array([rng.uniform(-2, 2) for _ in range(size)], dtype=np.float32)
    elif dtype == "int32":
        data = np.array([rng.randrange(-5000, 5000) for _ in range(size)], dtype=np.int32)
    elif dtype == "int16":
        data = np.array([rng.randrange(-32768, 32768) for _ in range(size)], dtype=np.int16)
    elif dtype == "int64":
        data = np.array([rng.randrange(-(1 << 40), 1 << 40) for _ in range(size)], dtype=np.int64)
    else:
        data = np.array([rng.randrange(-127, 128) for _ in range(size)], dtype=np.int8)
    return mb.const(data.reshape(shape), dtype, **quant)


def _reshape_to(mb, rng, x, dtype, new_shape):
    y = mb.tensor(new_shape, dtype, **_same_quant(mb, x))
    mb.op("RESHAPE", [x, _const(mb, rng, (len(new_shape),), "int32")], [y], "ReshapeOptions")
    return y


def _nhwc(mb, rng, x, shape, dtype):
    """x as a 4-D (batch, height, width, channels) tensor, reshaped when it is not one."""
    if len(shape) == 4:
        return x, shape
    channels = shape[-1] if shape else 1
    pixels = math.prod(shape) // max(channels, 1)
    divisors = [h for h in range(1, pixels + 1) if pixels % h == 0]
    square = min(divisors, key=lambda h: abs(h * h - pixels))  # windows of many values
    height = square if rng.random() < 0.7 else rng.choice(divisors)
    new_shape = (1, height, pixels // height, channels)
    return _reshape_to(mb, rng, x, dtype, new_shape), new_shape


# --- one maker per kernel: (mb, rng, op name, x, shape, dtype) -> (y, shape, dtype) -------


def _bias_dtype(rng, dtype):
    """The bias type of a weighted op on `dtype` activations (16x8: int64, or int32)."""
    if dtype == "int16":
        return rng.choice(("int64", "int64", "int32"))
    return "int32" if dtype == "int8" else "float32"


def _fully_connected(mb, rng, name, x, shape, dtype):
    size = math.prod(shape)
    depth, units = shape[-1], rng.randint(1, 8)
    per_channel = dtype != "float32" and rng.random() < 0.5
    wq = (
        {}
        if dtype == "float32"
        else {
            "scale": [0.01 * (u + 1) for u in range(units)] if per_channel else 0.02,
            "zero_point": 0,
        }
    )
    w = _const(mb, rng, (units, depth), "float32" if dtype == "float32" else "int8", **wq)
    inputs = [x, w]
    if rng.random() < 0.7:
        inputs.append(
            _const(
                mb,
                rng,
                (units,),
                _bias_dtype(rng, dtype),
                **({} if dtype == "float32" else {"scale": 0.001, "zero_point": 0}),
            )
        )
    out_shape = (size // depth if depth else 0, units)  # depth 0: an empty Signal output
    y = mb.tensor(out_shape, dtype, **_quant(rng, dtype))
    mb.op(
        name,
        inputs,
        [y],
        "FullyConnectedOptions",
        fused_activation_function=rng.choice(("NONE", "RELU", "RELU6")),
    )
    return y, out_shape, dtype


BINARY_OPTIONS = {"ADD": "AddOptions", "SUB": "SubOptions", "MUL": "MulOptions"}


def _binary(mb, rng, name, x, shape, dtype):
    """ADD, SUB, MUL, MAXIMUM, MINIMUM with a broadcast constant operand."""
    other_shape = tuple(d if rng.random() < 0.6 else 1 for d in shape)[
        rng.randrange(len(shape) + 1) :
    ]
    if name in BINARY_OPTIONS:
        other_q, out_q = _quant(rng, dtype), _quant(rng, dtype)
    else:  # MAXIMUM / MINIMUM keep the quantization
        other_q = out_q = _same_quant(mb, x)
    other = _const(mb, rng, other_shape, dtype, **other_q)
    y = mb.tensor(shape, dtype, **out_q)
    pair = [x, other] if rng.random() < 0.5 else [other, x]
    if name in BINARY_OPTIONS:
        activation = rng.choice(ACTIVATIONS)
        mb.op(name, pair, [y], BINARY_OPTIONS[name], fused_activation_function=activation)
    else:
        mb.op(name, pair, [y], "MaximumMinimumOptions")
    return y, shape, dtype


def _activation(mb, rng, name, x, shape, dtype):
    """RELU, RELU6, LEAKY_RELU, LOGISTIC, TANH, HARD_SWISH."""
    if dtype == "int16" and name in ("LOGISTIC", "TANH"):
        quant = {"scale": 2.0**-15, "zero_point": 0}
    else:
        quant = {
            "LOGISTIC": {"scale": 1 / 256, "zero_point": -128},
            "TANH": {"scale": 1 / 128, "zero_point": 0},
        }.get(name, _quant(rng, dtype))
    y = mb.tensor(shape, dtype, **({} if dtype == "float32" else quant))
    if name == "LEAKY_RELU":
        alpha = rng.choice((0.1, 0.01, -0.5, 1.5))
        mb.op(name, [x], [y], "LeakyReluOptions", alpha=alpha)
    else:
        mb.op(name, [x], [y])
    return y, shape, dtype


def _softmax(mb, rng, name, x, shape, dtype):
    out_dtype = dtype if dtype != "int8" or rng.random() < 0.7 else "int16"
    quant = {
        "int8": {"scale": 1 / 256, "zero_point": -128},
        "int16": {"scale": 1 / 65536, "zero_point": -32768}
        if dtype == "int8"
        else {"scale": 2.0**-15, "zero_point": 0},
    }.get(out_dtype, {})
    y = mb.tensor(shape, out_dtype, **quant)
    mb.op(name, [x], [y], "SoftmaxOptions", beta=rng.choice((1.0, 0.5, 2.0)))
    return y, shape, out_dtype


def _quantize(mb, rng, name, x, shape, dtype):
    out_dtype = rng.choice(("int8", "int16") if dtype in ("float32", "int32") else ("int8", "int16", "int32"))
    y = mb.tensor(shape, out_dtype, **_quant(rng, out_dtype))
    mb.op(name, [x], [y])
    return y, shape, out_dtype


def _dequantize(mb, rng, name, x, shape, dtype):
    y = mb.tensor(shape, "float32")
    mb.op(name, [x], [y])
    return y, shape, "float32"


def _reshape(mb, rng, name, x, shape, dtype):
    new_shape = (math.prod(shape),) if rng.random() < 0.5 else tuple(reversed(shape))
    return _reshape_to(mb, rng, x, dtype, new_shape), new_shape, dtype


def _conv(mb, rng, name, x, shape, dtype):
    """CONV_2D and DEPTHWISE_CONV_2D: random kernel, strides, dilation, padding, bias."""
    x, (batches, h, w, c) = _nhwc(mb, rng, x, shape, dtype)
    kh, kw = rng.randint(1, 3), rng.randint(1, 3)
    stride = (rng.choice((1, 1, 2)), rng.choice((1, 1, 2)))
    dilation = (rng.choice((1, 1, 2)), rng.choice((1, 1, 2)))
    padding = rng.choice(("SAME", "VALID"))
    if h < (kh - 1) * dilation[0] + 1 or w < (kw - 1) * dilation[1] + 1:
        padding = "SAME"
    depthwise = name == "DEPTHWISE_CONV_2D"
    multiplier = rng.choice((1, 1, 2))
    out_c = c * multiplier if depthwise else rng.randint(1, 8)
    w_shape = (1, kh, kw, out_c) if depthwise else (out_c, kh, kw, c)
    bias = rng.random() < 0.7
    if dtype != "float32":
        in_scale = _input_scale(mb, x)
        per_channel = rng.random() < 0.5
        w_scales = [rng.choice((0.005, 0.01, 0.02)) for _ in range(out_c if per_channel else 1)]
        axis = 3 if depthwise else 0
        weights = _const(mb, rng, w_shape, "int8", scale=w_scales, zero_point=0, axis=axis)
        b_scales = [in_scale * s for s in w_scales] * (1 if per_channel else out_c)
        b_dtype = "int64" if depthwise and dtype == "int16" else _bias_dtype(rng, dtype)
        b = _const(mb, rng, (out_c,), b_dtype, scale=b_scales, zero_point=0) if bias else None
    else:
        weights = _const(mb, rng, w_shape, "float32")
        b = _const(mb, rng, (out_c,), "float32") if bias else None
    out_shape = (
        batches,
        window_out(h, kh, stride[0], dilation[0], padding),
        window_out(w, kw, stride[1], dilation[1], padding),
        out_c,
    )
    y = mb.tensor(out_shape, dtype, **_quant(rng, dtype))
    options = dict(
        padding=padding,
        stride_h=stride[0],
        stride_w=stride[1],
        dilation_h_factor=dilation[0],
        dilation_w_factor=dilation[1],
        fused_activation_function=rng.choice(ACTIVATIONS),
    )
    if depthwise:
        options.update(depth_multiplier=multiplier)
        mb.op(name, [x, weights, b], [y], "DepthwiseConv2DOptions", **options)
    else:
        mb.op(name, [x, weights, b], [y], "Conv2DOptions", **options)
    return y, out_shape, dtype


def _transpose_conv(mb, rng, name, x, shape, dtype):
    """TRANSPOSE_CONV: random kernel, strides, padding, bias; the natural output size."""
    x, (batches, h, w, c) = _nhwc(mb, rng, x, shape, dtype)
    kh, kw = rng.randint(1, 3), rng.randint(1, 3)
    stride = (rng.choice((1, 2, 2, 3)), rng.choice((1, 2, 2, 3)))
    padding = rng.choice(("SAME", "VALID"))
    out_c = rng.randint(1, 6)
    out_shape = (
        batches,
        h * stride[0] if padding == "SAME" else (h - 1) * stride[0] + kh,
        w * stride[1] if padding == "SAME" else (w - 1) * stride[1] + kw,
        out_c,
    )
    bias = rng.random() < 0.7
    if dtype == "float32":
        weights = _const(mb, rng, (out_c, kh, kw, c), "float32")
        b = _const(mb, rng, (out_c,), "float32") if bias else None
    else:
        in_scale = _input_scale(mb, x)
        per_channel = rng.random() < 0.5
        w_scales = [rng.choice((0.005, 0.01, 0.02)) for _ in range(out_c if per_channel else 1)]
        weights = _const(mb, rng, (out_c, kh, kw, c), "int8", scale=w_scales, zero_point=0)
        b_scales = [in_scale * s for s in w_scales] * (1 if per_channel else out_c)
        b_dtype = rng.choice(("int64", "int16")) if dtype == "int16" else "int32"
        b = _const(mb, rng, (out_c,), b_dtype, scale=b_scales, zero_point=0) if bias else None
    y = mb.tensor(out_shape, dtype, **_quant(rng, dtype))
    mb.op(
        name,
        [mb.const(np.array(out_shape, np.int32), "int32"), weights, x, b],
        [y],
        "TransposeConvOptions",
        padding=padding,
        stride_h=stride[0],
        stride_w=stride[1],
        fused_activation_function=rng.choice(ACTIVATIONS),
    )
    return y, out_shape, dtype


def _pool(mb, rng, name, x, shape, dtype):
    """AVERAGE_POOL_2D and MAX_POOL_2D."""
    x, (batches, h, w, c) = _nhwc(mb, rng, x, shape, dtype)
    fh, fw = rng.randint(1, 3), rng.randint(1, 3)
    stride = (rng.randint(1, 2), rng.randint(1, 2))
    padding = rng.choice(("SAME", "VALID")) if fh <= h and fw <= w else "SAME"
    out_shape = (
        batches,
        window_out(h, fh, stride[0], 1, padding),
        window_out(w, fw, stride[1], 1, padding),
        c,
    )
    y = mb.tensor(out_shape, dtype, **_same_quant(mb, x))
    mb.op(
        name,
        [x],
        [y],
        "Pool2DOptions",
        padding=padding,
        stride_h=stride[0],
        stride_w=stride[1],
        filter_height=fh,
        filter_width=fw,
        fused_activation_function=rng.choice(ACTIVATIONS),
    )
    return y, out_shape, dtype


def _pad(mb, rng, name, x, shape, dtype):
    """PAD and PADV2 (with a constant padding value)."""
    pads = [[rng.randint(0, 2), rng.randint(0, 2)] for _ in shape]
    q = _same_quant(mb, x)
    inputs = [x, mb.const(np.array(pads, np.int32).reshape(len(shape), 2), "int32")]
    if name == "PADV2":
        inputs.append(_const(mb, rng, (1,), dtype, **q))
    out_shape = tuple(d + a + b for d, (a, b) in zip(shape, pads))
    y = mb.tensor(out_shape, dtype, **q)
    mb.op(name, inputs, [y])
    return y, out_shape, dtype


def _concatenation(mb, rng, name, x, shape, dtype):
    axis = rng.randrange(-len(shape), len(shape))
    q = _same_quant(mb, x)
    parts = [x]
    total = shape[axis]
    for _ in range(rng.randint(1, 2)):
        part_shape = list(shape)
        part_shape[axis] = rng.randint(1, 3)
        total += part_shape[axis]
        parts.insert(rng.randrange(len(parts) + 1), _const(mb, rng, part_shape, dtype, **q))
    out_shape = list(shape)
    out_shape[axis] = total
    y = mb.tensor(out_shape, dtype, **q)
    mb.op(name, parts, [y], "ConcatenationOptions", axis=axis)
    return y, tuple(out_shape), dtype


def _mean(mb, rng, name, x, shape, dtype):
    rank = len(shape)
    axes = rng.sample(range(rank), rng.randint(1, rank))
    keep_dims = rng.random() < 0.5 or len(axes) == rank  # never down to a scalar
    out_shape = tuple(
        1 if d in axes else n for d, n in enumerate(shape) if keep_dims or d not in axes
    )
    written = [a - rank if rng.random() < 0.3 else a for a in axes]
    y = mb.tensor(out_shape, dtype, **_quant(rng, dtype))
    mb.op(
        name,
        [x, mb.const(np.array(written, np.int32), "int32")],
        [y],
        "ReducerOptions",
        keep_dims=keep_dims,
    )
    return y, out_shape, dtype


def _strided_slice(mb, rng, name, x, shape, dtype):
    """Random begin / end / strides and masks; shrinks some axes, never all of them."""
    begin, end, strides, out_shape = [], [], [], []
    begin_mask = end_mask = shrink = 0
    keep = rng.randrange(len(shape))
    for d, n in enumerate(shape):
        if d != keep and rng.random() < 0.2:
            shrink |= 1 << d
            b = rng.randrange(n)
            begin.append(b - n if rng.random() < 0.3 else b)
            end.append(b + 1)
            strides.append(1)
            continue
        s = rng.choice((1, 1, 2, -1))
        b, e = rng.randrange(-n, n), rng.randrange(-n - 1, n + 2)
        if rng.random() < 0.3:
            begin_mask |= 1 << d
        if rng.random() < 0.3:
            end_mask |= 1 << d
        start = None if begin_mask >> d & 1 else b
        stop = None if end_mask >> d & 1 else e
        length = len(range(*slice(start, stop, s).indices(n)))
        if length == 0:  # an empty slice: take the whole axis instead
            begin_mask |= 1 << d
            end_mask |= 1 << d
            length = len(range(*slice(None, None, s).indices(n)))
        begin.append(b)
        end.append(e)
        strides.append(s)
        out_shape.append(length)
    q = _same_quant(mb, x)
    params = [mb.const(np.array(v, np.int32), "int32") for v in (begin, end, strides)]
    y = mb.tensor(out_shape, dtype, **q)
    mb.op(
        name,
        [x] + params,
        [y],
        "StridedSliceOptions",
        begin_mask=begin_mask,
        end_mask=end_mask,
        shrink_axis_mask=shrink,
    )
    return y, tuple(out_shape), dtype


def _squeeze(mb, rng, name, x, shape, dtype):
    ones = [d for d, n in enumerate(shape) if n == 1]
    dims = [d for d in ones if rng.random() < 0.6] or ones
    if len(dims) == len(shape):
        dims = dims[1:]  # keep one axis
    if ones and not dims:  # shape (1,): squeezing would leave a scalar
        return _reshape(mb, rng, "RESHAPE", x, shape, dtype)
    written = [d - len(shape) if rng.random() < 0.3 else d for d in dims]
    if dims == ones and rng.random() < 0.5:
        written = []  # no dims: every axis of size 1
    out_shape = tuple(n for d, n in enumerate(shape) if d not in dims)
    y = mb.tensor(out_shape, dtype, **_same_quant(mb, x))
    mb.op(name, [x], [y], "SqueezeOptions", squeeze_dims=written)
    return y, out_shape, dtype


def _transpose(mb, rng, name, x, shape, dtype):
    perm = list(range(len(shape)))
    rng.shuffle(perm)
    out_shape = tuple(shape[p] for p in perm)
    y = mb.tensor(out_shape, dtype, **_same_quant(mb, x))
    mb.op(name, [x, mb.const(np.array(perm, np.int32), "int32")], [y])
    return y, out_shape, dtype


def _cast(mb, rng, name, x, shape, dtype, to=None):
    to = to or rng.choice(("int16", "int32", "uint32", "float32"))
    y = mb.tensor(shape, to, **(_quant(rng, to) if to == "int16" else {}))
    mb.op("CAST", [x], [y])
    return y, shape, to


def _div(mb, rng, name, x, shape, dtype):
    if dtype != "int32":
        x, shape, dtype = _cast(mb, rng, "CAST", x, shape, dtype, "int32")
    other_shape = tuple(d if rng.random() < 0.6 else 1 for d in shape)[rng.randrange(len(shape) + 1) :]
    divisor = np.array([rng.choice((-7, -1, 1, 3, 666)) for _ in range(math.prod(other_shape))], np.int32)
    y = mb.tensor(shape, "int32")
    mb.op(name, [x, mb.const(divisor.reshape(other_shape), "int32")], [y], "DivOptions",
          fused_activation_function=rng.choice(ACTIVATIONS))  # fmt: skip
    return y, shape, "int32"


# --- TFLM's Signal ops (custom ops: the audio front end) --------------------------------------


def _signal_input(mb, rng, x, shape, dtype, want, flat=True):
    """x cast to `want` and, with `flat`, reshaped to one dimension."""
    if dtype != want:
        x, shape, dtype = _cast(mb, rng, "CAST", x, shape, dtype, want)
    if flat and len(shape) != 1:
        shape = (math.prod(shape),)
        x = _reshape_to(mb, rng, x, dtype, shape)
    return x, shape


def _int16s(rng, n, scale=32767):
    return np.array([rng.randint(-scale, scale) for _ in range(n)], np.int16)


def _signal_window(mb, rng, name, x, shape, dtype):
    x, shape = _signal_input(mb, rng, x, shape, dtype, "int16", flat=False)
    weights = mb.const(_int16s(rng, shape[-1], 4096), "int16")
    y = mb.tensor(shape, "int16")
    mb.op("CUSTOM", [x, weights], [y], custom=name, shift=rng.randint(0, 16))
    return y, shape, "int16"


def _signal_fft_auto_scale(mb, rng, name, x, shape, dtype):
    x, shape = _signal_input(mb, rng, x, shape, dtype, "int16")
    y, bits = mb.tensor(shape, "int16"), mb.tensor((), "int32")
    mb.op("CUSTOM", [x], [y, bits], custom=name)
    return y, shape, "int16"


def _signal_rfft(mb, rng, name, x, shape, dtype):
    x, shape = _signal_input(mb, rng, x, shape, dtype, "int16", flat=False)
    fft_length = rng.choice((4, 6, 10))  # kiss_fft's radices 2, 3 and 5
    while fft_length < shape[-1]:
        fft_length *= 2
    out_shape = tuple(shape[:-1]) + (fft_length + 2,)
    y = mb.tensor(out_shape, "int16")
    mb.op("CUSTOM", [x], [y], custom=name, T=7, fft_length=fft_length)
    return y, out_shape, "int16"


def _signal_energy(mb, rng, name, x, shape, dtype):
    x, shape = _signal_input(mb, rng, x, shape, dtype, "int16")
    bins = shape[0] // 2
    start = rng.randint(0, bins)
    y = mb.tensor((bins,), "uint32")
    mb.op("CUSTOM", [x], [y], custom=name, start_index=start, end_index=rng.randint(start, bins))
    return y, (bins,), "uint32"


def _signal_filter_bank(mb, rng, name, x, shape, dtype):
    x, shape = _signal_input(mb, rng, x, shape, dtype, "uint32")
    size, channels, n_weights = shape[0], rng.randint(1, 6), rng.randint(1, 24)
    widths = [rng.randint(0, min(size, n_weights, 6)) for _ in range(channels + 1)]
    table = [
        [rng.randint(0, size - w) for w in widths],
        [rng.randint(0, n_weights - w) for w in widths],
        widths,
    ]
    inputs = [x, mb.const(_int16s(rng, n_weights, 4096), "int16"), mb.const(_int16s(rng, n_weights, 4096), "int16")]
    inputs += [mb.const(np.array(column, np.int16), "int16") for column in table]
    y = mb.tensor((channels,), "uint64")
    mb.op("CUSTOM", inputs, [y], custom=name, num_channels=channels)
    return y, (channels,), "uint64"


def _signal_square_root(mb, rng, name, x, shape, dtype):
    if dtype != "uint64":
        x, shape, dtype = _signal_filter_bank(mb, rng, "SignalFilterBank", x, shape, dtype)
    bits = mb.const(np.array(rng.randint(0, 15), np.int32), "int32")
    y = mb.tensor(shape, "uint32")
    mb.op("CUSTOM", [x, bits], [y], custom=name)
    return y, shape, "uint32"


def _signal_spectral_subtraction(mb, rng, name, x, shape, dtype):
    x, shape = _signal_input(mb, rng, x, shape, dtype, "uint32")
    y, noise = mb.tensor(shape, "uint32"), mb.tensor(shape, "uint32")
    settings = {k: rng.randint(0, 16384) for k in ("smoothing", "one_minus_smoothing", "alternate_smoothing",
                                                    "alternate_one_minus_smoothing", "min_signal_remaining")}  # fmt: skip
    mb.op("CUSTOM", [x], [y, noise], custom=name, num_channels=shape[0], smoothing_bits=rng.randint(0, 12),
          spectral_subtraction_bits=rng.randint(0, 16), clamping=rng.random() < 0.5, **settings)  # fmt: skip
    return y, shape, "uint32"


def _signal_pcan(mb, rng, name, x, shape, dtype):
    x, shape = _signal_input(mb, rng, x, shape, dtype, "uint32")
    noise = mb.const(np.array([rng.randint(0, 1 << 20) for _ in range(shape[0])], np.uint32), "uint32")
    lut = mb.const(_int16s(rng, 125), "int16")
    y = mb.tensor(shape, "uint32")
    mb.op("CUSTOM", [x, noise, lut], [y], custom=name, snr_shift=rng.randint(0, 12))
    return y, shape, "uint32"


def _signal_filter_bank_log(mb, rng, name, x, shape, dtype):
    x, shape = _signal_input(mb, rng, x, shape, dtype, "uint32")
    y = mb.tensor(shape, "int16", **_quant(rng, "int16"))
    mb.op("CUSTOM", [x], [y], custom=name, input_correction_bits=rng.randint(0, 4), output_scale=rng.choice((1, 64, 1000)))
    return y, shape, "int16"


def _svdf(mb, rng, name, x, shape, dtype):
    """SVDF over x as [batches, features]: int8 with an int16 state (zero point 0), or
    float32."""
    size = math.prod(shape)
    batches = shape[0] if len(shape) > 1 and shape[0] else 1
    input_size = size // batches
    x = _reshape_to(mb, rng, x, dtype, (batches, input_size))
    rank, units, memory = rng.randint(1, 2), rng.randint(1, 6), rng.randint(1, 5)
    filters = rank * units
    if dtype == "float32":
        wq = sq = bq = {}
        time_dtype, bias_dtype = "float32", "float32"
    else:
        wq, sq = {"scale": 0.01, "zero_point": 0}, {"scale": 0.002, "zero_point": 0}
        bq = {"scale": 0.002 * 0.001, "zero_point": 0}
        time_dtype, bias_dtype = "int16", "int32"
    wf = _const(mb, rng, (filters, input_size), dtype, **wq)
    wt = _const(mb, rng, (filters, memory), time_dtype, **({"scale": 0.001, "zero_point": 0} if wq else {}))
    bias = _const(mb, rng, (units,), bias_dtype, **bq)
    state = mb.tensor((batches, memory * filters), time_dtype, variable=True, **sq)
    y = mb.tensor((batches, units), dtype, **_quant(rng, dtype))
    activation = rng.choice(ACTIVATIONS)
    mb.op(name, [x, wf, wt, bias, state], [y], "SVDFOptions", rank=rank, fused_activation_function=activation)
    return y, (batches, units), dtype


def _lstm(mb, rng, name, x, shape, dtype):
    """UNIDIRECTIONAL_SEQUENCE_LSTM over x as [batches, time, features] (or time major):
    int8 or 16x8 (int16 activations, int64 biases) with int8 weights and an int16 cell
    state, or float32."""
    size = math.prod(shape)
    steps = shape[-2] if len(shape) > 1 and shape[-2] else 1
    depth = shape[-1] if shape and shape[-1] else 1
    batches = size // (steps * depth) or 1
    time_major = rng.random() < 0.3
    in_shape = (steps, batches, depth) if time_major else (batches, steps, depth)
    x = _reshape_to(mb, rng, x, dtype, in_shape)
    units = rng.randint(1, 6)
    quantized = dtype != "float32"
    wq = {"scale": 0.01, "zero_point": 0} if quantized else {}
    bq = {"scale": 0.0005, "zero_point": 0} if quantized else {}
    weights_dtype = "int8" if quantized else dtype
    bias_dtype = {"int8": "int32", "int16": "int64"}.get(dtype, dtype)
    inputs = [x]
    inputs += [_const(mb, rng, (units, depth), weights_dtype, **wq) for _ in range(4)]
    inputs += [_const(mb, rng, (units, units), weights_dtype, **wq) for _ in range(4)]
    inputs += [None] * 3
    inputs += [_const(mb, rng, (units,), bias_dtype, **bq) for _ in range(4)]
    hq = _quant(rng, dtype)
    hidden = mb.tensor((batches, units), dtype, variable=True, **hq)
    cell_q = {"scale": 2.0**-12, "zero_point": 0} if quantized else {}
    cell = mb.tensor((batches, units), "int16" if quantized else dtype, variable=True, **cell_q)
    inputs += [None, None, hidden, cell] + [None] * 4
    out_shape = in_shape[:2] + (units,)
    y = mb.tensor(out_shape, dtype, **hq)
    mb.op(name, inputs, [y], "UnidirectionalSequenceLSTMOptions", fused_activation_function="TANH",
          cell_clip=rng.choice((0.0, 3.0)), time_major=time_major)  # fmt: skip
    return y, out_shape, dtype


SIGNAL_INPUTS = ("int8", "int16", "int32", "uint32", "float32")
# makers whose output dtype is not their input's (every_kernel's chains leave them out)
CONVERTERS = {"QUANTIZE", "DEQUANTIZE", "SOFTMAX", "CAST", "SignalEnergy", "SignalFilterBank",
              "SignalFilterBankSquareRoot", "SignalFilterBankSpectralSubtraction", "SignalPCAN",
              "SignalFilterBankLog", "SignalWindow", "SignalFftAutoScale", "SignalRfft", "DIV"}  # fmt: skip

# op name (a custom op's own name) -> (maker, input dtypes it is built for)
MAKERS = {
    "FULLY_CONNECTED": (_fully_connected, QUANTIZED_FLOAT),
    "ADD": (_binary, QUANTIZED_FLOAT),
    "SUB": (_binary, QUANTIZED_FLOAT),
    "SVDF": (_svdf, INT8_FLOAT),
    "MUL": (_binary, QUANTIZED_FLOAT),
    "MAXIMUM": (_binary, QUANTIZED_FLOAT),
    "MINIMUM": (_binary, QUANTIZED_FLOAT),
    "RELU": (_activation, QUANTIZED_FLOAT),
    "RELU6": (_activation, QUANTIZED_FLOAT),
    "LEAKY_RELU": (_activation, QUANTIZED_FLOAT),
    "LOGISTIC": (_activation, QUANTIZED_FLOAT),
    "TANH": (_activation, QUANTIZED_FLOAT),
    "HARD_SWISH": (_activation, INT8_FLOAT),
    "SOFTMAX": (_softmax, QUANTIZED_FLOAT),
    "QUANTIZE": (_quantize, ("int8", "float32", "int16", "int32")),
    "DEQUANTIZE": (_dequantize, ("int8", "int16")),
    "RESHAPE": (_reshape, ANY_DTYPE),
    "CONV_2D": (_conv, QUANTIZED_FLOAT),
    "DEPTHWISE_CONV_2D": (_conv, QUANTIZED_FLOAT),
    "TRANSPOSE_CONV": (_transpose_conv, QUANTIZED_FLOAT),
    "AVERAGE_POOL_2D": (_pool, QUANTIZED_FLOAT),
    "MAX_POOL_2D": (_pool, QUANTIZED_FLOAT),
    "PAD": (_pad, ANY_DTYPE),
    "PADV2": (_pad, ANY_DTYPE),
    "CONCATENATION": (_concatenation, ANY_DTYPE),
    "MEAN": (_mean, QUANTIZED_FLOAT),
    "STRIDED_SLICE": (_strided_slice, ANY_DTYPE),
    "SQUEEZE": (_squeeze, ANY_DTYPE),
    "UNIDIRECTIONAL_SEQUENCE_LSTM": (_lstm, QUANTIZED_FLOAT),
    "TRANSPOSE": (_transpose, ("int8", "float32", "int16")),
    "CAST": (_cast, SIGNAL_INPUTS),
    "DIV": (_div, SIGNAL_INPUTS),
    "SignalWindow": (_signal_window, SIGNAL_INPUTS),
    "SignalFftAutoScale": (_signal_fft_auto_scale, SIGNAL_INPUTS),
    "SignalRfft": (_signal_rfft, SIGNAL_INPUTS),
    "SignalEnergy": (_signal_energy, SIGNAL_INPUTS),
    "SignalFilterBank": (_signal_filter_bank, SIGNAL_INPUTS),
    "SignalFilterBankSquareRoot": (_signal_square_root, SIGNAL_INPUTS + ("uint64",)),
    "SignalFilterBankSpectralSubtraction": (_signal_spectral_subtraction, SIGNAL_INPUTS),
    "SignalPCAN": (_signal_pcan, SIGNAL_INPUTS),
    "SignalFilterBankLog": (_signal_filter_bank_log, SIGNAL_INPUTS),
}


def next_op(mb, rng, x, shape, dtype, name=None):
    """Add one plausible op reading tensor x (`name`, or one taking x's dtype at random);
    returns (output tensor, shape, dtype)."""
    if name is None:
        name = rng.choice(sorted(n for n, (_, dtypes) in MAKERS.items() if dtype in dtypes))
    return MAKERS[name][0](mb, rng, name, x, shape, dtype)


def _perturb(mb, rng):
    """One nonsensical edit of a built graph: a dim, dtype, scale, zero point, axis, buffer
    length, variable flag or operator index goes wrong."""
    t = rng.choice(mb.tensors)
    roll = rng.randrange(9)
    if roll == 0 and t.shape:
        t.shape[rng.randrange(len(t.shape))] = rng.choice(
            (0, -1, 2, 3, 4097, 1 << 16, (1 << 31) - 1)
        )
    elif roll == 1:
        t.shape = t.shape + [rng.choice((1, 2))] if rng.random() < 0.5 else t.shape[1:]
    elif roll == 2:
        t.type = rng.randrange(19)
    elif roll == 3 and t.quantization:
        t.quantization.scale = [
            rng.choice((0.0, -0.5, float("nan"), float("inf"), 1e-40, 1e30, 3.0))
        ] * len(t.quantization.scale)
    elif roll == 4 and t.quantization:
        t.quantization.zeroPoint = [rng.choice((-129, 128, 255, -32768, 1 << 40))] * len(
            t.quantization.zeroPoint
        )
    elif roll == 5 and t.quantization:
        t.quantization.quantizedDimension = rng.choice((-1, 1, 2, 5))
        t.quantization.scale = t.quantization.scale * rng.choice((1, 2, 3))
        t.quantization.zeroPoint = [0] * len(t.quantization.scale)
    elif roll == 6 and t.buffer:
        data = mb.buffers[t.buffer].data
        mb.buffers[t.buffer].data = (
            data[:-1] if rng.random() < 0.5 and len(data) else list(data) + [0, 0, 0, 0]
        )
    elif roll == 7:
        t.isVariable = not t.isVariable
    else:  # rewire an op: often to a tensor of the same shape, so only the role is wrong
        op = rng.choice(mb.operators)
        io = op.inputs if rng.random() < 0.6 or not op.outputs else op.outputs
        if io:
            k = rng.randrange(len(io))
            shape = mb.tensors[io[k]].shape if 0 <= io[k] < len(mb.tensors) else None
            same = [i for i, u in enumerate(mb.tensors) if u.shape == shape]
            if same and rng.random() < 0.5:
                io[k] = rng.choice(same)
            else:
                io[k] = rng.choice((-1, rng.randrange(len(mb.tensors)), len(mb.tensors)))


def random_graph(rng):
    """A small valid chain of the ops ulite runs (random shapes, dtypes, quantization), then,
    in most graphs, 1-3 nonsensical edits. Returns the model bytes."""
    mb = ModelBuilder()
    shape = tuple(rng.choice((1, 2, 3, 4, 5, 8)) for _ in range(rng.choice((1, 2, 3, 4, 4))))
    dtype = rng.choice(("int8", "int8", "int8", "float32", "int16"))
    x = mb.input(shape, dtype, **_quant(rng, dtype))
    for _ in range(rng.randint(1, 4)):
        x, shape, dtype = next_op(mb, rng, x, shape, dtype)
    mb.output(x)
    for _ in range(rng.choice((0, 1, 1, 2, 3))):
        _perturb(mb, rng)
    return mb.build()


def every_kernel(rng, dtype, shape=(1, 6, 5, 3)):
    """One valid chain through every maker taking `dtype` and keeping it, in a fixed order."""
    mb = ModelBuilder()
    x = mb.input(shape, dtype, **_quant(rng, dtype))
    for name in sorted(MAKERS):
        if dtype in MAKERS[name][1] and name not in CONVERTERS:
            x, shape, dtype = next_op(mb, rng, x, shape, dtype, name)
    x, shape, dtype = next_op(mb, rng, x, shape, dtype, "SOFTMAX")
    mb.output(x)
    return mb.build()
