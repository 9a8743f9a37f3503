"""FULLY_CONNECTED (TFLM fully_connected_common.cc, reference/integer_ops/fully_connected.h).

int8: per-tensor or per-channel weights, optional int32 bias. 16x8 (int16 input and
output, int8 weights): per-tensor or per-channel, with an int64 bias (or none: int64 sums)
or an int32 one (or none and quantized_bias_type INT32: int32 sums, wrapping as TFLM's);
the zero points applied as TFLM does (kernels/wide.py). float32: float32 products summed in
float32, as TFLM's reference loop (the loops' conv_float32 on a 1x1 convolution over the
batches). The output shape comes from the flatbuffer: batches = output size / units.
"""

import struct

from .. import quant
from .common import (
    activation_bounds,
    arity,
    io_types,
    per_channel,
    quantized,
    require,
    requant_bytes,
    requant_tuple,
    unsupported,
    write_multipliers,
)

_OPTIONS = "FullyConnectedOptions"
_SUPPORTED = (
    "int8,int8->int8",
    "int8,int8,int32->int8",
    "int16,int8->int16",
    "int16,int8,int64->int16",
    "int16,int8,int32->int16",
    "float32,float32->float32",
    "float32,float32,float32->float32",
)


def check(op, requests):
    arity(op, (2, 3), 1)
    types = io_types(op)
    if types not in _SUPPORTED:
        if op.inputs[0].dtype == "float32" and op.inputs[1].dtype == "int8":
            unsupported("hybrid: float32 input with int8 weights")
        unsupported(types)
    if op.option(_OPTIONS, 1, "b", 0) != 0:
        unsupported("shuffled weights format")
    weights = op.inputs[1]
    if weights.data is None:
        unsupported("non-constant weights")
    require(len(weights.shape) == 2, op, "weights must be 2-D, got shape %s", (weights.shape,))
    units, depth = weights.shape
    x, out = op.inputs[0], op.outputs[0]
    require(depth > 0 and x.size % depth == 0, op, "input %s does not split into rows of %d", (x.shape, depth))
    require(out.size == x.size // depth * units, op, "output %s does not match %d rows of %d units", (out.shape, x.size // depth, units))
    bias = op.inputs[2] if len(op.inputs) > 2 else None
    require(bias is None or bias.size == units, op, "bias has %d values for %d units", (bias.size if bias else 0, units))
    if out.dtype == "int8":
        requests.persistent(requant_bytes(units if weights.channels() > 1 else 1))
    if out.dtype == "int16":
        from . import wide  # (16x8 only: the other dtypes never load it)

        if x.is_constant:
            unsupported("constant int16 input")  # the loop reads it by halfwords: it must be aligned
        if wide.accumulator_bits(bias, op.option(_OPTIONS, 4, "b", 0)) == 64:
            wide.check_shifts(_multipliers(op, *_quantized_tensors(op)[:3]))
        requests.persistent(wide.table_bytes(units, weights.channels()))


def prepare(op, context):
    dtype = op.outputs[0].dtype
    if dtype == "int8":
        return _prepare_int8(op, context)
    if dtype == "int16":
        return _prepare_16x8(op, context)
    return _prepare_float(op, context)


def _multipliers(op, x, weights, out):
    """(units, fn) per channel, or [one] per tensor (its product rounded to float32)."""
    units = weights.shape[0]
    in_bits, out_bits = x.scale_bits(), out.scale_bits()
    if per_channel(op, weights, 0) > 1:
        weight_bits = struct.unpack_from("<%dI" % units, weights.quant[0])
        multiplier = quant.conv_multipliers(in_bits, out_bits)
        return (units, lambda u: multiplier(weight_bits[u]))
    if weights.zero_point != 0:
        unsupported("int8 weights with non-zero zero point")
    return [quant.fc_per_tensor_multiplier(in_bits, weights.scale_bits(), out_bits)]


def _quantized_tensors(op):
    """(input, weights, output, bias or None), the first three quantized."""
    bias = op.inputs[2] if len(op.inputs) > 2 else None
    return quantized(op, op.inputs[0]), quantized(op, op.inputs[1]), quantized(op, op.outputs[0]), bias


def _prepare_int8(op, context):
    x, weights, out, bias = _quantized_tensors(op)
    units, depth = weights.shape
    lo, hi = activation_bounds(op, op.option(_OPTIONS, 0, "b", 0), out)
    if not context.precomputed:
        _derive_tables(op, context.persistent)
    channels = units if weights.channels() > 1 else 1
    rq = requant_tuple(context.persistent, channels, out, lo, hi)
    batches = x.size // depth
    acc = context.acc
    bias_data = bias.data if bias else acc
    args = (out.data, x.data, weights.data, bias_data, 1 if bias else 0, acc, len(acc) // 4)
    return context.loops.fully_connected_int8, args + (batches, depth, units, x.zero_point, rq)


def _derive_tables(op, region):
    """Write the requantization multipliers and shifts into region; refuses accumulators
    that could overflow int32."""
    x, weights, out, bias = _quantized_tensors(op)
    units, depth = weights.shape
    largest_bias = 0
    # the model's int32s may sit at any address (a board loads words aligned only): unpacked
    for b in struct.unpack_from("<%di" % units, bias.data) if bias else ():
        if b > largest_bias or -b > largest_bias:
            largest_bias = b if b > 0 else -b
    write_multipliers(region, _multipliers(op, x, weights, out), largest_bias + 128 * 255 * depth)


def _prepare_16x8(op, context):
    from . import wide

    x, weights, out, bias = _quantized_tensors(op)
    units, depth = weights.shape
    bits = wide.accumulator_bits(bias, op.option(_OPTIONS, 4, "b", 0))
    activation = op.option(_OPTIONS, 0, "b", 0)
    zero_points = (x.zero_point, out.zero_point)
    derived = lambda: _multipliers(op, x, weights, out)  # noqa: E731 (called only to derive)
    init, rq = wide.tables(op, context, weights, bias, 0, derived, activation, bits, zero_points)
    acc = context.acc
    chunk = len(acc) // 12  # int64 accumulators, then the loop's int32 sums
    args = (out.data, x.data, weights.data, init, 1, acc, chunk, x.size // depth, depth, units, 0, rq)
    return context.loops.fully_connected_16x8, args


def _prepare_float(op, context):
    from . import conv_common

    x, out = op.inputs[0], op.outputs[0]
    units, depth = op.inputs[1].shape
    batches = x.size // depth
    geo = conv_common.im2col_geometry(
        (1, 1, batches, depth), (1, 1, batches, units), (1, 1, depth, 1), (1, 1), (1, 1), (0, 0), 0
    )
    steps = (depth, depth)  # weights [units, depth]: a unit's row, the one tap
    activation = op.option(_OPTIONS, 0, "b", 0)
    bias = op.inputs[2] if len(op.inputs) > 2 else None
    buffers = (out.data, x.data, op.inputs[1].data, bias.data if bias else None)
    return context.loops.conv_float32, conv_common.float_args(buffers, geo, steps, activation)
