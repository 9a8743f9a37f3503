"""LOGISTIC and TANH (TFLM logistic_common.cc, tanh.cc, reference/integer_ops/logistic.h,
tanh.h), int8 through a 256-byte table (see unary).

Prepare, as TFLM: (q, shift) = frexp(s_in * 2**27), M = round(q * 2**31) (exact: a float32
scale has 24 significant bits, so TFLM's missing 2**31 correction never matters), and
radius = floor(15 * 2**27 / 2**shift). Per input byte, d = x - zp_in: d <= -radius gives
-128, d >= radius gives 127, otherwise v = MBQM(d, M, shift) in Q4.27 goes through
gemmlowp's logistic or tanh (fxp_ops programs run by the loops' fxp_map over all 256
bytes at once) and out = clamp(RDBPOT(f(v), 23) - 128) for LOGISTIC, clamp(RDBPOT(f(v), 24))
for TANH. TFLM assumes the output quantization (LOGISTIC scale 1/256, TANH 1/128, zero
point 0) without checking it, except LOGISTIC's zero point -128; so does ulite.
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
_LOGISTIC_UPPER = 16.619047164916992  # TFLM's float cutoffs (reference/logistic.h)
_LOGISTIC_LOWER = -9.0


def check(op, requests):
    unary.check(op, requests)
    out = op.outputs[0]
    if out.dtype == "int8":
        _input_rescale(op)
        if op.code == _LOGISTIC and out.zero_point != -128:
            unsupported("int8 output zero point %d (TFLM requires -128)" % out.zero_point)


def prepare(op, context):
    logistic = op.code == _LOGISTIC
    if op.outputs[0].dtype == "float32":
        return unary.float_step(op, _logistic_float if logistic else math.tanh)
    if context.precomputed:
        return unary.lookup_step(op, context, None)
    x = op.inputs[0]
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
    x, _ = unary.int8_tensors(op)
    scale = quant.from_float32_bits(x.scale_bits())
    bits = quant.bit_length(scale.m)
    shift = scale.e + 31 - _INPUT_INTEGER_BITS + bits  # frexp exponent of s_in * 2**27
    if not bits or not 0 <= shift <= 62:  # TFLM's radius would shift by a negative or huge count
        unsupported("input scale %g out of range (frexp exponent %d)" % (x.scale, shift))
    radius = (((1 << _INPUT_INTEGER_BITS) - 1) << (31 - _INPUT_INTEGER_BITS)) >> shift
    return scale.m << (31 - bits), shift, radius


def _logistic_float(v):
    if v > _LOGISTIC_UPPER:
        return 1.0
    if v < _LOGISTIC_LOWER:
        return math.exp(v)
    return 1.0 / (1.0 + math.exp(-v))
