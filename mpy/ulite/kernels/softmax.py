"""SOFTMAX (TFLM softmax_common.cc, reference/softmax.h).

int8 input uses gemmlowp's fixed-point exp and reciprocal (not a lookup table), expressed
as fxp_ops programs. Per row: d = x - max(x); e = exp(d * beta * scale) in Q0.31 (0 where
d < diff_min); sum of e in Q12.19; out = e * (1 / sum) rounded to the output type.

int16 input (TFLM's SoftmaxInt16, int16 output): d = x - max(x) is rescaled by
QuantizeMultiplier((double)s_in * (double)beta / (10.0 / 65535.0)) so [-65535, 0] spans
[-10, 0], and TFLM's two 513-entry tables (ulite/softmax_luts.py) give exp and 1 / sum;
the loops' softmax_int16 runs it. Zero points 0 and an output scale within 0.1% of
2**-15, as TFLM requires.
"""

import array
import math
import struct

from .. import fxp_ops as fx
from .. import quant
from . import steps
from ..tensor import INT32_MAX
from ..views import float32_view
from .common import (
    aligned,
    arity,
    check_accumulator,
    io_types,
    quantized,
    requant_bytes,
    requant_params,
    require,
    unsupported,
)

_OPTIONS = "SoftmaxOptions"
_ONE_256_BITS = 0x3B800000  # 1/256 as float32
_SCALE_REG = 15
_MAX_DEPTH = 4095  # the Q12.19 sum of exps stays below 2**31
_MAX_INT16_DEPTH = 65536  # int16: the sum of exps (each below 2**15) stays below 2**31
_INT16_DIFF = 65535  # |x - max(x)|, which TFLM shifts left in int32
_ONE_THOUSANDTH_BITS = 0x3A83126F  # 0.001f


def check(op, requests):
    arity(op, 1, 1)
    types = io_types(op)
    if types not in ("int8->int8", "int8->int16", "int16->int16", "float32->float32"):
        unsupported(types)
    x, out = op.inputs[0], op.outputs[0]
    require(len(x.shape) >= 1 and x.shape == out.shape, op, "input %s and output %s differ", (x.shape, out.shape))
    if x.dtype == "int16":
        aligned(x)
        if x.shape[-1] > _MAX_INT16_DEPTH:
            unsupported("int16 softmax over %d classes (at most %d)" % (x.shape[-1], _MAX_INT16_DEPTH))
        _int16_multiplier(op)
        requests.persistent(requant_bytes(1))
    elif out.dtype != "float32":
        depth = x.shape[-1]
        if depth > _MAX_DEPTH:
            unsupported("int8 softmax over %d classes (at most %d)" % (depth, _MAX_DEPTH))
        requests.scratch(4 * (2 * depth + 1))  # two rows of int32 and the row's sum


def prepare(op, context):
    x, out = op.inputs[0], op.outputs[0]
    beta_bits = op.option(_OPTIONS, 0, "I", 0)
    rows = x.size // x.shape[-1] if x.shape[-1] else 0
    depth = x.shape[-1]
    if out.dtype == "float32":
        beta = struct.unpack("<f", struct.pack("<I", beta_bits))[0]
        return _run_float, (float32_view(x.data), float32_view(out.data), rows, depth, beta)
    quantized(op, x)
    quantized(op, out)
    if x.dtype == "int16":
        return _int16_step(op, context, rows, depth)
    if out.dtype == "int8":
        require(out.zero_point == -128, op, "int8 output zero point must be -128")
        require(out.scale_bits() == _ONE_256_BITS, op, "int8 output scale must be exactly 1/256")
        out_min, out_max = -128, 127
    else:
        require(out.zero_point == -32768, op, "int16 output zero point must be -32768")
        require(_near_power_of_two(out.scale_bits(), -16), op, "int16 output scale must be 1/65536")
        out_min, out_max = -32768, 32767
    real = quant.from_float32_bits(beta_bits, "softmax beta").mul(quant.from_float32_bits(x.scale_bits()))
    real = real.scaled(26)
    if real.at_least(quant.Exact(INT32_MAX, 0)):
        real = quant.Exact(INT32_MAX, 0)
    multiplier, left_shift = quant.quantize_multiplier(real)
    require(left_shift >= 0, op, "input scale times beta is too small (left shift %d)", left_shift)
    diff_min = -((31 << 26) >> left_shift)
    programs, consts = _programs(multiplier, left_shift, diff_min)
    scratch = context.scratch
    d = scratch[: 4 * depth]
    e = scratch[4 * depth : 8 * depth]
    total = scratch[8 * depth : 8 * depth + 4]
    headroom = array.array("i", [0])
    regs = fx.Assembler().registers()
    loops = context.loops
    loops = (loops.diff_from_max_int8, loops.fxp_map, loops.sum_int32, loops.narrow)
    args = (loops, x.data, out.data, rows, depth, out.itemsize, out_min, out_max)
    return steps.softmax_int8, args + (programs, consts, regs, d, e, total, headroom)


def _int16_multiplier(op):
    """TFLM's int16 input rescale (M, shift), checked as prepare uses it."""
    x, out = quantized(op, op.inputs[0]), quantized(op, op.outputs[0])
    for t in (x, out):
        if t.zero_point:
            unsupported("int16 tensor '%s' with zero point %d (TFLM requires 0)" % (t.name, t.zero_point))
    if not _near_power_of_two(out.scale_bits(), -15):
        unsupported("int16 output scale %g (TFLM requires 1/32768)" % out.scale)
    beta = quant.from_float32_bits(op.option(_OPTIONS, 0, "I", 0), "softmax beta")
    real = quant.from_float32_bits(x.scale_bits()).mul(beta)
    int16_range = quant.divide(quant.Exact(10, 0), quant.Exact(65535, 0), quant.DOUBLE)  # 10.0 / 65535.0
    multiplier = quant.quantize_multiplier(quant.divide(real, int16_range, quant.DOUBLE))
    check_accumulator(op, _INT16_DIFF, [multiplier])
    return multiplier


def _int16_step(op, context, rows, depth):
    """(fn, args) of the loops' softmax_int16 (args in layouts.softmax SOFTMAX16_ARG_ order)."""
    from .. import softmax_luts

    x, out = op.inputs[0], op.outputs[0]
    rq = requant_params(context.persistent, [_int16_multiplier(op)], out, -32768, 32767, zero_point=32767)
    acc = context.acc
    args = (x.data, out.data, rows, depth, acc, len(acc) // 4, rq)
    return context.loops.softmax_int16, args + (softmax_luts.EXP, softmax_luts.ONE_OVER_ONE_PLUS_X)


def _near_power_of_two(bits, power):
    """TFLM's TF_LITE_ENSURE_NEAR(scale, 2**power, 0.001f * 2**power) in float32, exactly:
    |scale - 2**power| (exact in float32 this close) <= 0.001f * 2**power."""
    scale = quant.from_float32_bits(bits)
    tolerance = quant.from_float32_bits(_ONE_THOUSANDTH_BITS).scaled(power)
    e = min(scale.e, power, tolerance.e)
    distance = abs((scale.m << (scale.e - e)) - (1 << (power - e)))
    return distance <= tolerance.m << (tolerance.e - e)


def _programs(multiplier, left_shift, diff_min):
    asm = fx.Assembler()
    # exp program: r0 = x - max  ->  r1 = exp(scaled diff) in Q0.31, or 0 below diff_min
    asm.const(2, diff_min)
    asm.op(fx.LESS, 3, 0, 2)
    asm.op(fx.MOV, 4, 0)
    asm.op(fx.SELECT, 4, 3, 2)  # clamp to diff_min so the shift below stays in range
    asm.op(fx.SHL, 4, 4, left_shift)
    asm.srdhm_const(4, 4, multiplier, 5)  # Q5.26
    asm.exp_on_negative_values(1, 4, 5, (5, 6, 7, 8, 9, 10))
    asm.const(2, 0)
    asm.op(fx.SELECT, 1, 3, 2)
    exp_program = asm.program()
    # rescale program: Q0.31 -> Q12.19 (gemmlowp Rescale<12>)
    asm.op(fx.RDBPOT, 1, 0, 12)
    rescale_program = asm.program()
    # reciprocal program: r0 = sum  ->  r15 = 1 / sum (shifted), r1 = headroom (clz)
    asm.op(fx.CLZ, 2, 0)
    asm.const(3, 1)
    asm.op(fx.SUB, 3, 2, 3)
    asm.op(fx.SHL_REG, 4, 0, 3)  # sum << (clz - 1), in [2**30, 2**31)
    asm.const(5, 1 << 30)
    asm.op(fx.SUB, 4, 4, 5)
    asm.op(fx.ADD, 4, 4, 4)  # (sum << clz) - 2**31
    asm.one_over_one_plus_x_for_x_in_0_1(_SCALE_REG, 4, (5, 6, 7, 8))
    asm.op(fx.MOV, 1, 2)
    recip_program = asm.program()
    # output program: r0 = exp  ->  r1 = RDBPOT(SRDHM(scale, exp), exponent)
    asm.op(fx.SRDHM, 2, _SCALE_REG, 0)
    asm.op(fx.RDBPOT_REG, 1, 2, steps.SOFTMAX_EXPONENT_REG)
    out_program = asm.program()
    return (exp_program, rescale_program, recip_program, out_program), asm.constant_pool()


def _run_float(args):
    x, out, rows, depth, beta = args
    for row in range(rows):
        start = row * depth
        top = x[start]
        for i in range(start, start + depth):
            if x[i] > top:
                top = x[i]
        total = 0.0
        for i in range(start, start + depth):
            v = math.exp((x[i] - top) * beta)
            out[i] = v
            total += v
        for i in range(start, start + depth):
            out[i] = out[i] / total
