"""CONV_2D (TFLM conv_common.cc, reference/integer_ops/conv.h, reference/conv.h).

int8: per-channel (dim 0) or per-tensor int8 weights, optional int32 bias, strides,
dilations, SAME/VALID padding, grouped convolution (filter depth dividing the input depth),
fused activations. 16x8 (int16 input and output, int8 weights): the same options, with an
int64 bias (or none: int64 sums), or an int32 one (or none and quantized_bias_type INT32:
int32 sums, wrapping as TFLM's); no zero points applied, as TFLM (kernels/wide.py).
float32: TFLM's reference loops with float32 rounding (the loops' conv_float32).

The int8 loops take 8 output pixels at a time (4 with more filters than
conv_common.WIDE_LANES_UP_TO, to keep the accumulator rows small): their patches are
gathered (im2col, padding with the input zero point) into the op's scratch, in chunks of
taps of at most conv_common.IM2COL_BYTES, and every filter runs over all of the block's
patches at once. The dot products land in rows of int32 accumulators (one per output
pixel, also in the scratch) that `requantize` turns into outputs. The 16x8 loop gathers one
output pixel's int16 patch at a time and keeps int64 accumulator rows (conv_16x8). Where
the scratch would make the arena larger than TFLM's could be, the plan grants less
(planner.plan_shrinking) and the loops make do with fewer rows, shorter chunks of taps,
one lane (int8: conv_int8_one_lane, one row of accumulators, reading the input where it
lies) or chunks of channels (16x8): conv_common.fit_scratch.
"""

from . import conv_common, padding
from .common import arity, refuse

_OPTIONS = "Conv2DOptions"


def _options(op):
    read = op.option
    return (
        read(_OPTIONS, 0, "b", 0),  # padding
        (read(_OPTIONS, 2, "i", 0), read(_OPTIONS, 1, "i", 0)),  # strides (h, w)
        (read(_OPTIONS, 5, "i", 1), read(_OPTIONS, 4, "i", 1)),  # dilations (h, w)
        read(_OPTIONS, 3, "b", 0),  # fused activation
        read(_OPTIONS, 6, "b", 0),  # quantized_bias_type (16x8 without a bias)
    )


def _geometry(op):
    """Validated shapes, padding and grouping, as the im2col geometry."""
    x, weights, out = op.inputs[0], op.inputs[1], op.outputs[0]
    pad, strides, dilations, _, _ = _options(op)
    batches, in_h, in_w, in_c = x.shape
    out_c, kh, kw, depth = weights.shape
    out_b, out_h, out_w, out_c2 = out.shape
    if out_b != batches or out_c2 != out_c:
        refuse(op, "output %s does not match input %s and %d filters" % (out.shape, x.shape, out_c))
    if depth <= 0 or in_c % depth:
        refuse(op, "filter depth %d does not divide input depth %d" % (depth, in_c))
    groups = in_c // depth
    if out_c % groups:
        refuse(op, "%d filters do not split into %d groups" % (out_c, groups))
    pads = padding.window(op, pad, strides, dilations, (in_h, in_w), (kh, kw))
    zp = op.inputs[0].zero_point if x.dtype == "int8" else 0
    geo = conv_common.im2col_geometry(
        x.shape, out.shape, (kh, kw, depth, groups), strides, dilations, pads, zp
    )
    return conv_common.geometry_16x8(geo) if x.dtype == "int16" else geo


def check(op, requests):
    arity(op, (2, 3), 1)
    weights = op.inputs[1]
    channels = weights.shape[0] if len(weights.shape) == 4 else 0
    dtype = conv_common.check_types(op, channels)
    requests.tflm_tables(conv_common.tflm_table_bytes(channels))
    geo = _geometry(op)
    if dtype == "float32":
        return
    if dtype == "int16":
        from . import wide  # (16x8 only: the other dtypes never load it)

        if wide.accumulator_bits(conv_common.conv_inputs(op)[2], _options(op)[4]) == 64:
            wide.check_shifts(conv_common.multipliers(op, op.inputs[0], weights, 0))
        requests.persistent(wide.table_bytes(channels, weights.channels()))
    else:
        requests.persistent(conv_common.table_bytes(weights, channels))
    requests.ints(geo)
    itemsize = 2 if dtype == "int16" else 1
    least = conv_common.least_scratch_bytes(geo, itemsize)
    requests.scratch(conv_common.im2col_scratch_bytes(geo, itemsize), least)


def prepare(op, context):
    geo = _geometry(op)
    activation, bias_type = _options(op)[3:]
    x, weights, bias = conv_common.conv_inputs(op)
    out = op.outputs[0]
    _, kh, kw, depth = weights.shape
    if out.dtype == "float32":
        steps = (kh * kw * depth, depth)  # weights [O, KH, KW, depth]
        buffers = (out.data, x.data, weights.data, bias.data if bias else None)
        return context.loops.conv_float32, conv_common.float_args(buffers, geo, steps, activation)
    if out.dtype == "int16":
        from . import wide

        bits = wide.accumulator_bits(bias, bias_type)
        init, rq = conv_common.tables_16x8(op, context, x, weights, bias, 0, activation, bits)
        geo = conv_common.fit_scratch(geo, len(context.scratch), 2)
        args = conv_common.im2col_args(out.data, x.data, context, weights.data, init, rq, geo, 2)
        return context.loops.conv_16x8, args
    init, rq = conv_common.int8_tables(op, context, x, weights, bias, 0, activation)
    geo = conv_common.fit_scratch(geo, len(context.scratch))
    args = conv_common.im2col_args(out.data, x.data, context, weights.data, init, rq, geo)
    return conv_common.int8_loop(context, geo), args
