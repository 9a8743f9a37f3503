"""Viper loops of the data-movement kernels (PAD, CONCATENATION, TRANSPOSE, STRIDED_SLICE).

A copy geometry (ulite.layouts.copy, built by kernels/copy_geometry.py) is a flat tuple
of small ints: five nested loops of n_k iterations that step the source by s_k and the
destination by t_k elements (s_k may be negative). Offsets stay inside the tensors, so
every index is below 2**31.
"""

import micropython
from micropython import const

# Fields of ulite.layouts.copy, restated for the compiler to fold (see ulite.layouts).
_COPY_ITEMSIZE = const(0)
_COPY_SRC_START = const(1)
_COPY_DST_START = const(2)
_COPY_COUNTS = const(3)
_COPY_SRC_STEPS = const(8)
_COPY_DST_STEPS = const(13)
_COPY_ARG_DST = const(0)
_COPY_ARG_SRC = const(1)
_COPY_ARG_GEOMETRY = const(2)


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
def move_bytes(dst, dst_start: int, src, src_start: int, count: int):
    """dst[dst_start:dst_start + count] = src[src_start:src_start + count], byte by byte,
    backwards when the two overlap with the destination after the source (a memmove).
    dst and src are any buffers (bytearray, array, memoryview)."""
    d = ptr8(dst)
    s = ptr8(src)
    if int(d) + dst_start > int(s) + src_start:
        i = count - 1
        while i >= 0:
            d[dst_start + i] = s[src_start + i]
            i -= 1
    else:
        for i in range(count):
            d[dst_start + i] = s[src_start + i]
