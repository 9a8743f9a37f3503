"""RELU, RELU6 and LEAKY_RELU (TFLM activations.cc, activations_common.cc,
leaky_relu_common.cc, reference/leaky_relu.h). int8 through a 256-byte table (see unary).

- RELU: out = clamp(zp_out + MBQM(x - zp_in, M, shift), zp_out, 127) with (M, shift) =
  QuantizeMultiplier((double)s_in / (double)s_out).
- RELU6: TFLM clamps the input to [zp_in, q(6)] in the INPUT's quantization and copies
  it; the output's scale and zero point are not used (q(6) = round(6 / s_in) + zp_in,
  the division in float32, clamped to int8).
- LEAKY_RELU: x - zp_in >= 0 goes through the identity multiplier s_in / s_out, the rest
  through s_in * alpha / s_out, a negative alpha giving a negative multiplier. Both are
  derived in double: leaky_relu_common.cc reads as float32 arithmetic, but the TFLM build
  ulite is tested against matches double wherever they differ (tests pin such cases).
"""

import struct

from .. import quant
from . import unary
from .common import check_accumulator, const

_RELU = const(19)  # builtin operator codes
_RELU6 = const(21)
_LEAKY_RELU = const(98)
_LEAKY_OPTIONS = "LeakyReluOptions"
_LARGEST_DIFFERENCE = 255  # |x - zp| for int8 x and zp


def check(op, requests):
    unary.check(op, requests)
    if op.outputs[0].dtype == "int8" and op.code != _RELU6:
        _multipliers(op)


def prepare(op, context):
    if op.outputs[0].dtype == "float32":
        if op.code == _LEAKY_RELU:
            alpha = struct.unpack("<f", struct.pack("<I", _alpha_bits(op)))[0]
            return unary.float_step(op, lambda v: v if v > 0 else v * alpha)
        return unary.float_step(op, _relu_float if op.code == _RELU else _relu6_float)
    if context.precomputed:
        return unary.lookup_step(op, context, None)
    x, out = unary.int8_tensors(op)
    if op.code == _RELU6:
        six = quant.quantize_value(quant.Exact(6, 0), False, x.scale_bits(), x.zero_point)
        six = max(-128, min(127, six))
        return unary.lookup_step(op, context, lambda v: max(x.zero_point, min(six, v)))
    # RELU: TFLM's lower bound max(-128, zp_out + roundf(0.0f / s_out)) is zp_out
    identity, alpha = _multipliers(op)
    lo = out.zero_point if op.code == _RELU else -128

    def output_of(v):
        d = v - x.zero_point
        m, shift = identity if d >= 0 else alpha
        return max(lo, min(127, out.zero_point + quant.mbqm(d, m, shift)))

    return unary.lookup_step(op, context, output_of)


def _multipliers(op):
    """(M, shift) for x - zp_in >= 0 and for x - zp_in < 0; refuses shifts that overflow."""
    x, out = unary.int8_tensors(op)
    identity = quant.ratio_multiplier(x.scale_bits(), out.scale_bits())
    alpha = identity
    if op.code == _LEAKY_RELU:
        s_in = quant.from_float32_bits(x.scale_bits())
        s_out = quant.from_float32_bits(out.scale_bits(), "output scale")
        bits = _alpha_bits(op)
        scaled = s_in.mul(quant.from_float32_bits(bits & 0x7FFFFFFF, "alpha"))  # exact
        m, shift = quant.quantize_multiplier(quant.divide(scaled, s_out, quant.DOUBLE))
        alpha = (-m if bits >> 31 else m, shift)
    # TFLM shifts x - zp_in left in int32 before the high multiply
    check_accumulator(op, _LARGEST_DIFFERENCE, [identity, alpha])
    return identity, alpha


def _alpha_bits(op):
    return op.option(_LEAKY_OPTIONS, 0, "I", 0)


def _relu_float(v):
    return 0.0 if v < 0.0 else v


def _relu6_float(v):
    return 6.0 if v > 6.0 else 0.0 if v < 0.0 else v
