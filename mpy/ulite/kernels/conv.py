"""CONV_2D (TFLM conv_common.cc, reference/integer_ops/conv.h, reference/conv.h).

int8: per-channel (dim 0) or per-tensor int8 weights, optional int32 bias, strides,
dilations, SAME/VALID padding, grouped convolution (filter depth dividing the input depth),
fused activations. float32: TFLM's reference loops with float32 rounding (the loops'
conv_float32).

The int8 loops take 8 output pixels at a time (4 with more filters than
conv_common.WIDE_LANES_UP_TO, to keep the accumulator rows small): their patches are
gathered (im2col, padding with the input zero point) into the op's scratch, in chunks of
taps of at most conv_common.IM2COL_BYTES, and every filter runs over all of the block's
patches at once. The dot products land in rows of int32 accumulators (one per output
pixel, also in the scratch) that `requantize` turns into outputs.
"""

from . import conv_common, padding
from .common import arity, require

_OPTIONS = "Conv2DOptions"


def _options(op):
    read = op.option
    return (
        read(_OPTIONS, 0, "b", 0),  # padding
        (read(_OPTIONS, 2, "i", 0), read(_OPTIONS, 1, "i", 0)),  # strides (h, w)
        (read(_OPTIONS, 5, "i", 1), read(_OPTIONS, 4, "i", 1)),  # dilations (h, w)
        read(_OPTIONS, 3, "b", 0),  # fused activation
    )


def _geometry(op):
    """Validated shapes, padding and grouping, as the im2col geometry."""
    x, weights, out = op.inputs[0], op.inputs[1], op.outputs[0]
    pad, strides, dilations, _ = _options(op)
    batches, in_h, in_w, in_c = x.shape
    out_c, kh, kw, depth = weights.shape
    out_b, out_h, out_w, out_c2 = out.shape
    require(
        out_b == batches and out_c2 == out_c,
        op,
        "output %s does not match input %s and %d filters" % (out.shape, x.shape, out_c),
    )
    require(
        depth > 0 and in_c % depth == 0,
        op,
        "filter depth %d does not divide input depth %d" % (depth, in_c),
    )
    groups = in_c // depth
    require(out_c % groups == 0, op, "%d filters do not split into %d groups" % (out_c, groups))
    pads = padding.window(op, pad, strides, dilations, (in_h, in_w), (kh, kw))
    zp = op.inputs[0].zero_point if x.dtype == "int8" else 0
    return conv_common.im2col_geometry(
        x.shape, out.shape, (kh, kw, depth, groups), strides, dilations, pads, zp
    )


def check(op, requests):
    arity(op, (2, 3), 1)
    channels = op.inputs[1].shape[0] if len(op.inputs[1].shape) == 4 else 0
    is_int8 = conv_common.check_types(op, channels)
    geo = _geometry(op)
    if is_int8:
        requests.persistent(conv_common.table_bytes(op, channels))
        requests.ints(geo)
        requests.scratch(conv_common.im2col_scratch_bytes(geo))


def prepare(op, context):
    geo = _geometry(op)
    _, _, _, activation = _options(op)
    _, kh, kw, depth = op.inputs[1].shape
    filter_size = kh * kw * depth
    if op.outputs[0].dtype == "float32":
        steps = (filter_size, depth)  # weights [O, KH, KW, depth]
        return context.loops.conv_float32, conv_common.float_args(op, geo, steps, activation)
    init, rq = conv_common.int8_tables(op, context, 0, filter_size, activation)
    args = conv_common.im2col_args(op, context, op.inputs[1].data, init, rq, geo)
    return context.loops.conv_int8, args
