"""DEPTHWISE_CONV_2D (TFLM depthwise_conv_common.cc, reference/integer_ops/depthwise_conv.h).

int8: per-channel (dim 3) or per-tensor int8 weights, optional int32 bias, any depth
multiplier (taken from the options, as TFLM does: output channel = input channel * dm + m),
strides, dilations, SAME/VALID padding, fused activations. 16x8 (int16 input and output,
int8 weights): the same options with an int64 bias or none (TFLM reads any bias as int64:
an int32 one is refused); int64 sums, no zero points applied, as TFLM (kernels/wide.py).
float32: TFLM's reference loops with float32 rounding (the loops' conv_float32, on the op
as a grouped convolution).

The int8 loops add each tap's weights times the input into a row of int32 accumulators per
output pixel; taps outside the input read a row of the input zero point kept in the op's
scratch (they then contribute exactly zero), so border pixels cost what interior ones do.
Large depth multipliers run as grouped convolutions instead (see grouped). The 16x8 loop
sums like the int8 one, taps outside the input reading a pad row, into int64 accumulator
rows (depthwise_16x8). Where the plan cuts the scratch, both keep fewer rows (fit_rows).
"""

import array

from . import conv_common, padding
from .common import arity, const, keep_ints, refuse, unsupported

# Fields of ulite.layouts.conv, restated for the compiler to fold (see ulite.layouts).
_DW_IN_H = const(0)
_DW_IN_W = const(1)
_DW_IN_C = const(2)
_DW_OUT_H = const(3)
_DW_OUT_W = const(4)
_DW_OUT_C = const(5)
_DW_KH = const(6)
_DW_KW = const(7)
_DW_MULTIPLIER = const(8)
_DW_STRIDE_H = const(9)
_DW_STRIDE_W = const(10)
_DW_DILATION_H = const(11)
_DW_DILATION_W = const(12)
_DW_PAD_TOP = const(13)
_DW_PAD_LEFT = const(14)
_DW_PAD_VALUE = const(15)
_DW_PIXELS = const(16)
_DW_ROWS = const(17)
_DW_CHANNELS = const(18)
_DW_FIELDS = const(19)

_OPTIONS = "DepthwiseConv2DOptions"
ACC_INTS = 512  # accumulators of a pass, at most (fewer on small ops)
GROUPED_FROM_MULTIPLIER = 4
GROUPED_WEIGHT_BYTES = 4096


def _options(op):
    read = op.option
    return (
        read(_OPTIONS, 0, "b", 0),  # padding
        (read(_OPTIONS, 2, "i", 0), read(_OPTIONS, 1, "i", 0)),  # strides (h, w)
        (read(_OPTIONS, 6, "i", 1), read(_OPTIONS, 5, "i", 1)),  # dilations (h, w)
        read(_OPTIONS, 3, "i", 0),  # depth multiplier
        read(_OPTIONS, 4, "b", 0),  # fused activation
    )


def _size(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def geometry(in_shape, out_shape, kernel_hw, multiplier, strides, dilations, pads, zp):
    """The int32 geometry of the depthwise loop (layouts.conv DW_ fields) of an int8 op.

    kernel_hw = (kh, kw); strides, dilations: (h, w); pads = (top, left); zp: the input's.
    """
    batches, in_h, in_w, in_c = in_shape
    out_h, out_w, out_c = out_shape[1], out_shape[2], out_shape[3]
    # accumulator rows: fewer on small ops, whose scratch would otherwise set the arena size
    acc_ints = min(ACC_INTS, (_size(in_shape) + _size(out_shape)) // 32)
    geo = array.array("i", bytes(4 * _DW_FIELDS))
    geo[_DW_IN_H] = in_h
    geo[_DW_IN_W] = in_w
    geo[_DW_IN_C] = in_c
    geo[_DW_OUT_H] = out_h
    geo[_DW_OUT_W] = out_w
    geo[_DW_OUT_C] = out_c
    geo[_DW_KH], geo[_DW_KW] = kernel_hw
    geo[_DW_MULTIPLIER] = multiplier
    geo[_DW_STRIDE_H], geo[_DW_STRIDE_W] = strides
    geo[_DW_DILATION_H], geo[_DW_DILATION_W] = dilations
    geo[_DW_PAD_TOP], geo[_DW_PAD_LEFT] = pads
    geo[_DW_PAD_VALUE] = zp + 128
    geo[_DW_PIXELS] = batches * out_h * out_w
    geo[_DW_ROWS] = max(1, acc_ints // out_c)
    geo[_DW_CHANNELS] = out_c
    return geo


def _geometry(op):
    """Validated shapes and padding, as the depthwise geometry."""
    x, weights, out = op.inputs[0], op.inputs[1], op.outputs[0]
    pad, strides, dilations, multiplier, _ = _options(op)
    batches, in_h, in_w, in_c = x.shape
    one, kh, kw, out_c = weights.shape
    out_b, out_h, out_w, out_c2 = out.shape
    if one != 1:
        refuse(op, "filter shape %s must start with 1" % (weights.shape,))
    if multiplier < 1:
        refuse(op, "depth multiplier must be at least 1, got %d" % multiplier)
    if not (out_b == batches and out_c2 == out_c == in_c * multiplier):
        refuse(
            op,
            "output %s and filter %s do not match input %s with depth multiplier %d"
            % (out.shape, weights.shape, x.shape, multiplier),
        )
    pads = padding.window(op, pad, strides, dilations, (in_h, in_w), (kh, kw))
    zp = x.zero_point if x.dtype == "int8" else 0
    geo = geometry(x.shape, out.shape, (kh, kw), multiplier, strides, dilations, pads, zp)
    return geometry_16x8(geo) if x.dtype == "int16" else geo


def geometry_16x8(geo):
    """The depthwise geometry `geo` made depthwise_16x8's: int64 rows; taps outside the
    input read a pad row of u = 32768."""
    from . import wide  # (16x8 only: the other dtypes never load it)

    geo[_DW_ROWS] = max(1, conv_common.ACC_16X8_BYTES // (8 * geo[_DW_OUT_C]))
    geo[_DW_PAD_VALUE] = wide.U_OFFSET
    return geo


def _as_grouped_conv(geo, in_shape, out_shape, zp):
    """The im2col geometry of the op run as a convolution with one group per input
    channel and `multiplier` filters of depth 1 each."""
    filters = (geo[_DW_KH], geo[_DW_KW], 1, geo[_DW_IN_C])
    strides = (geo[_DW_STRIDE_H], geo[_DW_STRIDE_W])
    dilations = (geo[_DW_DILATION_H], geo[_DW_DILATION_W])
    pads = (geo[_DW_PAD_TOP], geo[_DW_PAD_LEFT])
    return conv_common.im2col_geometry(in_shape, out_shape, filters, strides, dilations, pads, zp)


def grouped(geo, in_shape, out_shape, zp):
    """The im2col geometry of an int8 op run as a grouped convolution, or None.

    With a depth multiplier of GROUPED_FROM_MULTIPLIER or more, the im2col loop shares
    every gathered tap among a channel's filters. Their weights are reordered per filter
    ([O, KH, KW, 1]) into the arena, so only small filters qualify, and only when that and
    the im2col scratch are small next to the op's own activations (on small models they
    would otherwise set the arena's size).
    """
    taps = geo[_DW_KH] * geo[_DW_KW]
    channels = geo[_DW_OUT_C]
    if geo[_DW_MULTIPLIER] < GROUPED_FROM_MULTIPLIER or taps * channels > GROUPED_WEIGHT_BYTES:
        return None
    conv_geo = _as_grouped_conv(geo, in_shape, out_shape, zp)
    extra = conv_common.im2col_scratch_bytes(conv_geo) + taps * channels
    return conv_geo if 4 * extra <= _size(in_shape) + _size(out_shape) else None


def _grouped(op, geo):
    return grouped(geo, op.inputs[0].shape, op.outputs[0].shape, op.inputs[0].zero_point)


def check(op, requests):
    arity(op, (2, 3), 1)
    weights = op.inputs[1]
    channels = weights.shape[3] if len(weights.shape) == 4 else 0
    dtype = conv_common.check_types(op, channels)
    requests.tflm_tables(conv_common.tflm_table_bytes(channels))
    geo = _geometry(op)
    if dtype == "float32":
        return
    if dtype == "int16":
        bias = op.inputs[2] if len(op.inputs) > 2 else None
        if bias is not None and bias.dtype != "int64":
            unsupported("%s bias with int16 input (TFLM reads it as int64)" % bias.dtype)
        from . import wide

        wide.check_shifts(conv_common.multipliers(op, op.inputs[0], weights, 3))
        requests.persistent(wide.table_bytes(channels, weights.channels()))
        requests.ints(geo)
        requests.scratch(scratch_bytes(geo, 2), scratch_bytes(geo, 2, 1, geo[_DW_MULTIPLIER]))
        return
    requests.persistent(conv_common.table_bytes(weights, channels))
    conv_geo = _grouped(op, geo)
    if conv_geo:
        requests.persistent(geo[_DW_KH] * geo[_DW_KW] * channels)  # the reordered weights
        requests.ints(conv_geo)
        least = conv_common.least_scratch_bytes(conv_geo)
        requests.scratch(conv_common.im2col_scratch_bytes(conv_geo), least)
        return
    requests.ints(geo)
    if op.inputs[0].is_constant:
        unsupported("constant int8 input")  # the loops flip the input's sign bits in place
    requests.scratch(scratch_bytes(geo, 1), scratch_bytes(geo, 1, 1))


def scratch_bytes(geo, itemsize, rows=None, channels=None):
    """Scratch of the depthwise loop with `rows` accumulator rows of `channels` (geo's by
    default): int32 rows and a pad row of zp' bytes (int8, itemsize 1); int64 rows, the
    channels' sums and an int16 pad row (16x8, 2)."""
    rows = geo[_DW_ROWS] if rows is None else rows
    channels = geo[_DW_CHANNELS] if channels is None else channels
    if itemsize == 2:
        return 8 * rows * channels + 4 * channels + 2 * geo[_DW_IN_C]
    return 4 * rows * channels + geo[_DW_IN_C]


def fit_rows(geo, granted, itemsize):
    """geo with as many accumulator rows as the granted scratch bytes hold, one at least
    (the plan cuts the scratch where it would make the arena larger than TFLM's); 16x8:
    else one row of as many whole input channels' outputs as fit."""
    channels = geo[_DW_OUT_C]
    rows = (granted - scratch_bytes(geo, itemsize, 0)) // (4 * itemsize * channels)
    geo[_DW_ROWS] = max(1, min(rows, geo[_DW_ROWS]))
    if itemsize == 2 and rows < 1:
        multiplier = geo[_DW_MULTIPLIER]
        fit = (granted - 2 * geo[_DW_IN_C]) // (12 * multiplier) * multiplier
        geo[_DW_CHANNELS] = max(multiplier, fit)
    return geo


def prepare(op, context):
    geo = _geometry(op)
    activation = _options(op)[4]
    x, weights, bias = conv_common.conv_inputs(op)
    out = op.outputs[0]
    channels = geo[_DW_OUT_C]
    taps = geo[_DW_KH] * geo[_DW_KW]
    if out.dtype == "float32":
        conv_geo = _as_grouped_conv(geo, x.shape, out.shape, 0)
        steps = (1, channels)  # weights [1, KH, KW, O]
        buffers = (out.data, x.data, weights.data, bias.data if bias else None)
        return context.loops.conv_float32, conv_common.float_args(buffers, conv_geo, steps, activation)
    if out.dtype == "int16":
        init, rq = conv_common.tables_16x8(op, context, x, weights, bias, 3, activation)
        geo = fit_rows(geo, len(context.scratch), 2)
        acc_bytes = 8 * geo[_DW_ROWS] * geo[_DW_CHANNELS]
        acc = context.scratch[:acc_bytes]
        rest = context.scratch[acc_bytes : scratch_bytes(geo, 2)]
        args = (out.data, x.data, weights.data, init, rq, acc, rest, keep_ints(context, geo))
        return context.loops.depthwise_16x8, args
    init, rq = conv_common.int8_tables(op, context, x, weights, bias, 3, activation)
    conv_geo = _grouped(op, geo)
    if conv_geo:
        start = conv_common.table_bytes(weights, channels)
        reordered = context.persistent[start : start + taps * channels]
        if not context.precomputed:
            data = weights.data
            for o in range(channels):
                for t in range(taps):
                    reordered[o * taps + t] = data[t * channels + o]
        conv_geo = conv_common.fit_scratch(conv_geo, len(context.scratch))
        args = conv_common.im2col_args(out.data, x.data, context, reordered, init, rq, conv_geo)
        return conv_common.int8_loop(context, conv_geo), args
    geo = fit_rows(geo, len(context.scratch), 1)
    acc_bytes = 4 * geo[_DW_ROWS] * channels
    acc = context.scratch[:acc_bytes]
    pad_row = context.scratch[acc_bytes : acc_bytes + geo[_DW_IN_C]]
    geo = keep_ints(context, geo)
    args = (out.data, x.data, weights.data, init, rq, acc, pad_row, geo)
    return context.loops.depthwise_int8, args
