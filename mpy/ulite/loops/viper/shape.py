"""Viper loops of the data-movement and reduction kernels (PAD, CONCATENATION, TRANSPOSE,
STRIDED_SLICE, MEAN).

A copy geometry (ulite.layouts.copy, built by kernels/copy_geometry.py) is a flat tuple
of small ints: five nested loops of n_k iterations that step the source by s_k and the
destination by t_k elements (s_k may be negative). Offsets stay inside the tensors, so
every index is below 2**31.
"""

import micropython
from micropython import const

from .core import requantize

# Fields of ulite.layouts (copy, mean), restated for the compiler to fold (see
# ulite.layouts).
_COPY_ITEMSIZE = const(0)
_COPY_SRC_START = const(1)
_COPY_DST_START = const(2)
_COPY_COUNTS = const(3)
_COPY_SRC_STEPS = const(8)
_COPY_DST_STEPS = const(13)
_COPY_ARG_DST = const(0)
_COPY_ARG_SRC = const(1)
_COPY_ARG_GEOMETRY = const(2)
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
def copy_strided(args):
    """args = (dst, src, geo): copy elements along the five nested loops of a geometry.

    When both innermost strides are 1 the innermost loop is a contiguous run; int8 runs are
    copied a 32-bit word at a time where source and destination share their alignment.
    """
    dst = args[_COPY_ARG_DST]
    src = args[_COPY_ARG_SRC]
    geo = args[_COPY_ARG_GEOMETRY]
    itemsize = int(geo[_COPY_ITEMSIZE])
    src_start = int(geo[_COPY_SRC_START])
    dst_start = int(geo[_COPY_DST_START])
    n0 = int(geo[_COPY_COUNTS])
    n1 = int(geo[_COPY_COUNTS + 1])
    n2 = int(geo[_COPY_COUNTS + 2])
    n3 = int(geo[_COPY_COUNTS + 3])
    n4 = int(geo[_COPY_COUNTS + 4])
    s0 = int(geo[_COPY_SRC_STEPS])
    s1 = int(geo[_COPY_SRC_STEPS + 1])
    s2 = int(geo[_COPY_SRC_STEPS + 2])
    s3 = int(geo[_COPY_SRC_STEPS + 3])
    s4 = int(geo[_COPY_SRC_STEPS + 4])
    t0 = int(geo[_COPY_DST_STEPS])
    t1 = int(geo[_COPY_DST_STEPS + 1])
    t2 = int(geo[_COPY_DST_STEPS + 2])
    t3 = int(geo[_COPY_DST_STEPS + 3])
    t4 = int(geo[_COPY_DST_STEPS + 4])
    d8 = ptr8(dst)
    s8 = ptr8(src)
    d16 = ptr16(dst)
    s16 = ptr16(src)
    d32 = ptr32(dst)
    s32 = ptr32(src)
    dst_addr = int(d8)
    src_addr = int(s8)
    byte_runs = itemsize == 1 and s4 == 1 and t4 == 1
    # int16/32 elements at odd addresses (a constant tensor may sit anywhere in the model)
    # are moved byte by byte: Cortex-M0+ faults on unaligned halfword and word accesses.
    unaligned = itemsize > 1 and ((src_addr | dst_addr) & (itemsize - 1)) != 0
    for i0 in range(n0):
        for i1 in range(n1):
            for i2 in range(n2):
                for i3 in range(n3):
                    p = src_start + i0 * s0 + i1 * s1 + i2 * s2 + i3 * s3
                    q = dst_start + i0 * t0 + i1 * t1 + i2 * t2 + i3 * t3
                    if byte_runs:
                        n = n4
                        if ((src_addr + p) ^ (dst_addr + q)) & 3 == 0:
                            while n > 0 and (dst_addr + q) & 3:
                                d8[q] = s8[p]
                                p += 1
                                q += 1
                                n -= 1
                            words = n >> 2
                            ws = ptr32(src_addr + p)
                            wd = ptr32(dst_addr + q)
                            for w in range(words):
                                wd[w] = ws[w]
                            p += words << 2
                            q += words << 2
                            n -= words << 2
                        for j in range(n):
                            d8[q + j] = s8[p + j]
                    elif itemsize == 1:
                        for j in range(n4):
                            d8[q] = s8[p]
                            p += s4
                            q += t4
                    elif unaligned:
                        for j in range(n4):
                            for b in range(itemsize):
                                d8[q * itemsize + b] = s8[p * itemsize + b]
                            p += s4
                            q += t4
                    elif itemsize == 2:
                        for j in range(n4):
                            d16[q] = s16[p]
                            p += s4
                            q += t4
                    else:
                        for j in range(n4):
                            d32[q] = s32[p]
                            p += s4
                            q += t4


@micropython.viper
def fill(dst, nbytes: int, value, itemsize: int):
    """Fill dst[0:nbytes] with the element in value[0:itemsize], repeated (itemsize 1, 2, 4).

    The element pattern is built into one 32-bit word and stored a word at a time when dst
    is word-aligned; byte j of the fill is byte j % 4 of that word.
    """
    v8 = ptr8(value)
    if itemsize == 1:
        word = int(v8[0]) * 0x01010101
    elif itemsize == 2:
        word = (int(v8[0]) | (int(v8[1]) << 8)) * 0x10001
    else:
        word = int(v8[0]) | (int(v8[1]) << 8) | (int(v8[2]) << 16) | (int(v8[3]) << 24)
    d8 = ptr8(dst)
    start = 0
    if int(d8) & 3 == 0:
        words = nbytes >> 2
        d32 = ptr32(dst)
        for w in range(words):
            d32[w] = word
        start = words << 2
    for j in range(start, nbytes):
        d8[j] = (word >> ((j & 3) << 3)) & 0xFF


@micropython.viper
def mean_int8(args):
    """int8 MEAN: sums over the reduced dims, requantized in chunks (TFLM QuantizedMeanOrSum).

    args and their geometry: ulite.layouts.mean, three kept loops (one output each, in
    order) of k_i iterations with input strides ks_i, and three reduced loops (summed)
    r_i / rs_i.
    Each element is read as x ^ 0x80 (x + 128 as unsigned), and offset = -(zp + 128) * n
    with n reduced elements, so acc = sum(x) - zp * n. Bound: MEAN's check refuses
    n >= 2**22, so the raw sum, offset and |acc| all stay below 255 * n < 2**30.
    """
    out = args[_MEAN_ARG_OUT]
    x8 = ptr8(args[_MEAN_ARG_X])
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
                            s += int(x8[p]) ^ 0x80
                            p += rs2
                acc[fill_count] = s
                fill_count += 1
                if fill_count == chunk:
                    requantize(acc_buf, out, done, fill_count, rq, 0)
                    done += fill_count
                    fill_count = 0
    if fill_count:
        requantize(acc_buf, out, done, fill_count, rq, 0)
