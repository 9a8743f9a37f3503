"""Softmax's steps and the fixed-point programs of ulite.fxp_ops, for MicroPython's viper
emitter (see ulite.loops.viper.requant for the int32 rules).
"""

import micropython
from micropython import const

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
def widen(src, start: int, count: int, itemsize: int, offset: int, dst):
    """dst[i] = src[start + i] + offset as int32, for int8 (itemsize 1) or int16 sources."""
    s8 = ptr8(src)
    s16 = ptr16(src)
    d32 = ptr32(dst)
    for i in range(count):
        if itemsize == 1:
            v = (int(s8[start + i]) ^ 0x80) - 0x80
        else:
            v = (int(s16[start + i]) ^ 0x8000) - 0x8000
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
