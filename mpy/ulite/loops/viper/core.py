"""Inner loops for MicroPython's viper emitter.

In viper an `int` is a machine word: 32 bits on RP2040 and ESP32, 64 on the unix port.
Every intermediate below stays inside a signed 32-bit word (the bound is noted where it is
not obvious), so a 64-bit host computes exactly what a 32-bit board computes. Two rules
follow from mpy-cross's portable 31-bit small ints:
- constants of 2**30 and above are built at run time with shifts by a variable;
- ptr32 loads zero-extend on 64-bit ports, so int32 values are read back through
  `(v ^ sign) - sign` with sign = 1 << 31 (a no-op on 32-bit words).

SRDHM below is TFLM's SaturatingRoundingDoublingHighMul, which equals
floor((a*b + 2**30) / 2**31) for all int32 a, b except a = b = -2**31. It is computed from
16-bit limbs: a = ah*2**16 + al, b = bh*2**16 + bl (al, bl unsigned), so that
a*b = ah*bh*2**32 + (ah*bl + al*bh)*2**16 + al*bl, with every partial product below 2**31.
"""

import micropython
from micropython import const

# Fields of ulite.layouts.requant, restated for the compiler to fold
# (see ulite.layouts).
_RQ_TABLES = const(0)
_RQ_CHANNELS = const(1)
_RQ_ZERO_POINT = const(2)
_RQ_LO = const(3)
_RQ_HI = const(4)
_RQ_ITEMSIZE = const(5)
_FC_ARG_OUT = const(0)
_FC_ARG_X = const(1)
_FC_ARG_WEIGHTS = const(2)
_FC_ARG_BIAS = const(3)
_FC_ARG_HAS_BIAS = const(4)
_FC_ARG_ACC = const(5)
_FC_ARG_CHUNK = const(6)
_FC_ARG_BATCHES = const(7)
_FC_ARG_DEPTH = const(8)
_FC_ARG_UNITS = const(9)
_FC_ARG_INPUT_ZP = const(10)
_FC_ARG_RQ = const(11)
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

# Ops of ulite.fxp_ops, restated likewise.
_ADD = const(0)
_SUB = const(1)
_AND = const(2)
_SRDHM = const(3)
_RDBPOT_REG = const(4)
_SHL_REG = const(5)
_SELECT = const(6)
_LESS = const(7)
_CONST = const(8)
_MOV = const(9)
_RDBPOT = const(10)
_SAT_SHL = const(11)
_SHL = const(12)
_SHR = const(13)
_IS_ZERO = const(14)
_TEST_BIT = const(15)
_CLZ = const(16)
_NEG = const(17)
_HALF_SUM_ONE = const(18)


@micropython.viper
def requantize(acc: ptr32, out: ptr8, x: int, count: int, rq, first_channel: int):
    """out[out_start + i] = clamp(MBQM(acc[i], mult[c], shift[c]) + zp, lo, hi).

    Called as requantize(acc, out, out_start, count, rq, first_channel). acc: int32
    accumulators; c starts at first_channel and cycles through the `channels` of the
    requantization params rq (ulite.layouts.requant).
    Multipliers are in [0, 2**31), so ptr32 reads them as positive on every word size. With
    lo >= zp (a fused ReLU), an accumulator <= 0 gives MBQM <= 0 and so the output lo: no
    multiply needed. The three parameters viper keeps in registers walk the arrays.
    Callers keep x << max(shift, 0), and MBQM(x) + zp, inside int32 for every accumulator
    x, so every intermediate fits int32; prepare checks it and tests/test_viper_int32.py
    proves it on the edge values.
    """
    itemsize = int(rq[_RQ_ITEMSIZE])
    out = ptr8(int(out) + x * itemsize)
    mult = ptr32(rq[_RQ_TABLES])
    channels = int(rq[_RQ_CHANNELS])
    shifts = ptr8(int(mult) + 4 * channels)
    zp = int(rq[_RQ_ZERO_POINT])
    lo = int(rq[_RQ_LO])
    hi = int(rq[_RQ_HI])
    k31 = 31
    sign = 1 << k31
    clamps_at_zero = lo >= zp
    c = first_channel % channels
    end = int(acc) + (count << 2)
    while int(acc) < end:
        x = (acc[0] ^ sign) - sign
        if x <= 0 and clamps_at_zero:
            v = lo
        else:
            shift = (int(shifts[c]) ^ 0x80) - 0x80
            if shift > 0:
                x = x << shift  # TFLM assumes x * 2**shift fits int32; prepare checks the bound
            m = mult[c]
            ml = m & 0xFFFF
            p1 = (x >> 16) * ml
            p2 = (x & 0xFFFF) * (m >> 16)
            low = ((x & 0xFFFF) * (ml >> 1) + (((x & 0xFFFF) * (ml & 1)) >> 1)) >> 15
            v = (p1 >> 15) + (p2 >> 15) + (x >> 16) * (m >> 16) * 2
            v += ((p1 & 0x7FFF) + (p2 & 0x7FFF) + low + 0x4000) >> 15
            if shift < 0:  # RDBPOT: round half away from zero; |v| < 2**31, so -v fits
                shift = 0 - shift
                if v >= 0:
                    v = (v >> shift) + ((v >> (shift - 1)) & 1)
                else:
                    v = 0 - v
                    v = 0 - ((v >> shift) + ((v >> (shift - 1)) & 1))
            v += zp
            if v < lo:
                v = lo
            if v > hi:
                v = hi
        if itemsize == 1:
            out[0] = v
        elif itemsize == 2:
            ptr16(int(out))[0] = v
        else:
            ptr32(int(out))[0] = v
        out = ptr8(int(out) + itemsize)
        acc = ptr32(int(acc) + 4)
        c += 1
        if c == channels:
            c = 0


@micropython.viper
def fully_connected_int8(args):
    """int8 FULLY_CONNECTED: bias + sum(w * (x - input_zp)) per unit, requantized in chunks.

    args: ulite.layouts.fully_connected. Bound: |bias| + depth * 128 * 255 < 2**31, checked in
    prepare. The dot product walks raw addresses four bytes at a time (one expression per
    step keeps viper's intermediates in registers).
    """
    out = args[_FC_ARG_OUT]
    x_base = int(ptr8(args[_FC_ARG_X]))
    w_base = int(ptr8(args[_FC_ARG_WEIGHTS]))
    bias = ptr16(args[_FC_ARG_BIAS])
    has_bias = int(args[_FC_ARG_HAS_BIAS])
    acc_buf = args[_FC_ARG_ACC]
    acc = ptr32(acc_buf)
    chunk = int(args[_FC_ARG_CHUNK])
    batches = int(args[_FC_ARG_BATCHES])
    depth = int(args[_FC_ARG_DEPTH])
    units = int(args[_FC_ARG_UNITS])
    # (x ^ 0x80) + x_offset == signed x - input_zp
    x_offset = 0 - 0x80 - int(args[_FC_ARG_INPUT_ZP])
    rq = args[_FC_ARG_RQ]
    depth4 = depth & ~3
    for b in range(batches):
        x_row = x_base + b * depth
        u0 = 0
        while u0 < units:
            n = units - u0
            if n > chunk:
                n = chunk
            wp = w_base + u0 * depth
            for j in range(n):
                s = 0
                if has_bias:
                    u = u0 + j
                    s = (((int(bias[2 * u + 1]) ^ 0x8000) - 0x8000) << 16) | int(bias[2 * u])
                xp = x_row
                x_end = x_row + depth4
                while xp < x_end:
                    w = ptr8(wp)
                    x = ptr8(xp)
                    s += (
                        ((int(w[0]) ^ 0x80) - 0x80) * ((int(x[0]) ^ 0x80) + x_offset)
                        + ((int(w[1]) ^ 0x80) - 0x80) * ((int(x[1]) ^ 0x80) + x_offset)
                        + ((int(w[2]) ^ 0x80) - 0x80) * ((int(x[2]) ^ 0x80) + x_offset)
                        + ((int(w[3]) ^ 0x80) - 0x80) * ((int(x[3]) ^ 0x80) + x_offset)
                    )
                    wp += 4
                    xp += 4
                x_end = x_row + depth
                while xp < x_end:
                    s += ((int(ptr8(wp)[0]) ^ 0x80) - 0x80) * ((int(ptr8(xp)[0]) ^ 0x80) + x_offset)
                    wp += 1
                    xp += 1
                acc[j] = s
            requantize(acc_buf, out, b * units + u0, n, rq, u0)
            u0 += n


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


@micropython.viper
def widen(src, start: int, count: int, itemsize: int, offset: int, dst):
    """dst[i] = src[start + i] + offset as int32, for int8 (itemsize 1), int16 or int32
    sources (the caller keeps the sum inside int32)."""
    s8 = ptr8(src)
    s16 = ptr16(src)
    s32 = ptr32(src)
    d32 = ptr32(dst)
    k31 = 31
    sign = 1 << k31
    for i in range(count):
        if itemsize == 1:
            v = (int(s8[start + i]) ^ 0x80) - 0x80
        elif itemsize == 2:
            v = (int(s16[start + i]) ^ 0x8000) - 0x8000
        else:
            v = (s32[start + i] ^ sign) - sign
        d32[i] = v + offset


@micropython.viper
def diff_from_max_int8(x, start: int, count: int, dst):
    """dst[i] = x[start + i] - max(x[start : start + count]) as int32 (for softmax)."""
    x8 = ptr8(x)
    d32 = ptr32(dst)
    top = -128
    for i in range(count):
        v = (int(x8[start + i]) ^ 0x80) - 0x80
        if v > top:
            top = v
    for i in range(count):
        d32[i] = ((int(x8[start + i]) ^ 0x80) - 0x80) - top


@micropython.viper
def sum_int32(src, count: int, total):
    """total[0] = sum of src[0:count] (int32, no wrap-around expected)."""
    s32 = ptr32(src)
    k31 = 31
    sign = 1 << k31
    s = 0
    for i in range(count):
        s += (s32[i] ^ sign) - sign
    ptr32(total)[0] = s


@micropython.viper
def narrow(src, count: int, out, start: int, itemsize: int, offset: int, lo: int, hi: int):
    """out[start + i] = clamp(src[i] + offset, lo, hi), stored as int8 (itemsize 1) or int16."""
    s32 = ptr32(src)
    k31 = 31
    sign = 1 << k31
    o8 = ptr8(out)
    o16 = ptr16(out)
    for i in range(count):
        v = ((s32[i] ^ sign) - sign) + offset
        if v < lo:
            v = lo
        if v > hi:
            v = hi
        if itemsize == 1:
            o8[start + i] = v
        else:
            o16[start + i] = v


@micropython.viper
def fxp_map(program, consts, regs, src, dst, count: int):
    """Run a fixed-point program (see ulite.fxp_ops) on each int32 of src, into dst.

    For each element: r0 = src[i]; run the program over the int32 registers; dst[i] = r1.
    """
    prog = ptr8(program)
    length = int(len(program))
    c32 = ptr32(consts)
    r = ptr32(regs)
    s32 = ptr32(src)
    d32 = ptr32(dst)
    k31 = 31
    sign = 1 << k31
    k30 = 30
    one30 = 1 << k30
    int_max = one30 - 1 + one30
    int_min = 0 - int_max - 1
    for i in range(count):
        r[0] = s32[i]
        pc = 0
        while pc < length:
            op = int(prog[pc])
            d = int(prog[pc + 1])
            a = (r[prog[pc + 2]] ^ sign) - sign
            imm = int(prog[pc + 3])
            b = 0
            if op <= _LESS:  # the third operand is a register
                b = (r[imm] ^ sign) - sign
            pc += 4
            if op == _SRDHM:
                if a == int_min and b == int_min:
                    v = int_max
                else:
                    ah = a >> 16
                    al = a & 0xFFFF
                    bh = b >> 16
                    bl = b & 0xFFFF
                    t = al * (bl >> 1)
                    h16 = (t + ((al * (bl & 1)) >> 1)) >> 15
                    p1 = ah * bl
                    p2 = al * bh
                    v = (p1 >> 15) + (p2 >> 15)
                    v += ((p1 & 0x7FFF) + (p2 & 0x7FFF) + h16 + 0x4000) >> 15
                    # ah*bh*2 reaches 2**31 when a and b are both within 2**16 of -2**31,
                    # so ah*bh is added twice: |v| < 2**18 before, every sum fits int32.
                    hh = ah * bh
                    v += hh
                    v += hh
            elif op == _RDBPOT or op == _RDBPOT_REG:
                e = imm if op == _RDBPOT else b
                v = a
                if e > 0:
                    half = 1 << (e - 1)
                    v = (a >> e) + int((a & (half - 1 + half)) > half - 1 + int(a < 0))
            elif op == _ADD:
                v = a + b
            elif op == _SUB:
                v = a - b
            elif op == _CONST:
                v = (c32[imm] ^ sign) - sign
            elif op == _MOV:
                v = a
            elif op == _AND:
                v = a & b
            elif op == _SAT_SHL:
                limit = (1 << (31 - imm)) - 1
                if a > limit:
                    v = int_max
                elif a < 0 - limit:
                    v = int_min
                else:
                    v = a << imm
            elif op == _SHL:
                v = a << imm
            elif op == _SHL_REG:
                v = a << b
            elif op == _SHR:
                v = a >> imm
            elif op == _SELECT:
                v = (r[d] ^ sign) - sign
                if a != 0:
                    v = b
            elif op == _LESS:
                v = int(a < b)
            elif op == _IS_ZERO:
                v = int(a == 0)
            elif op == _TEST_BIT:
                v = (a >> imm) & 1
            elif op == _CLZ:
                v = 0
                if a >= 0:
                    v = 1
                    while v < 32 and not (a & (one30 >> (v - 1))):
                        v += 1
            elif op == _NEG:
                v = 0 - a
            else:  # _HALF_SUM_ONE: RoundingHalfSum(a, INT32_MAX) for a >= 0
                v = (a >> 1) + one30
            r[d] = v
        d32[i] = r[1]
