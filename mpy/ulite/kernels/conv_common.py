"""What CONV_2D and DEPTHWISE_CONV_2D share: dtype checks and per-channel int8 tables.

The int8 loops accumulate in the "unsigned input" domain u = x + 128 (0..255): with
zp' = input_zp + 128, TFLM's accumulator bias + sum(w * (x - input_zp)) equals
init + sum(w * u) for init = bias - zp' * sum(w), one int32 per output channel. A tap
outside the input then contributes exactly zero if it reads zp' instead of being skipped.
"""

import array

from .. import quant
from ..views import float32_view, int32_view
from .common import (
    activation_bounds,
    float_bounds,
    io_types,
    keep_ints,
    per_channel,
    quantized,
    requant_bytes,
    requant_params,
    require,
    unsupported,
)

SUPPORTED = (
    "int8,int8->int8",
    "int8,int8,int32->int8",
    "float32,float32->float32",
    "float32,float32,float32->float32",
)
BLOCK = 8  # output pixels the int8 conv loop computes at once (im2col holds 8 lanes)
WIDE_LANES_UP_TO = 128  # more output channels: 4 lanes, halving the accumulator rows
IM2COL_BYTES = 4096  # gathered patches of one block at most (taps are chunked to fit)
# accumulators requantized together (at least a block's worth of rows): more barely speeds
# the loops, and the rows are scratch that the arena needs beside the op's activations
ACC_INTS = 256
_INT32_LIMIT = 1 << 31


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
    """The int32 geometry of the im2col loop (conv_int8; layout in the loops' conv).

    filters = (kh, kw, filter depth, groups); pads = (top, left); zp: the input's.
    """
    batches, in_h, in_w, in_c = in_shape
    out_h, out_w, out_c = out_shape[1], out_shape[2], out_shape[3]
    kh, kw, depth, groups = filters
    taps = kh * kw
    most = max(1, IM2COL_BYTES // (BLOCK * depth))  # taps per chunk that fit
    chunks = (taps + most - 1) // most
    per_chunk = (taps + chunks - 1) // chunks
    lanes = BLOCK if out_c <= WIDE_LANES_UP_TO else 4
    rows = max(1, ACC_INTS // (lanes * out_c)) * lanes
    return array.array(
        "i",
        (
            in_h, in_w, in_c, out_h, out_w, out_c, kh, kw, depth, out_c // groups, groups,
            strides[0], strides[1], dilations[0], dilations[1], pads[0], pads[1],
            zp + 128, per_chunk, batches * out_h * out_w, rows, lanes,
        ),
    )  # fmt: skip


def im2col_scratch_bytes(geo):
    """Scratch bytes of the im2col loop: accumulator rows, then a block's patches."""
    return 4 * geo[20] * geo[5] + BLOCK * geo[8] * geo[18]


def im2col_args(op, weights, init, rq, geo):
    """Arguments of conv_int8: weights laid out [O, KH, KW, filter depth]."""
    acc_bytes = 4 * geo[20] * geo[5]
    acc = op.scratch[:acc_bytes]
    im2col = op.scratch[acc_bytes : im2col_scratch_bytes(geo)]
    return (op.outputs[0].data, op.inputs[0].data, weights, init, rq, acc, im2col, keep_ints(op, geo))


def table_bytes(op, channels):
    """Persistent bytes of the int8 tables: int32 init per channel, then requantization."""
    scales = op.inputs[1].channels()
    return 4 * channels + requant_bytes(channels if scales > 1 else 1)


def int8_tables(op, axis, depth, activation):
    """Fill op.persistent with the per-channel init values and requantization params.

    axis: the weights' output-channel axis (0 for conv, 3 for depthwise); depth: weights
    summed per output channel. Returns (init bytes, rq). Refuses models whose accumulators
    could leave int32 in the loops: |init| <= |bias| + 255 * 128 * depth and the products add
    at most as much again, so |bias| + 65280 * depth must stay below 2**31.
    """
    x = quantized(op, op.inputs[0])
    weights = quantized(op, op.inputs[1])
    out = quantized(op, op.outputs[0])
    bias = op.inputs[2] if len(op.inputs) > 2 else None
    channels = weights.shape[axis]
    in_bits, out_bits = x.scale_bits(), out.scale_bits()
    if per_channel(op, weights, axis) > 1:
        multipliers = (
            channels,
            lambda c: quant.conv_multiplier(in_bits, weights.scale_bits(c), out_bits),
        )
    else:
        multipliers = [quant.conv_multiplier(in_bits, weights.scale_bits(), out_bits)]
    init_bytes = op.persistent[: 4 * channels]
    if axis == 0:  # [O, KH, KW, I]: a channel's weights are contiguous
        op.loops.weight_sums(weights.data, channels, depth, depth, 1, init_bytes)
    else:  # [1, KH, KW, O]: a channel's weights are `channels` apart
        op.loops.weight_sums(weights.data, channels, depth, 1, channels, init_bytes)
    biases = int32_view(bias.data) if bias else None
    largest_bias = 0
    for c in range(channels if bias else 0):
        largest_bias = max(largest_bias, abs(biases[c]))
    if largest_bias + 65280 * depth >= _INT32_LIMIT:
        unsupported(
            "int32 accumulators of %d products with bias up to %d could overflow"
            % (depth, largest_bias)
        )
    zp = x.zero_point + 128
    init = int32_view(init_bytes)
    for c in range(channels):
        init[c] = (biases[c] if bias else 0) - zp * init[c]
    lo, hi = activation_bounds(op, activation, out)
    region = op.persistent[4 * channels :]
    rq = requant_params(region, multipliers, out, lo, hi, largest_bias + 32640 * depth)
    return init_bytes, rq


def float_limits(activation):
    """(lo, hi) of a fused activation on float32 outputs, infinite where unbounded.

    The float loops clamp with min(max(v, lo), hi), as TFLM's ActivationFunctionWithMinMax.
    """
    lo, hi = float_bounds(activation)
    inf = float("inf")
    return (-inf if lo is None else lo), (inf if hi is None else hi)


def float_args(op, geo, activation):
    """Arguments of the float32 loops: views of (out, x, weights, bias or None), geometry,
    clamp limits, and a float32 scratch array that rounds every sum as TFLM's floats do."""
    bias = op.inputs[2] if len(op.inputs) > 2 else None
    views = (
        float32_view(op.outputs[0].data),
        float32_view(op.inputs[0].data),
        float32_view(op.inputs[1].data),
        float32_view(bias.data) if bias else None,
    )
    return views + (geo,) + float_limits(activation) + (array.array("f", (0.0, 0.0)),)
