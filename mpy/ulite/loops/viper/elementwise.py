"""Elementwise loops of the one-input ops (activations), viper emitter."""

import micropython
from micropython import const

# Fields of ulite.layouts (unary, requant), restated for the compiler to fold (see
# ulite.layouts).
_LOOKUP_ARG_X = const(0)
_LOOKUP_ARG_OUT = const(1)
_LOOKUP_ARG_COUNT = const(2)
_LOOKUP_ARG_TABLE = const(3)
_LEAKY_ARG_X = const(0)
_LEAKY_ARG_OUT = const(1)
_LEAKY_ARG_COUNT = const(2)
_LEAKY_ARG_INPUT_ZP = const(3)
_LEAKY_ARG_RQ = const(4)
_LEAKY_ARG_ALPHA_NEGATIVE = const(5)
_SIGMOID_ARG_X = const(0)
_SIGMOID_ARG_OUT = const(1)
_SIGMOID_ARG_COUNT = const(2)
_SIGMOID_ARG_MULTIPLIER = const(3)
_SIGMOID_ARG_SHIFT = const(4)
_SIGMOID_ARG_TABLE = const(5)
_SIGMOID_ARG_TANH = const(6)
_RQ_TABLES = const(0)
_RQ_ZERO_POINT = const(2)
_RQ_LO = const(3)
_RQ_HI = const(4)


@micropython.viper
def lookup_int8(args):
    """out[i] = table[x[i]]: an int8 op whose result depends only on the input byte.

    args = (x, out, count, table); table holds the 256 output bytes, indexed by the input
    byte read as unsigned. Only bytes move: no arithmetic, nothing to overflow.
    """
    x = ptr8(args[_LOOKUP_ARG_X])
    out = ptr8(args[_LOOKUP_ARG_OUT])
    count = int(args[_LOOKUP_ARG_COUNT])
    table = ptr8(args[_LOOKUP_ARG_TABLE])
    for i in range(count):
        out[i] = table[x[i]]


@micropython.viper
def leaky_relu_int16(args):
    """int16 RELU, RELU6 and LEAKY_RELU (TFLM reference_ops::QuantizeLeakyRelu, ReluQuantized):
    out = clamp(zp_out + MBQM(d, M, shift)) with d = x - zp_in and (M, shift) the rq's
    channel 0 for d >= 0, channel 1 for d < 0 (its result negated for a negative alpha).

    args: ulite.layouts.unary LEAKY_ARG_ fields. MBQM as in requantize (core.py): the
    kernel refuses shifts with 65535 << shift >= 2**31, and |d| <= 65535, so every
    intermediate fits int32; |MBQM| <= |d| << max(shift, 0) <= 2**31 - 2**15 and
    -2**15 <= zp_out < 2**15 keep the sum in int32 too.
    """
    x = ptr16(args[_LEAKY_ARG_X])
    out = ptr16(args[_LEAKY_ARG_OUT])
    count = int(args[_LEAKY_ARG_COUNT])
    zp_in = int(args[_LEAKY_ARG_INPUT_ZP])
    rq = args[_LEAKY_ARG_RQ]
    negate_alpha = int(args[_LEAKY_ARG_ALPHA_NEGATIVE])
    mult = ptr32(rq[_RQ_TABLES])
    shifts = ptr8(rq[_RQ_TABLES])
    zp = int(rq[_RQ_ZERO_POINT])
    lo = int(rq[_RQ_LO])
    hi = int(rq[_RQ_HI])
    for i in range(count):
        d = ((int(x[i]) ^ 0x8000) - 0x8000) - zp_in
        c = 0
        if d < 0:
            c = 1
        shift = (int(shifts[8 + c]) ^ 0x80) - 0x80
        if shift > 0:
            d = d << shift
        m = mult[c]
        ml = m & 0xFFFF
        p1 = (d >> 16) * ml
        p2 = (d & 0xFFFF) * (m >> 16)
        low = ((d & 0xFFFF) * (ml >> 1) + (((d & 0xFFFF) * (ml & 1)) >> 1)) >> 15
        v = (p1 >> 15) + (p2 >> 15) + (d >> 16) * (m >> 16) * 2
        v += ((p1 & 0x7FFF) + (p2 & 0x7FFF) + low + 0x4000) >> 15
        if shift < 0:  # RDBPOT: round half away from zero
            shift = 0 - shift
            if v >= 0:
                v = (v >> shift) + ((v >> (shift - 1)) & 1)
            else:
                v = 0 - v
                v = 0 - ((v >> shift) + ((v >> (shift - 1)) & 1))
        if c == 1 and negate_alpha:
            v = 0 - v
        v += zp
        if v < lo:
            v = lo
        if v > hi:
            v = hi
        out[i] = v


@micropython.viper
def logistic_tanh_int16(args):
    """TFLM's int16 LOGISTIC and TANH (reference_integer_ops::Logistic / Tanh on int16):
    v = (x * multiplier + round) >> shift, |v| interpolated in the 256-entry sigmoid table
    (logistic: 9 fraction bits, tanh: 8), mirrored for v < 0.

    args: ulite.layouts.unary SIGMOID_ARG_ fields. The caller keeps |x * multiplier| +
    round below 2**31; table entries are below 2**16 and increase, so every intermediate
    is below 2**26 and TFLM's unsigned arithmetic gives the same values as signed here.
    The table is read a byte at a time: it may sit at any address.
    """
    x = ptr16(args[_SIGMOID_ARG_X])
    out = ptr16(args[_SIGMOID_ARG_OUT])
    count = int(args[_SIGMOID_ARG_COUNT])
    multiplier = int(args[_SIGMOID_ARG_MULTIPLIER])
    shift = int(args[_SIGMOID_ARG_SHIFT])
    table = ptr8(args[_SIGMOID_ARG_TABLE])
    tanh = int(args[_SIGMOID_ARG_TANH])
    rounding = 0
    if shift > 0:
        rounding = 1 << (shift - 1)
    fraction = 9 - tanh  # bits of |v| between two table entries
    mask = (1 << fraction) - 1
    for i in range(count):
        v = (((int(x[i]) ^ 0x8000) - 0x8000) * multiplier + rounding) >> shift
        a = v
        if v < 0:
            a = 0 - v
        k = a >> fraction
        if k >= 255:
            r = 0xFFFF << 8
            if not tanh:
                r = 0x7FFF << 10
        else:
            ua = int(table[2 * k]) | (int(table[2 * k + 1]) << 8)
            ub = int(table[2 * k + 2]) | (int(table[2 * k + 3]) << 8)
            r = (ua << fraction) + (a & mask) * (ub - ua)
        if tanh:
            if v >= 0:
                r = (r - (1 << 23) + (1 << 7)) >> 8
            else:
                r = ((1 << 23) + (1 << 7) - 1 - r) >> 8
        elif v >= 0:
            r = (r + (1 << 9)) >> 10
        else:
            r = ((1 << 25) - r + (1 << 9) - 1) >> 10
        out[i] = r
