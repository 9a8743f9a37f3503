"""The two-input elementwise ops (int8: ADD, SUB, MUL, MAXIMUM, MINIMUM) with TFLM's broadcast,
for MicroPython's viper emitter.

In viper an `int` is a machine word; every intermediate stays inside a signed 32-bit word
(see ulite.loops.viper.requant for the rules that keep a 64-bit host exact).
"""

import micropython
from micropython import const

from .requant import requantize

# Fields of ulite.layouts, restated for the compiler to fold (see ulite.layouts).
_BINARY_ARG_OUT = const(0)
_BINARY_ARG_X1 = const(1)
_BINARY_ARG_X2 = const(2)
_BINARY_ARG_TRANSFORM1 = const(3)
_BINARY_ARG_TRANSFORM2 = const(4)
_BINARY_ARG_DIMS = const(5)
_BINARY_ARG_STRIDES1 = const(6)
_BINARY_ARG_STRIDES2 = const(7)
_BINARY_ARG_ACC = const(8)
_BINARY_ARG_CHUNK = const(9)
_BINARY_ARG_RQ = const(10)
_BINARY_ARG_MODE = const(11)
_BINARY_SUM = const(0)
_BINARY_PRODUCT = const(1)
_BINARY_MAXIMUM = const(2)
_TRANSFORM_ZERO_POINT = const(0)
_TRANSFORM_NEGATE = const(1)
_TRANSFORM_MULTIPLIER_HIGH = const(2)
_TRANSFORM_MULTIPLIER_LOW = const(3)
_TRANSFORM_RIGHT_SHIFT = const(4)


@micropython.viper
def binary_int8(args):
    """int8 two-input elementwise op with broadcasting, requantized in chunks.

    args and each input's transform: ulite.layouts.binary. Each input value becomes
    d = x - zp; BINARY_SUM (ADD, SUB) rescales it as TFLM does, RDBPOT(SRDHM(d << 20, M),
    right), then adds the two (negated for SUB's second input); BINARY_PRODUCT (MUL)
    multiplies the two d; BINARY_MAXIMUM and BINARY_MINIMUM compare. dims and strides are
    indexed by dimension, outermost first.
    Because d << 20 has twenty zero low bits, SRDHM(d << 20, M) = floor((d*M + 2**10) / 2**11)
    = d * (M >> 11) + floor((d * (M & 0x7FF) + 2**10) / 2**11) exactly, and with |d| <= 255
    every product stays below 2**28; |sum| < 2**29, |product| < 2**16, maxima within int8.
    """
    out = args[_BINARY_ARG_OUT]
    x1 = ptr8(args[_BINARY_ARG_X1])
    x2 = ptr8(args[_BINARY_ARG_X2])
    r1 = args[_BINARY_ARG_TRANSFORM1]
    r2 = args[_BINARY_ARG_TRANSFORM2]
    zp1 = int(r1[_TRANSFORM_ZERO_POINT])
    neg1 = int(r1[_TRANSFORM_NEGATE])
    mh1 = int(r1[_TRANSFORM_MULTIPLIER_HIGH])
    ml1 = int(r1[_TRANSFORM_MULTIPLIER_LOW])
    rs1 = int(r1[_TRANSFORM_RIGHT_SHIFT])
    zp2 = int(r2[_TRANSFORM_ZERO_POINT])
    neg2 = int(r2[_TRANSFORM_NEGATE])
    mh2 = int(r2[_TRANSFORM_MULTIPLIER_HIGH])
    ml2 = int(r2[_TRANSFORM_MULTIPLIER_LOW])
    rs2 = int(r2[_TRANSFORM_RIGHT_SHIFT])
    half1 = 0
    half2 = 0
    if rs1 > 0:
        half1 = 1 << (rs1 - 1)
    if rs2 > 0:
        half2 = 1 << (rs2 - 1)
    dims = args[_BINARY_ARG_DIMS]
    st1 = args[_BINARY_ARG_STRIDES1]
    st2 = args[_BINARY_ARG_STRIDES2]
    acc_buf = args[_BINARY_ARG_ACC]
    acc = ptr32(acc_buf)
    chunk = int(args[_BINARY_ARG_CHUNK])
    rq = args[_BINARY_ARG_RQ]
    mode = int(args[_BINARY_ARG_MODE])
    n0 = int(dims[0])
    n1 = int(dims[1])
    n2 = int(dims[2])
    n3 = int(dims[3])
    n4 = int(dims[4])
    n5 = int(dims[5])
    a5 = int(st1[5])
    b5 = int(st2[5])
    fill = 0
    done = 0
    for i0 in range(n0):
        for i1 in range(n1):
            for i2 in range(n2):
                for i3 in range(n3):
                    for i4 in range(n4):
                        p = i0 * int(st1[0]) + i1 * int(st1[1]) + i2 * int(st1[2]) + i3 * int(st1[3]) + i4 * int(st1[4])
                        q = i0 * int(st2[0]) + i1 * int(st2[1]) + i2 * int(st2[2]) + i3 * int(st2[3]) + i4 * int(st2[4])
                        for i5 in range(n5):
                            a = ((int(x1[p]) ^ 0x80) - 0x80) - zp1
                            b = ((int(x2[q]) ^ 0x80) - 0x80) - zp2
                            if mode == _BINARY_SUM:
                                a = a * mh1 + ((a * ml1 + 1024) >> 11)
                                if rs1 > 0:
                                    a = (a >> rs1) + int((a & (half1 - 1 + half1)) > half1 - 1 + int(a < 0))
                                b = b * mh2 + ((b * ml2 + 1024) >> 11)
                                if rs2 > 0:
                                    b = (b >> rs2) + int((b & (half2 - 1 + half2)) > half2 - 1 + int(b < 0))
                                if neg1:
                                    a = 0 - a
                                if neg2:
                                    b = 0 - b
                                v = a + b
                            elif mode == _BINARY_PRODUCT:
                                v = a * b
                            elif mode == _BINARY_MAXIMUM:
                                v = a if a > b else b
                            else:
                                v = a if a < b else b
                            acc[fill] = v
                            p += a5
                            q += b5
                            fill += 1
                            if fill == chunk:
                                requantize(acc_buf, out, done, fill, rq, 0)
                                done += fill
                                fill = 0
    if fill:
        requantize(acc_buf, out, done, fill, rq, 0)
