"""Elementwise loops of the one-input ops (activations), plain Python: the twin of
viper/elementwise.py."""

import struct

from ...quant import mbqm
from ...views import int32_view as _i32


def lookup_int8(args):
    x, out, count, table = args
    for i in range(count):
        out[i] = table[x[i]]


def leaky_relu_int16(args):
    x, out, count, zp_in, rq, negate_alpha = args
    tables, _, zp, lo, hi, _ = rq  # layouts.requant fields, two channels
    mult = _i32(tables)
    for i in range(count):
        d = struct.unpack_from("<h", x, 2 * i)[0] - zp_in
        c = 0 if d >= 0 else 1
        v = mbqm(d, mult[c], (tables[8 + c] ^ 0x80) - 0x80)
        if c and negate_alpha:
            v = -v
        v += zp
        struct.pack_into("<h", out, 2 * i, lo if v < lo else hi if v > hi else v)


def logistic_tanh_int16(args):
    x, out, count, multiplier, shift, table, tanh = args
    rounding = 1 << (shift - 1) if shift > 0 else 0
    fraction = 8 if tanh else 9
    for i in range(count):
        v = (struct.unpack_from("<h", x, 2 * i)[0] * multiplier + rounding) >> shift
        a = abs(v)
        k = a >> fraction
        if k >= 255:
            r = 0xFFFF << 8 if tanh else 0x7FFF << 10
        else:
            ua, ub = struct.unpack_from("<HH", table, 2 * k)
            r = (ua << fraction) + (a & ((1 << fraction) - 1)) * (ub - ua)
        if tanh:
            r = (r - (1 << 23) + (1 << 7) if v >= 0 else (1 << 23) + (1 << 7) - 1 - r) >> 8
        else:
            r = (r + (1 << 9) if v >= 0 else (1 << 25) - r + (1 << 9) - 1) >> 10
        struct.pack_into("<h", out, 2 * i, r)
