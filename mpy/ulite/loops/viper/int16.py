"""The int16 loops (16x8 models) for MicroPython's viper emitter, in a module of their own:
the backends import it on first use, so int8 models do not load its code (native code
sits in the heap on a board). Their LOGISTIC and TANH are in sigmoid.py, which the LSTM
shares.

Every intermediate stays inside a signed 32-bit word, as in requant.py (whose
requantize these use); each loop notes its bounds.
"""

import micropython
from micropython import const

from .requant import requantize

# Fields of ulite.layouts (binary, unary, softmax, requant, pool, mean), restated for the
# compiler to fold (see ulite.layouts).
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
_LEAKY_ARG_X = const(0)
_LEAKY_ARG_OUT = const(1)
_LEAKY_ARG_COUNT = const(2)
_LEAKY_ARG_INPUT_ZP = const(3)
_LEAKY_ARG_RQ = const(4)
_LEAKY_ARG_ALPHA_NEGATIVE = const(5)
_SOFTMAX16_ARG_X = const(0)
_SOFTMAX16_ARG_OUT = const(1)
_SOFTMAX16_ARG_ROWS = const(2)
_SOFTMAX16_ARG_DEPTH = const(3)
_SOFTMAX16_ARG_ACC = const(4)
_SOFTMAX16_ARG_CHUNK = const(5)
_SOFTMAX16_ARG_RQ = const(6)
_SOFTMAX16_ARG_EXP = const(7)
_SOFTMAX16_ARG_RECIPROCAL = const(8)
_RQ_TABLES = const(0)
_RQ_ZERO_POINT = const(2)
_RQ_LO = const(3)
_RQ_HI = const(4)
_POOL_IN_H = const(0)
_POOL_IN_W = const(1)
_POOL_CHANNELS = const(2)
_POOL_OUT_H = const(3)
_POOL_OUT_W = const(4)
_POOL_FILTER_H = const(5)
_POOL_FILTER_W = const(6)
_POOL_STRIDE_H = const(7)
_POOL_STRIDE_W = const(8)
_POOL_PAD_TOP = const(9)
_POOL_PAD_LEFT = const(10)
_POOL_LO = const(11)
_POOL_HI = const(12)
_POOL_PIXELS = const(13)
_POOL_ARG_OUT = const(0)
_POOL_ARG_X = const(1)
_POOL_ARG_GEOMETRY = const(2)
_MEAN_OFFSET = const(0)
_MEAN_KEPT_COUNTS = const(1)
_MEAN_KEPT_STRIDES = const(4)
_MEAN_REDUCED_COUNTS = const(7)
_MEAN_REDUCED_STRIDES = const(10)
_MEAN_ARG_OUT = const(0)
_MEAN_ARG_X = const(1)
_MEAN_ARG_GEOMETRY = const(2)
_MEAN_ARG_ACC = const(3)
_MEAN_ARG_CHUNK = const(4)
_MEAN_ARG_RQ = const(5)


@micropython.viper
def binary_int16(args):
    """int16 two-input elementwise op with broadcasting, requantized in chunks: binary.py's
    binary_int8 (same args and modes) on int16 inputs, whose sums TFLM rescales from d << 15.

    SRDHM(d << 15, M) = floor((d*M + 2**15) / 2**16) = d * (M >> 16) + floor((d * L +
    2**15) / 2**16) with L = M & 0xFFFF, exactly. |d| <= 65535 and L < 2**16 would overflow
    d * L, so it is taken as 2 * d * (L >> 1) + d * (L & 1): floor((2t + u) / 2**16) =
    (t + (u >> 1)) >> 15 for t = d * (L >> 1), |t| < 2**31 - 2**16, and |u| < 2**17.
    |d * (M >> 16)| < 2**31; each rescaled value is at most |d| * 2**14 (its multiplier is
    at most one half), so |sum| < 2**31. Products: TFLM's int16 MUL has zero points 0, so
    |d1 * d2| <= 2**30. Maxima stay within int16 offsets.
    """
    out = args[_BINARY_ARG_OUT]
    x1 = ptr16(args[_BINARY_ARG_X1])
    x2 = ptr16(args[_BINARY_ARG_X2])
    r1 = args[_BINARY_ARG_TRANSFORM1]
    r2 = args[_BINARY_ARG_TRANSFORM2]
    zp1 = int(r1[_TRANSFORM_ZERO_POINT])
    neg1 = int(r1[_TRANSFORM_NEGATE])
    mh1 = int(r1[_TRANSFORM_MULTIPLIER_HIGH])
    ml1 = int(r1[_TRANSFORM_MULTIPLIER_LOW])
    mlh1 = ml1 >> 1
    mlo1 = ml1 & 1
    rs1 = int(r1[_TRANSFORM_RIGHT_SHIFT])
    zp2 = int(r2[_TRANSFORM_ZERO_POINT])
    neg2 = int(r2[_TRANSFORM_NEGATE])
    mh2 = int(r2[_TRANSFORM_MULTIPLIER_HIGH])
    ml2 = int(r2[_TRANSFORM_MULTIPLIER_LOW])
    mlh2 = ml2 >> 1
    mlo2 = ml2 & 1
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
                            a = ((int(x1[p]) ^ 0x8000) - 0x8000) - zp1
                            b = ((int(x2[q]) ^ 0x8000) - 0x8000) - zp2
                            if mode == _BINARY_SUM:
                                a = a * mh1 + ((a * mlh1 + ((a * mlo1 + 32768) >> 1)) >> 15)
                                if rs1 > 0:
                                    a = (a >> rs1) + int((a & (half1 - 1 + half1)) > half1 - 1 + int(a < 0))
                                b = b * mh2 + ((b * mlh2 + ((b * mlo2 + 32768) >> 1)) >> 15)
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


@micropython.viper
def softmax_int16(args):
    """int16 SOFTMAX, row by row (TFLM reference_ops::SoftmaxInt16).

    args: ulite.layouts.softmax. Each row's x - max(row) (in [-65535, 0]) goes through
    requantize (the rq's rescale, + 32767, clamped to int16) into the output, then the exp
    table, whose values sum in int32 (the kernel bounds the row: sum < 2**31); the sum,
    normalised by its leading zeros h, picks 1 / sum from the reciprocal table, and each
    exp times it, rounded, is the output. TFLM computes the normalised sum in int64: here
    (s << (h - 1) + 2**13) >> 14 is (s << (h - 1)) >> 14 plus its rounding bit, as
    s << (h - 1) < 2**31. Exps and the reciprocal are below 2**15, so are their products.
    Table lookups are TFLM's LUTLookup: entry 256 + (v >> 7), interpolated by v & 127
    towards the next; entries are read a byte at a time (the tables may sit anywhere).
    """
    x = ptr16(args[_SOFTMAX16_ARG_X])
    out_buf = args[_SOFTMAX16_ARG_OUT]
    out = ptr16(out_buf)
    rows = int(args[_SOFTMAX16_ARG_ROWS])
    depth = int(args[_SOFTMAX16_ARG_DEPTH])
    acc_buf = args[_SOFTMAX16_ARG_ACC]
    acc = ptr32(acc_buf)
    chunk = int(args[_SOFTMAX16_ARG_CHUNK])
    rq = args[_SOFTMAX16_ARG_RQ]
    exp = ptr8(args[_SOFTMAX16_ARG_EXP])
    reciprocal = ptr8(args[_SOFTMAX16_ARG_RECIPROCAL])
    start = 0
    for row in range(rows):
        top = -32768
        for c in range(start, start + depth):
            v = (int(x[c]) ^ 0x8000) - 0x8000
            if v > top:
                top = v
        done = 0
        while done < depth:
            n = depth - done
            if n > chunk:
                n = chunk
            for j in range(n):
                acc[j] = ((int(x[start + done + j]) ^ 0x8000) - 0x8000) - top
            requantize(acc_buf, out_buf, start + done, n, rq, 0)
            done += n
        total = 0
        for c in range(start, start + depth):
            v = (int(out[c]) ^ 0x8000) - 0x8000
            k = 2 * (256 + (v >> 7))
            base = ((int(exp[k]) | (int(exp[k + 1]) << 8)) ^ 0x8000) - 0x8000
            after = ((int(exp[k + 2]) | (int(exp[k + 3]) << 8)) ^ 0x8000) - 0x8000
            v = base + (((after - base) * (v & 0x7F) + 64) >> 7)
            out[c] = v
            total += v
        headroom = 32  # leading zeros of total (at least exp(0) > 0)
        v = total
        while v:
            v = v >> 1
            headroom -= 1
        v = total << (headroom - 1)
        v = (v >> 14) + ((v >> 13) & 1) - 98304  # 1 / (1 + x) takes x = sum - 1, centred
        if v > 32767:
            v = 32767
        if v < -32768:
            v = -32768
        k = 2 * (256 + (v >> 7))
        base = ((int(reciprocal[k]) | (int(reciprocal[k + 1]) << 8)) ^ 0x8000) - 0x8000
        after = ((int(reciprocal[k + 2]) | (int(reciprocal[k + 3]) << 8)) ^ 0x8000) - 0x8000
        scale = base + (((after - base) * (v & 0x7F) + 64) >> 7)
        right_shift = 31 - headroom
        rounding = 1 << (right_shift - 1)
        for c in range(start, start + depth):
            v = (((int(out[c]) ^ 0x8000) - 0x8000) * scale + rounding) >> right_shift
            if v < 0:
                v = 0
            if v > 32767:
                v = 32767
            out[c] = v
        start += depth


@micropython.viper
def leaky_relu_int16(args):
    """int16 RELU, RELU6 and LEAKY_RELU (TFLM reference_ops::QuantizeLeakyRelu, ReluQuantized):
    out = clamp(zp_out + MBQM(d, M, shift)) with d = x - zp_in and (M, shift) the rq's
    channel 0 for d >= 0, channel 1 for d < 0 (its result negated for a negative alpha).

    args: ulite.layouts.unary LEAKY_ARG_ fields. MBQM as in requantize (requant.py): the
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
def average_pool_int16(args):
    """pool.py's average_pool_int8 on int16 (same args): out = clamp(round(sum / taps)),
    half away from zero. Bound: |sum| <= 32768 * taps < 2**31 (the kernel refuses larger
    windows)."""
    _pool(0, 0, 0, args, 1)


@micropython.viper
def max_pool_int16(args):
    """pool.py's max_pool_int8 on int16 (same args): out = clamp(max over the taps)."""
    _pool(0, 0, 0, args, 0)


@micropython.viper
def _pool(src: int, v: int, total: int, args, average: int):
    o16 = ptr16(args[_POOL_ARG_OUT])
    x = int(ptr8(args[_POOL_ARG_X]))
    geo = ptr32(args[_POOL_ARG_GEOMETRY])
    in_h = geo[_POOL_IN_H]
    in_w = geo[_POOL_IN_W]
    channels = geo[_POOL_CHANNELS]
    out_h = geo[_POOL_OUT_H]
    out_w = geo[_POOL_OUT_W]
    lo = geo[_POOL_LO]
    hi = geo[_POOL_HI]
    k31 = 31
    sign = 1 << k31
    lo = (lo ^ sign) - sign
    hi = (hi ^ sign) - sign
    step = 2 * channels  # bytes from one pixel's value of a channel to the next's
    row = in_w * step
    pixel = 0
    for batch in range(geo[_POOL_PIXELS] // (out_h * out_w)):
        image = x + batch * in_h * row
        for oy in range(out_h):
            y0 = oy * geo[_POOL_STRIDE_H] - geo[_POOL_PAD_TOP]
            y1 = y0 + geo[_POOL_FILTER_H]
            if y0 < 0:
                y0 = 0
            if y1 > in_h:
                y1 = in_h
            for ox in range(out_w):
                x0 = ox * geo[_POOL_STRIDE_W] - geo[_POOL_PAD_LEFT]
                x1 = x0 + geo[_POOL_FILTER_W]
                if x0 < 0:
                    x0 = 0
                if x1 > in_w:
                    x1 = in_w
                taps = (y1 - y0) * (x1 - x0)
                half = taps >> 1
                for c in range(channels):
                    total = 0
                    if average == 0:
                        total = -32768
                    for iy in range(y0, y1):
                        src = image + iy * row + x0 * step + 2 * c
                        end = src + (x1 - x0) * step
                        while src < end:
                            v = (ptr16(src)[0] ^ 0x8000) - 0x8000
                            if average:
                                total += v
                            elif v > total:
                                total = v
                            src += step
                    if average:
                        if total > 0:
                            total = (total + half) // taps
                        else:
                            total = 0 - (half - total) // taps  # C division truncates
                    if total < lo:
                        total = lo
                    if total > hi:
                        total = hi
                    o16[pixel] = total
                    pixel += 1


@micropython.viper
def mean_int16(args):
    """mean.py's mean_int8 on int16 (same args and geometry): each element is read as
    x ^ 0x8000 (x + 32768 as unsigned), and offset = -(zp + 32768) * n with n reduced
    elements, so acc = sum(x) - zp * n. Bound: MEAN's check refuses n >= 2**15, so the
    raw sum, offset and |acc| stay below 65535 * n < 2**31.
    """
    out = args[_MEAN_ARG_OUT]
    x16 = ptr16(args[_MEAN_ARG_X])
    geo = args[_MEAN_ARG_GEOMETRY]
    acc_buf = args[_MEAN_ARG_ACC]
    acc = ptr32(acc_buf)
    chunk = int(args[_MEAN_ARG_CHUNK])
    rq = args[_MEAN_ARG_RQ]
    offset = int(geo[_MEAN_OFFSET])
    k0 = int(geo[_MEAN_KEPT_COUNTS])
    k1 = int(geo[_MEAN_KEPT_COUNTS + 1])
    k2 = int(geo[_MEAN_KEPT_COUNTS + 2])
    ks0 = int(geo[_MEAN_KEPT_STRIDES])
    ks1 = int(geo[_MEAN_KEPT_STRIDES + 1])
    ks2 = int(geo[_MEAN_KEPT_STRIDES + 2])
    r0 = int(geo[_MEAN_REDUCED_COUNTS])
    r1 = int(geo[_MEAN_REDUCED_COUNTS + 1])
    r2 = int(geo[_MEAN_REDUCED_COUNTS + 2])
    rs0 = int(geo[_MEAN_REDUCED_STRIDES])
    rs1 = int(geo[_MEAN_REDUCED_STRIDES + 1])
    rs2 = int(geo[_MEAN_REDUCED_STRIDES + 2])
    fill_count = 0
    done = 0
    for i0 in range(k0):
        for i1 in range(k1):
            for i2 in range(k2):
                base = i0 * ks0 + i1 * ks1 + i2 * ks2
                s = offset
                for j0 in range(r0):
                    for j1 in range(r1):
                        p = base + j0 * rs0 + j1 * rs1
                        for j2 in range(r2):
                            s += int(x16[p]) ^ 0x8000
                            p += rs2
                acc[fill_count] = s
                fill_count += 1
                if fill_count == chunk:
                    requantize(acc_buf, out, done, fill_count, rq, 0)
                    done += fill_count
                    fill_count = 0
    if fill_count:
        requantize(acc_buf, out, done, fill_count, rq, 0)
