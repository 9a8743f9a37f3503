"""Integer loops in plain Python: the twin of viper/integer.py."""

import struct

from ...broadcast import walk
from ...errors import DIVIDES_BY_ZERO, InvokeError
from ...layouts import binary, unary
from ...views import int32_view as _i32


def cast_integer(args):
    out, x, count, in_size, kind, out_size = args
    fmt_in = {1: "<B" if kind == unary.CAST_BOOL else "<b", 2: "<h", 4: "<I" if kind == unary.CAST_UNSIGNED else "<i"}[in_size]
    fmt_out = {1: "<B", 2: "<H", 4: "<I"}[out_size]
    mask = (1 << (8 * out_size)) - 1
    for i in range(count):
        v = struct.unpack_from(fmt_in, x, i * in_size)[0]
        if kind == unary.CAST_BOOL:
            v = 1 if v else 0
        struct.pack_into(fmt_out, out, i * out_size, v & mask)


def binary_int32(args):
    out, x1, x2, dims, st1, st2, mode, lo, hi = args
    out, x1, x2 = _i32(out), _i32(x1), _i32(x2)
    i = 0
    for p, q in walk(dims, st1, st2):
        a, b = x1[p], x2[q]
        if mode == binary.INT32_SUM:
            v = a + b
        elif mode == binary.INT32_DIFFERENCE:
            v = a - b
        elif mode == binary.INT32_PRODUCT:
            v = a * b
        elif mode == binary.INT32_MAXIMUM:
            v = a if a > b else b
        elif mode == binary.INT32_MINIMUM:
            v = a if a < b else b
        elif b == 0:
            raise InvokeError(DIVIDES_BY_ZERO)
        else:
            v = abs(a) // abs(b)
            v = -v if (a < 0) != (b < 0) else v
        v = ((v + 0x80000000) & 0xFFFFFFFF) - 0x80000000
        out[i] = lo if v < lo else hi if v > hi else v
        i += 1
