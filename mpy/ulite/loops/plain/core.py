"""Inner loops in plain Python: the twin of `viper`, for ports without native emitters.

Same functions, same arguments, same results. Python integers do not overflow, so the
arithmetic is written as TFLM states it (64-bit products) rather than in 16-bit limbs.
"""

import struct

from ... import fxp_ops as ops
from ...broadcast import walk
from ...layouts import binary as binary_layout
from ...quant import mbqm, rdbpot, srdhm
from ...tensor import INT32_MAX, INT32_MIN
from ...views import int32_view as _i32


def _s8(v):
    return (v ^ 0x80) - 0x80


_FORMATS = {1: "<b", 2: "<h", 4: "<i"}  # struct formats of signed ints, by size


def requantize(acc, out, out_start, count, rq, first_channel):
    tables, channels, zp, lo, hi, itemsize = rq
    a32 = _i32(acc)
    mult = _i32(tables)
    c = first_channel % channels
    for i in range(count):
        v = mbqm(a32[i], mult[c], _s8(tables[4 * channels + c])) + zp
        v = lo if v < lo else hi if v > hi else v
        if itemsize == 1:
            out[out_start + i] = v & 0xFF
        else:
            struct.pack_into(_FORMATS[itemsize], out, (out_start + i) * itemsize, v)
        c += 1
        if c == channels:
            c = 0


def fully_connected_int8(args):
    out, x, w, bias, has_bias, acc_buf, chunk, batches, depth, units, input_zp, rq = args
    acc = _i32(acc_buf)
    bias = _i32(bias)
    for b in range(batches):
        x_start = b * depth
        for u0 in range(0, units, chunk):
            n = min(chunk, units - u0)
            for j in range(n):
                s = bias[u0 + j] if has_bias else 0
                w_start = (u0 + j) * depth
                for k in range(depth):
                    s += _s8(w[w_start + k]) * (_s8(x[x_start + k]) - input_zp)
                acc[j] = s
            requantize(acc_buf, out, b * units + u0, n, rq, u0)


def binary_int8(args):
    _binary(args, _s8_at, 20)


def _s8_at(buf, i):
    return (buf[i] ^ 0x80) - 0x80


def _binary(args, value_at, left_shift):
    out, x1, x2, r1, r2, dims, st1, st2, acc_buf, chunk, rq, mode = args
    acc = _i32(acc_buf)
    zp1 = r1[binary_layout.TRANSFORM_ZERO_POINT]
    zp2 = r2[binary_layout.TRANSFORM_ZERO_POINT]
    fill = 0
    done = 0
    for p, q in walk(dims, st1, st2):
        a = value_at(x1, p) - zp1
        b = value_at(x2, q) - zp2
        if mode == binary_layout.BINARY_SUM:
            v = _rescale(a, r1, left_shift) + _rescale(b, r2, left_shift)
        elif mode == binary_layout.BINARY_PRODUCT:
            v = a * b
        elif mode == binary_layout.BINARY_MAXIMUM:
            v = max(a, b)
        else:
            v = min(a, b)
        acc[fill] = v
        fill += 1
        if fill == chunk:
            requantize(acc_buf, out, done, fill, rq, 0)
            done += fill
            fill = 0
    if fill:
        requantize(acc_buf, out, done, fill, rq, 0)


def _rescale(d, transform, left_shift):
    _, negate, high, low, right = transform  # layouts.binary TRANSFORM_ fields
    v = rdbpot(srdhm(d << left_shift, (high << (31 - left_shift)) | low), right)
    return -v if negate else v


def widen(src, start, count, itemsize, offset, dst):
    d32 = _i32(dst)
    fmt = _FORMATS[itemsize]
    for i in range(count):
        d32[i] = struct.unpack_from(fmt, src, (start + i) * itemsize)[0] + offset


def diff_from_max_int8(x, start, count, dst):
    d32 = _i32(dst)
    top = -128
    for i in range(count):
        v = _s8(x[start + i])
        if v > top:
            top = v
    for i in range(count):
        d32[i] = _s8(x[start + i]) - top


def sum_int32(src, count, total):
    s32 = _i32(src)
    s = 0
    for i in range(count):
        s += s32[i]
    _i32(total)[0] = s


def narrow(src, count, out, start, itemsize, offset, lo, hi):
    s32 = _i32(src)
    for i in range(count):
        v = s32[i] + offset
        struct.pack_into(_FORMATS[itemsize], out, (start + i) * itemsize, lo if v < lo else hi if v > hi else v)


def _clz(a):
    if a < 0:
        return 0
    n = 32
    while a:
        a >>= 1
        n -= 1
    return n


def fxp_map(program, consts, regs, src, dst, count):
    r = _i32(regs)
    s32 = _i32(src)
    d32 = _i32(dst)
    length = len(program)
    for i in range(count):
        r[0] = s32[i]
        pc = 0
        while pc < length:
            op, d, a, imm = program[pc], program[pc + 1], program[pc + 2], program[pc + 3]
            pc += 4
            a = r[a]
            b = r[imm] if op <= ops.LESS else 0
            if op == ops.SRDHM:
                v = srdhm(a, b)
            elif op == ops.RDBPOT:
                v = rdbpot(a, imm)
            elif op == ops.RDBPOT_REG:
                v = rdbpot(a, b)
            elif op == ops.ADD:
                v = a + b
            elif op == ops.SUB:
                v = a - b
            elif op == ops.CONST:
                v = consts[imm]
            elif op == ops.MOV:
                v = a
            elif op == ops.AND:
                v = a & b
            elif op == ops.SAT_SHL:
                limit = (1 << (31 - imm)) - 1
                v = INT32_MAX if a > limit else INT32_MIN if a < -limit else a << imm
            elif op == ops.SHL:
                v = a << imm
            elif op == ops.SHL_REG:
                v = a << b
            elif op == ops.SHR:
                v = a >> imm
            elif op == ops.SELECT:
                v = b if a else r[d]
            elif op == ops.LESS:
                v = 1 if a < b else 0
            elif op == ops.IS_ZERO:
                v = 1 if a == 0 else 0
            elif op == ops.TEST_BIT:
                v = (a >> imm) & 1
            elif op == ops.CLZ:
                v = _clz(a)
            elif op == ops.NEG:
                v = -a
            else:
                v = (a >> 1) + (1 << 30)
            r[d] = v
        d32[i] = r[1]
