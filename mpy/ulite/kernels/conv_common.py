"""What CONV_2D, DEPTHWISE_CONV_2D and TRANSPOSE_CONV share: dtype checks, the im2col
geometry, per-channel int8 tables and the float32 loop's arguments.

The int8 loops accumulate in the "unsigned input" domain u = x + 128 (0..255): with
zp' = input_zp + 128, TFLM's accumulator bias + sum(w * (x - input_zp)) equals
init + sum(w * u) for init = bias - zp' * sum(w), one int32 per output channel. A tap
outside the input then contributes exactly zero if it reads zp' instead of being skipped.
The 16x8 loops (int16 input) sum w * u, u = x + 32768, into int64 accumulators
(kernels/wide.py): TFLM's 16x8 convolutions ignore the zero points, so a tap outside the
input reads u = 32768 (x = 0).
"""

import array
import struct

from .. import quant
from ..tensor import INT32_MAX
from ..views import float32_view, int32_view
from .common import (
    activation_bounds,
    const,
    float_bounds,
    io_types,
    keep_ints,
    per_channel,
    quantized,
    requant_bytes,
    refuse,
    requant_tuple,
    unsupported,
    write_multipliers,
)

# Fields of ulite.layouts.conv, restated for the compiler to fold (see ulite.layouts).
_CONV_IN_H = const(0)
_CONV_IN_W = const(1)
_CONV_IN_C = const(2)
_CONV_OUT_H = const(3)
_CONV_OUT_W = const(4)
_CONV_OUT_C = const(5)
_CONV_KH = const(6)
_CONV_KW = const(7)
_CONV_DEPTH = const(8)
_CONV_PER_GROUP = const(9)
_CONV_GROUPS = const(10)
_CONV_STRIDE_H = const(11)
_CONV_STRIDE_W = const(12)
_CONV_DILATION_H = const(13)
_CONV_DILATION_W = const(14)
_CONV_PAD_TOP = const(15)
_CONV_PAD_LEFT = const(16)
_CONV_PAD_VALUE = const(17)
_CONV_TAPS_PER_CHUNK = const(18)
_CONV_PIXELS = const(19)
_CONV_ROWS = const(20)
_CONV_LANES = const(21)
_CONV_CHANNELS = const(22)
_CONV_FIELDS = const(23)

BLOCK = 8  # output pixels the int8 conv loop computes at once (im2col holds 8 lanes)
WIDE_LANES_UP_TO = 128  # more output channels: 4 lanes, halving the accumulator rows
IM2COL_BYTES = 4096  # gathered patches of one block at most (taps are chunked to fit)
# accumulators requantized together (at least a block's worth of rows): more barely speeds
# the loops, and the rows are scratch that the arena needs beside the op's activations
ACC_INTS = 256

# 16x8: int16 patches of one output pixel at most, int64 accumulators of a pass at most
PATCH_16X8_BYTES = 2048
ACC_16X8_BYTES = 1024

SUPPORTED = (
    "int8,int8->int8",
    "int8,int8,int32->int8",
    "int16,int8->int16",
    "int16,int8,int64->int16",
    "int16,int8,int32->int16",
    "float32,float32->float32",
    "float32,float32,float32->float32",
)


def conv_inputs(op):
    """(input, weights, bias or None) of a CONV_2D or DEPTHWISE_CONV_2D."""
    return op.inputs[0], op.inputs[1], op.inputs[2] if len(op.inputs) > 2 else None


def check_types(op, channels):
    """Refuse what ulite cannot run, check the tensors (check_tensors); returns the input's
    dtype."""
    x, weights, bias = conv_inputs(op)
    types = io_types(op)
    if types not in SUPPORTED:
        refuse_hybrid(x, weights)
        unsupported(types)
    check_tensors(op, x, weights, bias, channels)
    return x.dtype


def refuse_hybrid(x, weights):
    if x.dtype == "float32" and weights.dtype in ("int8", "uint8"):
        unsupported("hybrid: float32 input with %s weights" % weights.dtype)


def check_tensors(op, x, weights, bias, channels):
    """Require 4-D tensors, constant weights and a bias of `channels` values."""
    for t in (x, weights, op.outputs[0]):
        if len(t.shape) != 4 or t.size == 0:
            refuse(op, "tensor %d '%s' must be 4-D and not empty, has shape %s" % (t.index, t.name, t.shape))
    if weights.data is None:
        unsupported("non-constant weights")
    if x.dtype == "int16" and x.is_constant:
        unsupported("constant int16 input")  # the loops read it by halfwords: it must be aligned
    if bias is not None and bias.size != channels:
        refuse(op, "bias has %d values for %d output channels" % (bias.size, channels))


def im2col_geometry(in_shape, out_shape, filters, strides, dilations, pads, zp):
    """The int32 geometry of the im2col loop (layouts.conv CONV_ fields).

    filters = (kh, kw, filter depth, groups); strides, dilations: (h, w); pads = (top,
    left); zp: the input's.
    """
    batches, in_h, in_w, in_c = in_shape
    out_c = out_shape[3]
    kh, kw, depth, groups = filters
    lanes = BLOCK if out_c <= WIDE_LANES_UP_TO else 4
    geo = array.array("i", bytes(4 * _CONV_FIELDS))
    geo[_CONV_IN_H] = in_h
    geo[_CONV_IN_W] = in_w
    geo[_CONV_IN_C] = in_c
    geo[_CONV_OUT_H] = out_shape[1]
    geo[_CONV_OUT_W] = out_shape[2]
    geo[_CONV_OUT_C] = out_c
    geo[_CONV_KH] = kh
    geo[_CONV_KW] = kw
    geo[_CONV_DEPTH] = depth
    geo[_CONV_PER_GROUP] = out_c // groups
    geo[_CONV_GROUPS] = groups
    geo[_CONV_STRIDE_H], geo[_CONV_STRIDE_W] = strides
    geo[_CONV_DILATION_H], geo[_CONV_DILATION_W] = dilations
    geo[_CONV_PAD_TOP], geo[_CONV_PAD_LEFT] = pads
    geo[_CONV_PAD_VALUE] = zp + 128
    geo[_CONV_PIXELS] = batches * out_shape[1] * out_shape[2]
    geo[_CONV_ROWS] = max(1, ACC_INTS // (lanes * out_c)) * lanes
    geo[_CONV_LANES] = lanes
    geo[_CONV_CHANNELS] = out_c
    geo[_CONV_TAPS_PER_CHUNK] = _taps_per_chunk(geo, IM2COL_BYTES)
    return geo


def _tap_bytes(geo, itemsize):
    """im2col bytes of one tap: a block's patches, lanes interleaved (int8), or one
    pixel's (16x8); none for int8 on one lane, which reads the input where it lies."""
    if itemsize == 1 and geo[_CONV_LANES] == 1:
        return 0
    return itemsize * (1 if geo[_CONV_LANES] == 1 else BLOCK) * geo[_CONV_DEPTH]


def _taps_per_chunk(geo, patch_bytes, itemsize=1):
    """Taps per chunk, as even chunks as can be whose patches take at most patch_bytes
    (one tap at least)."""
    taps = geo[_CONV_KH] * geo[_CONV_KW]
    if not _tap_bytes(geo, itemsize):
        return taps
    most = max(1, patch_bytes // _tap_bytes(geo, itemsize))
    chunks = (taps + most - 1) // most
    return (taps + chunks - 1) // chunks


def least_scratch_bytes(geo, itemsize=1):
    """The im2col loop's scratch at its smallest: one row of accumulators (int8: int32, on
    one lane, reading the input where it lies), or one int64 accumulator, its int32 sum
    and one pixel's patch of one tap (16x8, itemsize 2)."""
    if itemsize == 2:
        return 12 + 2 * geo[_CONV_DEPTH]
    return 4 * geo[_CONV_OUT_C]


def fit_scratch(geo, scratch_bytes, itemsize=1):
    """geo fitted to an im2col loop's scratch of scratch_bytes, at least
    least_scratch_bytes(geo, itemsize) (unchanged from im2col_scratch_bytes(geo, itemsize)
    up). int8: a block's accumulator rows, else up to four, as fit beside one tap of a
    block's patches (eight accumulators at least), then as many taps per chunk as fit;
    else one lane and one row, and no patches. 16x8: as many int64 rows as fit beside the whole patch, else one
    row and as many taps as fit, else one row of as many channels as fit beside one tap."""
    if scratch_bytes >= im2col_scratch_bytes(geo, itemsize):
        return geo
    out_c = geo[_CONV_OUT_C]
    if itemsize == 2:
        room = scratch_bytes - 4 * geo[_CONV_PER_GROUP]
        rows = (room - 2 * geo[_CONV_DEPTH] * geo[_CONV_TAPS_PER_CHUNK]) // (8 * out_c)
        geo[_CONV_ROWS] = max(1, rows)
        if rows >= 1:
            return geo
        if room - 8 * out_c >= 2 * geo[_CONV_DEPTH]:  # one row of every channel, one tap
            geo[_CONV_TAPS_PER_CHUNK] = _taps_per_chunk(geo, room - 8 * out_c, 2)
            return geo
        chunk = max(1, (scratch_bytes - 2 * geo[_CONV_DEPTH]) // 12)
        geo[_CONV_CHANNELS] = chunk
        sums = 4 * min(chunk, geo[_CONV_PER_GROUP])
        geo[_CONV_TAPS_PER_CHUNK] = _taps_per_chunk(geo, scratch_bytes - 8 * chunk - sums, 2)
        return geo
    rows = min(geo[_CONV_LANES], (scratch_bytes - _tap_bytes(geo, 1)) // (4 * out_c))
    if rows < geo[_CONV_LANES]:
        rows = min(rows, 4)  # (the loops' blocks of 5 to 7 pixels take 8 rows)
    if rows * out_c < 8:  # (the thumb kernels take eight accumulators at once)
        rows = geo[_CONV_LANES] = 1
    geo[_CONV_ROWS] = rows
    geo[_CONV_TAPS_PER_CHUNK] = _taps_per_chunk(geo, scratch_bytes - 4 * rows * out_c)
    return geo


def geometry_16x8(geo):
    """The im2col geometry `geo` (for the int8 loop) made conv_16x8's: taps outside the
    input read u = 32768 (x = 0), chunks of taps fit one pixel's patch, passes of int64
    rows."""
    from . import wide  # (16x8 only: the other dtypes never load it)

    geo[_CONV_PAD_VALUE] = wide.U_OFFSET
    geo[_CONV_LANES] = 1
    geo[_CONV_TAPS_PER_CHUNK] = _taps_per_chunk(geo, PATCH_16X8_BYTES, 2)
    geo[_CONV_ROWS] = max(1, ACC_16X8_BYTES // (8 * geo[_CONV_OUT_C]))
    return geo


def im2col_scratch_bytes(geo, itemsize=1):
    """Scratch bytes of the im2col loop: accumulator rows, then a block's patches (int8,
    itemsize 1); or int64 rows, a group's int32 sums and one pixel's patch (16x8, 2)."""
    patches = _tap_bytes(geo, itemsize) * geo[_CONV_TAPS_PER_CHUNK]
    if itemsize == 2:
        chunk = geo[_CONV_CHANNELS]
        return 8 * geo[_CONV_ROWS] * chunk + 4 * min(chunk, geo[_CONV_PER_GROUP]) + patches
    return 4 * geo[_CONV_ROWS] * geo[_CONV_OUT_C] + patches


def int8_loop(context, geo):
    """The loops' int8 im2col function for geo: conv_int8, or on one lane
    conv_int8_one_lane."""
    return context.loops.conv_int8_one_lane if geo[_CONV_LANES] == 1 else context.loops.conv_int8


def im2col_args(out, x, context, weights, init, rq, geo, itemsize=1):
    """Arguments of conv_int8 (conv_16x8 for itemsize 2), layouts.conv CONV_ARG_ order:
    output and input bytes, weights laid out [O, KH, KW, filter depth]; the loop's scratch
    at the start of the op's."""
    acc_bytes = (8 * geo[_CONV_CHANNELS] if itemsize == 2 else 4 * geo[_CONV_OUT_C]) * geo[_CONV_ROWS]
    acc = context.scratch[:acc_bytes]
    im2col = context.scratch[acc_bytes : im2col_scratch_bytes(geo, itemsize)]
    return (out, x, weights, init, rq, acc, im2col, keep_ints(context, geo))


def tflm_table_bytes(channels):
    """What TFLM's CONV_2D, DEPTHWISE_CONV_2D and TRANSPOSE_CONV keep in its arena whatever
    the dtypes, at the least: their OpData (72 bytes on the host) and an int32 multiplier
    and shift per output channel (conv_common.cc)."""
    return 64 + 8 * channels


def table_bytes(weights, channels):
    """Persistent bytes of the int8 tables: int32 init per channel, then requantization."""
    scales = weights.channels()
    return 4 * channels + requant_bytes(channels if scales > 1 else 1)


def multipliers(op, x, weights, axis):
    """Requantization multipliers of a convolution, as common.requant_params takes them:
    (count, fn of channel), per channel of `axis` or one per tensor (TFLM
    PopulateConvolutionQuantizationParams)."""
    x = quantized(op, x)
    weights = quantized(op, weights)
    in_bits, out_bits = x.scale_bits(), quantized(op, op.outputs[0]).scale_bits()
    scales = per_channel(op, weights, axis)
    weight_bits = struct.unpack_from("<%dI" % scales, weights.quant[0])
    multiplier = quant.conv_multipliers(in_bits, out_bits)
    return scales, lambda c: multiplier(weight_bits[c])


def tables_16x8(op, context, x, weights, bias, axis, activation, bits=64, bias_only=False):
    """kernels/wide.tables for a 16x8 convolution (no zero points applied)."""
    from . import wide

    derived = lambda: multipliers(op, x, weights, axis)  # noqa: E731 (called only to derive)
    return wide.tables(op, context, weights, bias, axis, derived, activation, bits, bias_only=bias_only)


def int8_tables(op, context, x, weights, bias, axis, activation, bias_only=False):
    """(init bytes, rq) of the per-channel init values and requantization tables in
    context.persistent, which derive_int8_tables writes unless they are precomputed.

    axis: the weights' output-channel axis (0 for conv, 3 for depthwise); bias_only: the
    init is the bias alone, for a loop that offsets each input value by the zero point.
    """
    out = quantized(op, op.outputs[0])
    channels = weights.shape[axis]
    init_bytes = context.persistent[: 4 * channels]
    region = context.persistent[4 * channels :]
    if not context.precomputed:
        derive_int8_tables(op, context.loops, (x, weights, bias), axis, init_bytes, region, bias_only)
    lo, hi = activation_bounds(op, activation, out)
    return init_bytes, requant_tuple(region, channels if weights.channels() > 1 else 1, out, lo, hi)


def derive_int8_tables(op, loops, tensors, axis, init_bytes, region, bias_only=False):
    """Write the int32 init value of each output channel into init_bytes and its
    requantization multiplier and shift into region; tensors = (input, weights, bias or
    None). Refuses models whose accumulators could leave int32 in the loops:
    |init| <= |bias| + 255 * 128 * depth and the products add at most as much again (depth:
    weights per output channel), so |bias| + 65280 * depth must stay below 2**31."""
    x, weights, bias = tensors
    channels = weights.shape[axis]
    depth = weights.size // channels
    if axis == 0:  # [O, KH, KW, I]: a channel's weights are contiguous
        loops.weight_sums(weights.data, channels, depth, depth, 1, init_bytes)
    else:  # [1, KH, KW, O]: a channel's weights are `channels` apart
        loops.weight_sums(weights.data, channels, depth, 1, channels, init_bytes)
    # the model's int32s may sit at any address (a board loads words aligned only): unpacked
    biases = struct.unpack_from("<%di" % channels, bias.data) if bias else bytes(channels)
    zp = 0 if bias_only else quantized(op, x).zero_point + 128
    init = int32_view(init_bytes)
    largest_bias = 0
    for c in range(channels):
        b = biases[c]
        if b > largest_bias or -b > largest_bias:
            largest_bias = b if b > 0 else -b
        init[c] = b - zp * init[c]
    if largest_bias + 65280 * depth > INT32_MAX:
        unsupported(
            "int32 accumulators of %d products with bias up to %d could overflow"
            % (depth, largest_bias)
        )
    write_multipliers(region, multipliers(op, x, weights, axis), largest_bias + 32640 * depth)


def float_limits(activation):
    """(lo, hi) of a fused activation on float32 outputs, infinite where unbounded.

    The float loops clamp with min(max(v, lo), hi), as TFLM's ActivationFunctionWithMinMax.
    """
    lo, hi = float_bounds(activation)
    inf = float("inf")
    return (-inf if lo is None else lo), (inf if hi is None else hi)


def float_args(buffers, geo, steps, activation):
    """Arguments of the loops' conv_float32 for the im2col geometry `geo`; buffers = bytes
    of (output, input, weights, bias or None); steps = (elements from one output channel's
    weights to the next, from one tap's to the next)."""
    out, x, weights, bias = buffers
    views = (
        float32_view(out),
        float32_view(x),
        float32_view(weights),
        float32_view(bias) if bias else None,
    )
    sizes = (
        (geo[_CONV_IN_H], geo[_CONV_IN_W], geo[_CONV_IN_C]),
        (geo[_CONV_OUT_H], geo[_CONV_OUT_W], geo[_CONV_OUT_C], geo[_CONV_PIXELS]),
        (geo[_CONV_KH], geo[_CONV_KW], geo[_CONV_DEPTH], geo[_CONV_PER_GROUP]) + steps,
        (geo[_CONV_STRIDE_H], geo[_CONV_STRIDE_W], geo[_CONV_DILATION_H], geo[_CONV_DILATION_W]),
        (geo[_CONV_PAD_TOP], geo[_CONV_PAD_LEFT]),
    )
    return views + sizes + float_limits(activation) + (array.array("f", (0.0, 0.0)),)
