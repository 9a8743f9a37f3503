"""What CONV_2D and DEPTHWISE_CONV_2D share: dtype checks and per-channel int8 tables.

The int8 loops accumulate in the "unsigned input" domain u = x + 128 (0..255): with
zp' = input_zp + 128, TFLM's accumulator bias + sum(w * (x - input_zp)) equals
init + sum(w * u) for init = bias - zp' * sum(w), one int32 per output channel. A tap
outside the input then contributes exactly zero if it reads zp' instead of being skipped.
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
    requant_tuple,
    require,
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
_CONV_FIELDS = const(22)

BLOCK = 8  # output pixels the int8 conv loop computes at once (im2col holds 8 lanes)
WIDE_LANES_UP_TO = 128  # more output channels: 4 lanes, halving the accumulator rows
IM2COL_BYTES = 4096  # gathered patches of one block at most (taps are chunked to fit)
# accumulators requantized together (at least a block's worth of rows): more barely speeds
# the loops, and the rows are scratch that the arena needs beside the op's activations
ACC_INTS = 256

SUPPORTED = (
    "int8,int8->int8",
    "int8,int8,int32->int8",
    "float32,float32->float32",
    "float32,float32,float32->float32",
)


def check_types(op, channels):
    """Refuse what ulite cannot run; require 4-D tensors and a bias of `channels` values."""
    x, weights, out = op.inputs[0], op.inputs[1], op.outputs[0]
    types = io_types(op)
    if types not in SUPPORTED:
        if x.dtype == "float32" and weights.dtype in ("int8", "uint8"):
            unsupported("hybrid: float32 input with %s weights" % weights.dtype)
        unsupported(types)
    for t in (x, weights, out):
        require(
            len(t.shape) == 4 and t.size > 0,
            op,
            "tensor %d '%s' must be 4-D and not empty, has shape %s" % (t.index, t.name, t.shape),
        )
    if weights.data is None:
        unsupported("non-constant weights")
    bias = op.inputs[2] if len(op.inputs) > 2 else None
    require(
        bias is None or bias.size == channels,
        op,
        "bias has %d values for %d output channels" % (bias.size if bias else 0, channels),
    )
    return x.dtype == "int8"


def im2col_geometry(in_shape, out_shape, filters, strides, dilations, pads, zp):
    """The int32 geometry of the im2col loop (layouts.conv CONV_ fields).

    filters = (kh, kw, filter depth, groups); strides, dilations: (h, w); pads = (top,
    left); zp: the input's.
    """
    batches, in_h, in_w, in_c = in_shape
    out_c = out_shape[3]
    kh, kw, depth, groups = filters
    taps = kh * kw
    most = max(1, IM2COL_BYTES // (BLOCK * depth))  # taps per chunk that fit
    chunks = (taps + most - 1) // most
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
    geo[_CONV_TAPS_PER_CHUNK] = (taps + chunks - 1) // chunks
    geo[_CONV_PIXELS] = batches * out_shape[1] * out_shape[2]
    geo[_CONV_ROWS] = max(1, ACC_INTS // (lanes * out_c)) * lanes
    geo[_CONV_LANES] = lanes
    return geo


def im2col_scratch_bytes(geo):
    """Scratch bytes of the im2col loop: accumulator rows, then a block's patches."""
    patches = BLOCK * geo[_CONV_DEPTH] * geo[_CONV_TAPS_PER_CHUNK]
    return 4 * geo[_CONV_ROWS] * geo[_CONV_OUT_C] + patches


def im2col_args(op, context, weights, init, rq, geo):
    """Arguments of conv_int8 (layouts.conv CONV_ARG_ order): weights laid out [O, KH, KW,
    filter depth]."""
    acc_bytes = 4 * geo[_CONV_ROWS] * geo[_CONV_OUT_C]
    acc = context.scratch[:acc_bytes]
    im2col = context.scratch[acc_bytes : im2col_scratch_bytes(geo)]
    out, x = op.outputs[0].data, op.inputs[0].data
    return (out, x, weights, init, rq, acc, im2col, keep_ints(context, geo))


def table_bytes(op, channels):
    """Persistent bytes of the int8 tables: int32 init per channel, then requantization."""
    scales = op.inputs[1].channels()
    return 4 * channels + requant_bytes(channels if scales > 1 else 1)


def int8_tables(op, context, axis, depth, activation):
    """(init bytes, rq) of the per-channel init values and requantization tables in
    context.persistent, which derive_int8_tables writes unless they are precomputed.

    axis: the weights' output-channel axis (0 for conv, 3 for depthwise); depth: weights
    summed per output channel.
    """
    weights = op.inputs[1]
    out = quantized(op, op.outputs[0])
    channels = weights.shape[axis]
    init_bytes = context.persistent[: 4 * channels]
    region = context.persistent[4 * channels :]
    if not context.precomputed:
        derive_int8_tables(op, context, axis, depth, init_bytes, region)
    lo, hi = activation_bounds(op, activation, out)
    return init_bytes, requant_tuple(region, channels if weights.channels() > 1 else 1, out, lo, hi)


def derive_int8_tables(op, context, axis, depth, init_bytes, region):
    """Write the int32 init value of each output channel into init_bytes and its
    requantization multiplier and shift into region. Refuses models whose accumulators
    could leave int32 in the loops: |init| <= |bias| + 255 * 128 * depth and the products
    add at most as much again, so |bias| + 65280 * depth must stay below 2**31."""
    x = quantized(op, op.inputs[0])
    weights = quantized(op, op.inputs[1])
    out = op.outputs[0]
    bias = op.inputs[2] if len(op.inputs) > 2 else None
    channels = weights.shape[axis]
    scales = per_channel(op, weights, axis)
    in_bits, out_bits = x.scale_bits(), out.scale_bits()
    weight_bits = struct.unpack_from("<%dI" % scales, weights.quant[0])
    conv_multiplier = quant.conv_multiplier
    multipliers = (scales, lambda c: conv_multiplier(in_bits, weight_bits[c], out_bits))
    if axis == 0:  # [O, KH, KW, I]: a channel's weights are contiguous
        context.loops.weight_sums(weights.data, channels, depth, depth, 1, init_bytes)
    else:  # [1, KH, KW, O]: a channel's weights are `channels` apart
        context.loops.weight_sums(weights.data, channels, depth, 1, channels, init_bytes)
    # the model's int32s may sit at any address (a board loads words aligned only): unpacked
    biases = struct.unpack_from("<%di" % channels, bias.data) if bias else bytes(channels)
    zp = x.zero_point + 128
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
    write_multipliers(region, multipliers, largest_bias + 32640 * depth)


def float_limits(activation):
    """(lo, hi) of a fused activation on float32 outputs, infinite where unbounded.

    The float loops clamp with min(max(v, lo), hi), as TFLM's ActivationFunctionWithMinMax.
    """
    lo, hi = float_bounds(activation)
    inf = float("inf")
    return (-inf if lo is None else lo), (inf if hi is None else hi)


def float_args(op, geo, steps, activation):
    """Arguments of the loops' conv_float32 for the im2col geometry `geo`; steps = (elements
    from one output channel's weights to the next, from one tap's to the next)."""
    bias = op.inputs[2] if len(op.inputs) > 2 else None
    views = (
        float32_view(op.outputs[0].data),
        float32_view(op.inputs[0].data),
        float32_view(op.inputs[1].data),
        float32_view(bias.data) if bias else None,
    )
    sizes = (
        (geo[_CONV_IN_H], geo[_CONV_IN_W], geo[_CONV_IN_C]),
        (geo[_CONV_OUT_H], geo[_CONV_OUT_W], geo[_CONV_OUT_C], geo[_CONV_PIXELS]),
        (geo[_CONV_KH], geo[_CONV_KW], geo[_CONV_DEPTH], geo[_CONV_PER_GROUP]) + steps,
        (geo[_CONV_STRIDE_H], geo[_CONV_STRIDE_W], geo[_CONV_DILATION_H], geo[_CONV_DILATION_W]),
        (geo[_CONV_PAD_TOP], geo[_CONV_PAD_LEFT]),
    )
    return views + sizes + float_limits(activation) + (array.array("f", (0.0, 0.0)),)
