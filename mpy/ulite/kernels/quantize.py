"""QUANTIZE and DEQUANTIZE (TFLM quantize_common.cc, dequantize.cc, reference/requantize.h).

- float32 -> int8/int16: q = clamp(round_half_away(float32(x / scale)) + zp).
- int8/int16 -> int8/int16/int32, int32 -> int8/int16: MBQM(x - zp_in, M, shift) + zp_out
  with (M, shift) = QuantizeMultiplier(in_scale / out_scale), clamped. TFLM computes it in
  int32, so ulite refuses scale ratios and zero points for which some input would leave
  int32 on the way (the shifted difference, or the result plus the output zero point).
- DEQUANTIZE int8/int16/uint8 -> float32: float32(scale * (x - zp)).
The float arithmetic is ulite/affine.py's (Tensor.set_floats and .floats share it).
"""

import struct

from .. import affine, quant
from ..tensor import INT32_MAX, INT32_MIN, INT_RANGES
from ..views import float32_view
from . import steps
from .common import (
    aligned,
    arity,
    const,
    io_types,
    quantized,
    requant_bytes,
    requant_params,
    require,
    unsupported,
)

_QUANTIZE_TYPES = (
    "float32->int8",
    "float32->int16",
    "int8->int8",
    "int8->int16",
    "int8->int32",
    "int16->int8",
    "int16->int16",
    "int16->int32",
    "int32->int8",
    "int32->int16",
)
_DEQUANTIZE_TYPES = ("int8->float32", "int16->float32", "uint8->float32")
_DEQUANTIZE = const(6)  # builtin operator code (QUANTIZE is the other)


def check(op, requests):
    arity(op, 1, 1)
    types = io_types(op)
    if types not in (_DEQUANTIZE_TYPES if op.code == _DEQUANTIZE else _QUANTIZE_TYPES):
        unsupported(types)
    x, out = op.inputs[0], op.outputs[0]
    require(x.size == out.size, op, "input %s and output %s differ in size", (x.shape, out.shape))
    aligned(x)
    if x.dtype != "float32" and out.dtype != "float32":
        _requant_multiplier(op)
        requests.persistent(requant_bytes(1))


def prepare(op, context):
    x, out = op.inputs[0], op.outputs[0]
    if out.dtype == "float32":
        quantized(op, x)
        fmt = affine.FORMATS[x.dtype]
        args = (x.data, fmt, x.itemsize, float32_view(out.data), x.size, x.scale, x.zero_point)
        return affine.dequantize, args
    quantized(op, out)
    lo, hi = INT_RANGES[out.dtype]
    if x.dtype == "float32":
        require(quant.from_float32_bits(out.scale_bits(), "output scale").m, op, "output scale is zero")
        scale = struct.unpack("<f", struct.pack("<I", out.scale_bits()))[0]
        fmt = affine.FORMATS[out.dtype]
        args = (float32_view(x.data), out.data, fmt, out.itemsize, x.size, scale, out.zero_point, lo, hi)
        return affine.quantize, args
    multiplier, shift = _requant_multiplier(op)
    rq = requant_params(context.persistent, [(multiplier, shift)], out, lo, hi)
    acc = context.acc
    loops = (context.loops.widen, context.loops.requantize)
    args = (loops, x.data, x.itemsize, -x.zero_point, out.data, x.size, acc, len(acc) // 4)
    return steps.requantize, args + (rq,)


def _requant_multiplier(op):
    """(M, shift) of an integer -> integer QUANTIZE, refusing what leaves int32 in TFLM."""
    x, out = quantized(op, op.inputs[0]), quantized(op, op.outputs[0])
    multiplier, shift = quant.ratio_multiplier(x.scale_bits(), out.scale_bits())
    # MBQM never decreases as its input grows: the ends of the input range bound it all
    for end in INT_RANGES[x.dtype]:
        d = end - x.zero_point
        shifted = d << max(shift, 0)
        result = quant.mbqm(d, multiplier, shift) + out.zero_point
        if not (INT32_MIN <= shifted <= INT32_MAX and INT32_MIN <= result <= INT32_MAX):
            unsupported(
                "%s -> %s scale ratio 2**%d with zero points %d, %d: (input - zero point) << %d"
                " or its requantized value plus the output zero point overflows int32"
                % (x.dtype, out.dtype, shift, x.zero_point, out.zero_point, max(shift, 0))
            )
    return multiplier, shift

