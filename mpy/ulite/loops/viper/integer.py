"""Integer loops, viper emitter: CAST between integer types and the int32 two-input ops."""

import micropython
from micropython import const

from ...errors import DIVIDES_BY_ZERO, InvokeError

# Fields of ulite.layouts (unary, binary), restated for the compiler to fold (see
# ulite.layouts).
_CAST_ARG_OUT = const(0)
_CAST_ARG_X = const(1)
_CAST_ARG_COUNT = const(2)
_CAST_ARG_IN_SIZE = const(3)
_CAST_ARG_IN_KIND = const(4)
_CAST_ARG_OUT_SIZE = const(5)
_CAST_BOOL = const(2)
_INT32_ARG_OUT = const(0)
_INT32_ARG_X1 = const(1)
_INT32_ARG_X2 = const(2)
_INT32_ARG_DIMS = const(3)
_INT32_ARG_STRIDES1 = const(4)
_INT32_ARG_STRIDES2 = const(5)
_INT32_ARG_MODE = const(6)
_INT32_ARG_LO = const(7)
_INT32_ARG_HI = const(8)
_INT32_SUM = const(0)
_INT32_DIFFERENCE = const(1)
_INT32_PRODUCT = const(2)
_INT32_MAXIMUM = const(3)
_INT32_MINIMUM = const(4)


@micropython.viper
def cast_integer(args):
    """Integer CAST (ulite.layouts.unary CAST_ARG_): each value widened to 32 bits as two
    16-bit halves (sign- or zero-extended), then its low out_size bytes stored."""
    out = args[_CAST_ARG_OUT]
    x = args[_CAST_ARG_X]
    count = int(args[_CAST_ARG_COUNT])
    in_size = int(args[_CAST_ARG_IN_SIZE])
    kind = int(args[_CAST_ARG_IN_KIND])
    out_size = int(args[_CAST_ARG_OUT_SIZE])
    x8 = ptr8(x)  # read by bytes: a constant may sit at any address
    o8 = ptr8(out)
    o16 = ptr16(out)
    for i in range(count):
        if in_size == 4:
            low = int(x8[4 * i]) | (int(x8[4 * i + 1]) << 8)
            high = int(x8[4 * i + 2]) | (int(x8[4 * i + 3]) << 8)
        else:
            if in_size == 2:
                v = ((int(x8[2 * i]) | (int(x8[2 * i + 1]) << 8)) ^ 0x8000) - 0x8000
            elif kind == _CAST_BOOL:
                v = 1 if x8[i] else 0
            else:
                v = (int(x8[i]) ^ 0x80) - 0x80
            low = v & 0xFFFF
            high = 0xFFFF if v < 0 else 0
        if out_size == 1:
            o8[i] = low
        elif out_size == 2:
            o16[i] = low
        else:
            o16[2 * i] = low
            o16[2 * i + 1] = high


@micropython.viper
def binary_int32(args):
    """int32 two-input op with broadcasting (ulite.layouts.binary INT32_ARG_), clamped to
    [lo, hi]. Values are read and written as 16-bit halves: high * 65536 + low is the
    exact int32 (no intermediate leaves it), sums and differences carry between halves
    and wrap around, products keep their low 32 bits (the low halves' product in two
    parts), quotients truncate toward zero (from magnitudes: -2**31 / -1 wraps to -2**31,
    where TFLM traps)."""
    out = ptr16(args[_INT32_ARG_OUT])
    x1 = ptr8(args[_INT32_ARG_X1])  # read by bytes: constants may sit at any address
    x2 = ptr8(args[_INT32_ARG_X2])
    dims = args[_INT32_ARG_DIMS]
    st1 = args[_INT32_ARG_STRIDES1]
    st2 = args[_INT32_ARG_STRIDES2]
    mode = int(args[_INT32_ARG_MODE])
    lo = int(args[_INT32_ARG_LO])
    hi = int(args[_INT32_ARG_HI])
    n0 = int(dims[0])
    n1 = int(dims[1])
    n2 = int(dims[2])
    n3 = int(dims[3])
    n4 = int(dims[4])
    n5 = int(dims[5])
    a5 = int(st1[5])
    b5 = int(st2[5])
    o = 0
    for i0 in range(n0):
        for i1 in range(n1):
            for i2 in range(n2):
                for i3 in range(n3):
                    for i4 in range(n4):
                        p = i0 * int(st1[0]) + i1 * int(st1[1]) + i2 * int(st1[2]) + i3 * int(st1[3]) + i4 * int(st1[4])
                        q = i0 * int(st2[0]) + i1 * int(st2[1]) + i2 * int(st2[2]) + i3 * int(st2[3]) + i4 * int(st2[4])
                        for i5 in range(n5):
                            al = int(x1[4 * p]) | (int(x1[4 * p + 1]) << 8)
                            ah = ((int(x1[4 * p + 2]) | (int(x1[4 * p + 3]) << 8)) ^ 0x8000) - 0x8000
                            bl = int(x2[4 * q]) | (int(x2[4 * q + 1]) << 8)
                            bh = ((int(x2[4 * q + 2]) | (int(x2[4 * q + 3]) << 8)) ^ 0x8000) - 0x8000
                            if mode == _INT32_SUM:
                                low = al + bl
                                high = ah + bh + (low >> 16)
                            elif mode == _INT32_DIFFERENCE:
                                low = al - bl
                                high = ah - bh + (low >> 16)
                            elif mode == _INT32_PRODUCT:
                                p0 = (al & 0xFF) * bl  # al * bl in two parts below 2**24
                                p1 = (al >> 8) * bl
                                low = (p0 & 0xFFFF) + ((p1 & 0xFF) << 8)
                                high = (p0 >> 16) + (p1 >> 8) + (low >> 16)
                                high += ((ah * bl) & 0xFFFF) + ((al * bh) & 0xFFFF)
                            else:
                                a = ah * 65536 + al
                                b = bh * 65536 + bl
                                if mode == _INT32_MAXIMUM:
                                    v = a if a > b else b
                                elif mode == _INT32_MINIMUM:
                                    v = a if a < b else b
                                else:
                                    v = int(_quotient(a, b))
                                low = v & 0xFFFF
                                high = v >> 16
                            v = (((high + 0x8000) & 0xFFFF) - 0x8000) * 65536 + (low & 0xFFFF)
                            if v < lo:
                                v = lo
                            elif v > hi:
                                v = hi
                            out[2 * o] = v & 0xFFFF
                            out[2 * o + 1] = (v >> 16) & 0xFFFF
                            o += 1
                            p += a5
                            q += b5


@micropython.viper
def _quotient(a: int, b: int) -> int:
    """a / b truncated toward zero, from magnitudes below 2**31 (viper's // floors)."""
    if b == 0:
        raise InvokeError(DIVIDES_BY_ZERO)
    highest = 0x3FFFFFFF
    highest = highest + highest + 1  # 2**31 - 1, computed: the literal is no machine int
    lowest = 0 - highest - 1  # -2**31: its magnitude does not fit
    if b == -1:
        return a if a == lowest else 0 - a
    if b == lowest:
        return 1 if a == lowest else 0
    negative = (a ^ b) < 0
    nb = b if b > 0 else 0 - b
    if a == lowest:
        q = (0 - (a + nb)) // nb + 1  # (2**31 - |b|) // |b| + 1
    else:
        q = (a if a >= 0 else 0 - a) // nb
    return 0 - q if negative else q
