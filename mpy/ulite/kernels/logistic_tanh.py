"""LOGISTIC and TANH (TFLM logistic_common.cc, tanh.cc, reference/integer_ops/logistic.h,
tanh.h), int8 through a 256-byte table (see unary), int16 through the loops'
logistic_tanh_int16 (TFLM's table interpolation, ulite/sigmoid_lut.py).

Prepare, as TFLM: (q, shift) = frexp(s_in * 2**27), M = round(q * 2**31) (exact: a float32
scale has 24 significant bits, so TFLM's missing 2**31 correction never matters), and
radius = floor(15 * 2**27 / 2**shift). Per input byte, d = x - zp_in: d <= -radius gives
-128, d >= radius gives 127, otherwise v = MBQM(d, M, shift) in Q4.27 goes through
gemmlowp's logistic or tanh (fxp_ops programs run by the loops' fxp_map over all 256
bytes at once) and out = clamp(RDBPOT(f(v), 23) - 128) for LOGISTIC, clamp(RDBPOT(f(v), 24))
for TANH. TFLM assumes the output quantization (LOGISTIC scale 1/256, TANH 1/128, zero
point 0) without checking it, except LOGISTIC's zero point -128; so does ulite.

int16, as TFLM: zero points 0, an output scale TFLM's CheckedLog2 calls 2**-15; an input
scale it calls 2**-12 (TANH also 2**-11) scales by 3 << (12 + log2 s_in), any other by
M = (int)(s_in * 4096 * 3 * 2**k) with k the doublings that bring it above 16383.5 (at
most 31), rounding x * M right by k. Scales TFLM multiplies past int32 (M above 65535)
are refused, as are scales within float32 rounding of CheckedLog2's 1e-3 tolerance.
"""

import array
import math

from .. import fxp_ops as fx
from .. import quant
from . import unary
from .common import const, unsupported

_LOGISTIC = const(14)  # builtin operator code (TANH is the other)
_INPUT_INTEGER_BITS = 4
_SCRATCH = tuple(range(2, 12))  # registers for the program; r0 is its input, r1 its result
_LOGISTIC_OUTPUT = (23, -128)  # (output rounding shift, output offset)
_TANH_OUTPUT = (24, 0)
_INT16_SHIFT = 12  # 15 - TFLM's 3 input integer bits
_INT16_DOUBLING_LIMIT = quant.Exact(32767, -1)  # TFLM doubles while at most 32767.0 / 2
_LOGISTIC_UPPER = 16.619047164916992  # TFLM's float cutoffs (reference/logistic.h)
_LOGISTIC_LOWER = -9.0


def check(op, requests):
    unary.check(op, requests, int16=True)
    out = op.outputs[0]
    if out.dtype == "int16":
        _int16_input_scaling(op)
    if out.dtype == "int8":
        _input_rescale(op)
        if op.code == _LOGISTIC and out.zero_point != -128:
            unsupported("int8 output zero point %d (TFLM requires -128)" % out.zero_point)


def prepare(op, context):
    logistic = op.code == _LOGISTIC
    if op.outputs[0].dtype == "float32":
        return unary.float_step(op, _logistic_float if logistic else math.tanh)
    x = op.inputs[0]
    if x.dtype == "int16":
        from .. import sigmoid_lut

        multiplier, shift = _int16_input_scaling(op)
        args = sigmoid_lut.loop_args(x.data, op.outputs[0].data, x.size, multiplier, shift, not logistic)
        return context.loops.logistic_tanh_int16, args
    if context.precomputed:
        return unary.lookup_step(op, context, None)
    multiplier, shift, radius = _input_rescale(op)
    rounding, offset = _LOGISTIC_OUTPUT if logistic else _TANH_OUTPUT
    inputs = array.array("i", bytes(4 * 256))
    for byte in range(256):
        d = ((byte ^ 0x80) - 0x80) - x.zero_point
        if -radius < d < radius:  # |d| * 2**shift < 15 * 2**27: MBQM's shift cannot overflow
            inputs[byte] = quant.mbqm(d, multiplier, shift)
    outputs = array.array("i", bytes(4 * 256))
    asm = fx.Assembler()
    if logistic:
        asm.logistic(1, 0, _INPUT_INTEGER_BITS, _SCRATCH)
    else:
        asm.tanh(1, 0, _INPUT_INTEGER_BITS, _SCRATCH)
    asm.op(fx.RDBPOT, 1, 1, rounding)
    context.loops.fxp_map(asm.program(), asm.constant_pool(), asm.registers(), inputs, outputs, 256)

    def output_of(v):
        d = v - x.zero_point
        if d <= -radius:
            return -128
        if d >= radius:
            return 127
        return max(-128, min(127, outputs[v & 0xFF] + offset))

    return unary.lookup_step(op, context, output_of)


def _input_rescale(op):
    """TFLM's (input multiplier, left shift, input radius)."""
    x, _ = unary.quantized_tensors(op)
    scale = quant.from_float32_bits(x.scale_bits())
    bits = quant.bit_length(scale.m)
    shift = scale.e + 31 - _INPUT_INTEGER_BITS + bits  # frexp exponent of s_in * 2**27
    if not bits or not 0 <= shift <= 62:  # TFLM's radius would shift by a negative or huge count
        unsupported("input scale %g out of range (frexp exponent %d)" % (x.scale, shift))
    radius = (((1 << _INPUT_INTEGER_BITS) - 1) << (31 - _INPUT_INTEGER_BITS)) >> shift
    return scale.m << (31 - bits), shift, radius


def _int16_input_scaling(op):
    """TFLM's int16 (input multiplier, input left shift): multiplier 0 for its power-of-two
    case (ulite.sigmoid_lut.loop_args reads them)."""
    x, out = unary.quantized_tensors(op)
    for t in (x, out):
        if t.zero_point:
            unsupported("int16 tensor '%s' with zero point %d (TFLM requires 0)" % (t.name, t.zero_point))
    power, _ = quant.checked_log2(out.scale_bits())
    if power != -15:
        unsupported("int16 output scale %g (TFLM requires 2**-15)" % out.scale)
    power, certain = quant.checked_log2(x.scale_bits())
    if not certain:
        unsupported("int16 input scale %g at TFLM's power-of-two tolerance" % x.scale)
    if power is not None and 0 <= _INT16_SHIFT + power <= (0 if op.code == _LOGISTIC else 1):
        return 0, _INT16_SHIFT + power
    multiplier = quant.from_float32_bits(x.scale_bits()).mul(quant.Exact(3, 12))  # s * 4096 * 3
    shift = 0
    while _INT16_DOUBLING_LIMIT.at_least(multiplier) and shift <= 30:
        multiplier = multiplier.scaled(1)
        shift += 1
    whole = quant.truncate(multiplier)
    if whole > 0xFFFF:
        unsupported("int16 input scale %g: TFLM's x * %d overflows int32" % (x.scale, whole))
    return whole, shift


def _logistic_float(v):
    if v > _LOGISTIC_UPPER:
        return 1.0
    if v < _LOGISTIC_LOWER:
        return math.exp(v)
    return 1.0 / (1.0 + math.exp(-v))
