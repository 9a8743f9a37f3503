"""Viper loops of the data-movement and reduction kernels (PAD, CONCATENATION, TRANSPOSE,
STRIDED_SLICE, MEAN).

A copy geometry is a flat tuple of 18 small ints (built by kernels/copy_geometry.py):
(itemsize, src_start, dst_start, n0..n4, s0..s4, t0..t4): five nested loops of n_k
iterations that step the source by s_k and the destination by t_k elements (s_k may be
negative). Offsets stay inside the tensors, so every index is below 2**31.
"""

import micropython

from .core import requantize


@micropython.viper
def copy_strided(args):
    """args = (dst, src, geo): copy elements along the five nested loops of a geometry.

    When both innermost strides are 1 the innermost loop is a contiguous run; int8 runs are
    copied a 32-bit word at a time where source and destination share their alignment.
    """
    dst = args[0]
    src = args[1]
    geo = args[2]
    itemsize = int(geo[0])
    src_start = int(geo[1])
    dst_start = int(geo[2])
    n0 = int(geo[3])
    n1 = int(geo[4])
    n2 = int(geo[5])
    n3 = int(geo[6])
    n4 = int(geo[7])
    s0 = int(geo[8])
    s1 = int(geo[9])
    s2 = int(geo[10])
    s3 = int(geo[11])
    s4 = int(geo[12])
    t0 = int(geo[13])
    t1 = int(geo[14])
    t2 = int(geo[15])
    t3 = int(geo[16])
    t4 = int(geo[17])
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

    args = (out, x, geo, acc, chunk, rq) with geo = (offset, k0, k1, k2, ks0, ks1, ks2,
    r0, r1, r2, rs0, rs1, rs2): three kept loops (one output each, in order) of k_i
    iterations with input strides ks_i, and three reduced loops (summed) r_i / rs_i.
    Each element is read as x ^ 0x80 (x + 128 as unsigned), and offset = -(zp + 128) * n
    with n reduced elements, so acc = sum(x) - zp * n. Bound: MEAN's check refuses
    n >= 2**22, so the raw sum, offset and |acc| all stay below 255 * n < 2**30.
    """
    out = args[0]
    x8 = ptr8(args[1])
    geo = args[2]
    acc_buf = args[3]
    acc = ptr32(acc_buf)
    chunk = int(args[4])
    rq = args[5]
    offset = int(geo[0])
    k0 = int(geo[1])
    k1 = int(geo[2])
    k2 = int(geo[3])
    ks0 = int(geo[4])
    ks1 = int(geo[5])
    ks2 = int(geo[6])
    r0 = int(geo[7])
    r1 = int(geo[8])
    r2 = int(geo[9])
    rs0 = int(geo[10])
    rs1 = int(geo[11])
    rs2 = int(geo[12])
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

