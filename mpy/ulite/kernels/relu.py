"""RELU, RELU6 and LEAKY_RELU (TFLM activations.cc, activations_common.cc,
leaky_relu_common.cc, reference/leaky_relu.h). int8 through a 256-byte table (see unary),
int16 through the loops' leaky_relu_int16.

- RELU: out = clamp(zp_out + MBQM(x - zp_in, M, shift), zp_out, max) with (M, shift) =
  QuantizeMultiplier((double)s_in / (double)s_out). TFLM requires int16 zero points 0.
- RELU6: TFLM clamps the input to [zp_in, q(6)] in the INPUT's quantization and copies
  it; the output's scale and zero point are not used (q(6) = round(6 / s_in) + zp_in,
  the division in float32, clamped to the type).
- LEAKY_RELU: x - zp_in >= 0 goes through the identity multiplier s_in / s_out, the rest
  through s_in * alpha / s_out, a negative alpha giving a negative multiplier. Both are
  derived in double: leaky_relu_common.cc reads as float32 arithmetic, but the TFLM build
  ulite is tested against matches double wherever they differ (tests pin such cases).
int16 runs RELU6 as an identity requantization (MBQM(x, 2**30, 1) = x) with that clamp.
"""

import struct

from .. import quant
from ..tensor import INT_RANGES
from . import unary
from .common import check_accumulator, const, requant_bytes, requant_params, unsupported

_RELU = const(19)  # builtin operator codes
_RELU6 = const(21)
_LEAKY_RELU = const(98)
_LEAKY_OPTIONS = "LeakyReluOptions"
_IDENTITY = (1 << 30, 1)  # QuantizeMultiplier(1.0)


def check(op, requests):
    unary.check(op, requests, int16=True)
    out = op.outputs[0]
    if out.dtype == "int16":
        requests.persistent(requant_bytes(2))
        if op.code == _RELU:
            for t in unary.quantized_tensors(op):
                if t.zero_point:
                    unsupported("int16 tensor '%s' with zero point %d (TFLM requires 0)" % (t.name, t.zero_point))
    if out.dtype != "float32" and op.code != _RELU6:
        _multipliers(op)


def prepare(op, context):
    out = op.outputs[0]
    if out.dtype == "float32":
        if op.code == _LEAKY_RELU:
            alpha = struct.unpack("<f", struct.pack("<I", _alpha_bits(op)))[0]
            return unary.float_step(op, lambda v: v if v > 0 else v * alpha)
        return unary.float_step(op, _relu_float if op.code == _RELU else _relu6_float)
    if context.precomputed and out.dtype == "int8":
        return unary.lookup_step(op, context, None)
    x, out = unary.quantized_tensors(op)
    lo, hi = INT_RANGES[out.dtype]
    if op.code == _RELU6:
        six = quant.quantize_value(quant.Exact(6, 0), False, x.scale_bits(), x.zero_point)
        six = max(lo, min(hi, six))
        if out.dtype == "int16":
            return _int16_step(op, context, 0, [_IDENTITY, _IDENTITY], x.zero_point, six, 0)
        return unary.lookup_step(op, context, lambda v: max(x.zero_point, min(six, v)))
    # RELU: TFLM's lower bound max(min, zp_out + roundf(0.0f / s_out)) is zp_out
    if op.code == _RELU:
        lo = out.zero_point
    identity, alpha = _multipliers(op)
    if out.dtype == "int16":
        return _int16_step(op, context, x.zero_point, [identity, alpha], lo, hi, None)

    def output_of(v):
        d = v - x.zero_point
        m, shift = identity if d >= 0 else alpha
        return max(lo, min(hi, out.zero_point + quant.mbqm(d, m, shift)))

    return unary.lookup_step(op, context, output_of)


def _int16_step(op, context, input_zp, multipliers, lo, hi, zero_point):
    """(fn, args) of leaky_relu_int16 (args in layouts.unary LEAKY_ARG_ order): d = x -
    input_zp requantized by multipliers[0] at and above zero, by multipliers[1] (which may
    be negative) below, to the output's zero point (or `zero_point`), clamped to [lo, hi]."""
    x, out = op.inputs[0], op.outputs[0]
    (m0, s0), (m1, s1) = multipliers
    rq = requant_params(context.persistent, [(m0, s0), (abs(m1), s1)], out, lo, hi, zero_point=zero_point)
    return context.loops.leaky_relu_int16, (x.data, out.data, x.size, input_zp, rq, int(m1 < 0))


def _multipliers(op):
    """(M, shift) for x - zp_in >= 0 and for x - zp_in < 0; refuses shifts that overflow."""
    x, out = unary.quantized_tensors(op)
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
    low, high = INT_RANGES[x.dtype]
    check_accumulator(op, max(high - x.zero_point, x.zero_point - low), [identity, alpha])
    return identity, alpha


def _alpha_bits(op):
    return op.option(_LEAKY_OPTIONS, 0, "I", 0)


def _relu_float(v):
    return 0.0 if v < 0.0 else v


def _relu6_float(v):
    return 6.0 if v > 6.0 else 0.0 if v < 0.0 else v
