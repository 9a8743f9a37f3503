"""What the 16x8 kernels share (int16 activations, int8 weights: CONV_2D, DEPTHWISE_CONV_2D,
FULLY_CONNECTED, TRANSPOSE_CONV): TFLM's choice of accumulator, and the tables the loops'
requantize_wide reads.

TFLM sums the int16 x int8 products in int64 (an int64 or int16 bias, or none) and
requantizes with its int64 MultiplyByQuantizedMultiplier (quant.mbqm64); with an int32 bias,
or none and quantized_bias_type INT32 (CONV_2D, FULLY_CONNECTED), it sums in int32, which
wraps, and requantizes as the int8 kernels do. The loops keep an exact int64 accumulator
per output either way (loops' wide.py; an int32 sum is its low word). They sum products
with u = x + 32768 (0..65535: the input's sign bit flipped, no sign extension per product),
from the init written here: bias - (zp + 32768) x the channel's weight sum, zp being the
input zero point the kernel subtracts (FULLY_CONNECTED's; TFLM's 16x8 convolutions ignore
both zero points), so init + sum(w * u) = bias + sum(w * (x - zp)).
"""

import struct

from .. import quant
from ..tensor import INT32_MAX
from ..views import int32_view
from .common import activation_bounds, requant_bytes, unsupported, write_multipliers

INT32 = 2  # the schema's TensorType code of an int32 quantized_bias_type
LARGEST_PRODUCT = 1 << 23  # |w * (x - input zero point)|: int8 weights, int16 inputs
U_OFFSET = 32768  # u = x + U_OFFSET
_BIAS_FORMATS = {"int64": "<q", "int32": "<i", "int16": "<h"}


def accumulator_bits(bias, quantized_bias_type=0):
    """64, or 32 where TFLM sums in int32."""
    if bias is not None:
        return 32 if bias.dtype == "int32" else 64
    return 32 if quantized_bias_type == INT32 else 64


def check_shifts(multipliers):
    """Refuse a requantization shift the int64 path cannot take (from check(), so that
    inspect names it); multipliers as common.requant_params takes them."""
    count, multiplier_of = _listed(multipliers)
    for c in range(count):
        shift = multiplier_of(c)[1]
        if shift >= quant.WIDE_SHIFT_LIMIT:
            unsupported("requantization shift %d (scale ratio of 2**%d or more)" % (shift, shift - 1))


def _listed(multipliers):
    """(count, fn of c) of multipliers given as a list or as (count, fn)."""
    if callable(multipliers[-1]):
        return multipliers
    return len(multipliers), lambda c: multipliers[c]


def table_bytes(channels, scales):
    """Persistent bytes of tables(): an int64 init per output channel, then requantization
    tables for `scales` multipliers (1 when per-tensor)."""
    return 8 * channels + requant_bytes(channels if scales > 1 else 1)


def tables(op, context, weights, bias, axis, multipliers, activation, bits, zero_points=(0, 0), bias_only=False):
    """(init bytes, rq in layouts.requant order with RQ_ACC_BITS) of the 16x8 loops' tables
    in context.persistent (table_bytes long), which derive_tables writes unless they are
    precomputed.

    weights: the weights tensor, output channels on `axis` (0: [O, ..., depth] or 3:
    [1, KH, KW, O]); bias: its tensor or None; multipliers: a function returning them as
    common.requant_params takes them (their shifts passed check_shifts); bits: 64, or 32
    where TFLM sums in int32; zero_points: (input, output) as the kernel applies them
    (TFLM's convolutions apply none); bias_only: the init is the bias alone, for a loop
    that sums w * x itself (TRANSPOSE_CONV's scatter).
    """
    channels = weights.shape[axis]
    init = context.persistent[: 8 * channels]
    region = context.persistent[8 * channels :]
    if not context.precomputed:
        tensors = (weights, bias, axis)
        derive_tables(op, context.loops, tensors, multipliers(), bits, zero_points, init, region, bias_only)
    out = op.outputs[0]
    lo, hi = activation_bounds(op, activation, out)
    return init, (region, weights.channels(), zero_points[1], lo, hi, out.itemsize, bits)


def derive_tables(op, loops, tensors, multipliers, bits, zero_points, init, region, bias_only=False):
    """Write each output channel's int64 init into `init` and the requantization tables
    into `region`; tensors = (weights, bias or None, output-channel axis). With int32
    accumulation, refuses what could leave int32 in requantize."""
    weights, bias, axis = tensors
    channels = weights.shape[axis]
    depth = weights.size // channels
    input_zp, output_zp = zero_points
    if axis == 0:
        loops.weight_sums(weights.data, channels, depth, depth, 1, init)
    else:
        loops.weight_sums(weights.data, channels, depth, 1, channels, init)
    sums = int32_view(init)
    fmt = _BIAS_FORMATS[bias.dtype] if bias else None
    largest = 0
    for c in range(channels - 1, -1, -1):  # down: int64 c overwrites int32 sums 2c, 2c + 1
        value = struct.unpack_from(fmt, bias.data, bias.itemsize * c)[0] if bias else 0
        largest = max(largest, abs(value - input_zp * sums[c]))
        if not bias_only:
            value -= (input_zp + U_OFFSET) * sums[c]
        struct.pack_into("<q", init, 8 * c, quant.wrap(value, 64))
    if bits == 32:
        largest = min(largest + LARGEST_PRODUCT * depth, INT32_MAX)
        count = write_multipliers(region, multipliers, largest)
        for c in range(count):  # MBQM(x) + the zero point within int32 too
            shift = (region[4 * count + c] ^ 0x80) - 0x80
            if ((largest << max(shift, 0)) >> max(-shift, 0)) + 1 + abs(output_zp) > INT32_MAX:
                unsupported("int32 accumulators with zero point %d overflow int32" % output_zp)
        return
    count, multiplier_of = _listed(multipliers)
    reduced = int32_view(region[: 4 * count])
    rights = region[4 * count : 5 * count]
    for c in range(count):  # shifts within WIDE_SHIFT_LIMIT: check_shifts ran at check time
        reduced[c], rights[c] = quant.reduced_multiplier(*multiplier_of(c))
