"""The int16 loops in plain Python: the twin of viper/int16.py (imported on first use too)."""

import struct

from ...quant import mbqm
from ...views import int32_view as _i32
from .core import _binary, requantize
from .pool import _pool
from .shape import _mean


def binary_int16(args):
    _binary(args, _s16_at, 15)


def _s16_at(buf, i):
    return struct.unpack_from("<h", buf, 2 * i)[0]


def softmax_int16(args):
    x, out, rows, depth, acc_buf, chunk, rq, exp, reciprocal = args
    acc = _i32(acc_buf)
    for row in range(rows):
        start = row * depth
        top = max(_s16_at(x, start + c) for c in range(depth))
        for done in range(0, depth, chunk):
            n = min(chunk, depth - done)
            for j in range(n):
                acc[j] = _s16_at(x, start + done + j) - top
            requantize(acc_buf, out, start + done, n, rq, 0)
        total = 0
        for c in range(start, start + depth):
            e = _lut16(exp, _s16_at(out, c))
            struct.pack_into("<h", out, 2 * c, e)
            total += e
        headroom = 32 - len(bin(total)) + 2  # TFLM's CountLeadingZeros
        shifted = ((total << (headroom - 1)) + (1 << 13)) >> 14
        scale = _lut16(reciprocal, max(-32768, min(32767, shifted - 98304)))
        right_shift = 31 - headroom
        for c in range(start, start + depth):
            v = (_s16_at(out, c) * scale + (1 << (right_shift - 1))) >> right_shift
            struct.pack_into("<h", out, 2 * c, max(0, min(32767, v)))


def _lut16(table, value):
    """TFLM's LUTLookup of an int16 value in a 513-entry int16 table."""
    base, after = struct.unpack_from("<hh", table, 2 * (256 + (value >> 7)))
    return base + (((after - base) * (value & 0x7F) + 64) >> 7)


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


def average_pool_int16(args):
    _pool(args, True, 2)


def max_pool_int16(args):
    _pool(args, False, 2)


def mean_int16(args):
    _mean(args, lambda x, p: (x[2 * p] | x[2 * p + 1] << 8) ^ 0x8000)
