"""TFLM's int16 LOGISTIC and TANH for viper, in a module of their own: the int16 activation
kernels (logistic_tanh_int16) and the integer LSTM's gates (logistic_tanh) share it, so an
LSTM does not load int16.py.
"""

import micropython
from micropython import const

# Fields of ulite.layouts.unary, restated for the compiler to fold (see ulite.layouts).
_SIGMOID_ARG_X = const(0)
_SIGMOID_ARG_OUT = const(1)
_SIGMOID_ARG_COUNT = const(2)
_SIGMOID_ARG_MULTIPLIER = const(3)
_SIGMOID_ARG_SHIFT = const(4)
_SIGMOID_ARG_TABLE = const(5)
_SIGMOID_ARG_TANH = const(6)


@micropython.viper
def logistic_tanh_int16(args):
    """TFLM's int16 LOGISTIC and TANH (reference_integer_ops::Logistic / Tanh on int16).
    args: ulite.layouts.unary SIGMOID_ARG_ fields."""
    x = args[_SIGMOID_ARG_X]
    table = args[_SIGMOID_ARG_TABLE]
    count = int(args[_SIGMOID_ARG_COUNT])
    multiplier = int(args[_SIGMOID_ARG_MULTIPLIER])
    shift = int(args[_SIGMOID_ARG_SHIFT])
    tanh = int(args[_SIGMOID_ARG_TANH])
    logistic_tanh(x, args[_SIGMOID_ARG_OUT], 0, count, multiplier, shift, table, tanh)


@micropython.viper
def logistic_tanh(x, out, start: int, count: int, multiplier: int, shift: int, table, tanh: int):
    """out[start:start + count] = TFLM's int16 logistic (tanh=0) or tanh of x[start:start +
    count] (int16; out may be x): v = (x * multiplier + round) >> shift, |v| interpolated in
    the 256-entry sigmoid table (ulite.sigmoid_lut; logistic: 9 fraction bits, tanh: 8),
    mirrored for v < 0.

    The caller keeps |x * multiplier| + round below 2**31; table entries are below 2**16 and
    increase, so every intermediate is below 2**26 and TFLM's unsigned arithmetic gives the
    same values as signed here. The table is read a byte at a time: it may sit at any
    address.
    """
    src = ptr16(int(ptr16(x)) + 2 * start)
    dst = ptr16(int(ptr16(out)) + 2 * start)
    t = ptr8(table)
    rounding = 0
    if shift > 0:
        rounding = 1 << (shift - 1)
    fraction = 9 - tanh  # bits of |v| between two table entries
    mask = (1 << fraction) - 1
    for i in range(count):
        v = (((int(src[i]) ^ 0x8000) - 0x8000) * multiplier + rounding) >> shift
        a = v
        if v < 0:
            a = 0 - v
        k = a >> fraction
        if k >= 255:
            r = 0xFFFF << 8
            if not tanh:
                r = 0x7FFF << 10
        else:
            ua = int(t[2 * k]) | (int(t[2 * k + 1]) << 8)
            ub = int(t[2 * k + 2]) | (int(t[2 * k + 3]) << 8)
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
        dst[i] = r
