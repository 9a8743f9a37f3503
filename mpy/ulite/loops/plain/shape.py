"""Data-movement and reduction loops in plain Python: the twin of viper/copy.py and
viper/mean.py."""

from ...layouts import copy as copy_layout
from ...layouts import mean as mean_layout
from ...tensor import array_itemsize, byte_view
from ...views import int32_view as _i32
from .core import requantize


def _levels(geo, start, count):
    return geo[start : start + count]


def copy_strided(args):
    dst, src, geo = args
    levels = copy_layout.COPY_LEVELS
    size = geo[copy_layout.COPY_ITEMSIZE]
    src_start, dst_start = geo[copy_layout.COPY_SRC_START], geo[copy_layout.COPY_DST_START]
    n0, n1, n2, n3, n4 = _levels(geo, copy_layout.COPY_COUNTS, levels)
    s0, s1, s2, s3, s4 = _levels(geo, copy_layout.COPY_SRC_STEPS, levels)
    t0, t1, t2, t3, t4 = _levels(geo, copy_layout.COPY_DST_STEPS, levels)
    run = s4 == 1 and t4 == 1
    for i0 in range(n0):
        for i1 in range(n1):
            for i2 in range(n2):
                for i3 in range(n3):
                    p = src_start + i0 * s0 + i1 * s1 + i2 * s2 + i3 * s3
                    q = dst_start + i0 * t0 + i1 * t1 + i2 * t2 + i3 * t3
                    if run:
                        dst[q * size : (q + n4) * size] = src[p * size : (p + n4) * size]
                        continue
                    for _ in range(n4):
                        if size == 1:
                            dst[q] = src[p]
                        else:
                            dst[q * size : (q + 1) * size] = src[p * size : (p + 1) * size]
                        p += s4
                        q += t4


def fill(dst, nbytes, value, itemsize):
    if not nbytes:
        return
    dst[0:itemsize] = value[0:itemsize]
    done = itemsize
    while done < nbytes:  # double the filled prefix
        n = min(done, nbytes - done)
        dst[done : done + n] = dst[0:n]
        done += n


def mean_int8(args):
    out, x, geo, acc_buf, chunk, rq = args
    groups = mean_layout.MEAN_GROUPS
    offset = geo[mean_layout.MEAN_OFFSET]
    k0, k1, k2 = _levels(geo, mean_layout.MEAN_KEPT_COUNTS, groups)
    ks0, ks1, ks2 = _levels(geo, mean_layout.MEAN_KEPT_STRIDES, groups)
    r0, r1, r2 = _levels(geo, mean_layout.MEAN_REDUCED_COUNTS, groups)
    rs0, rs1, rs2 = _levels(geo, mean_layout.MEAN_REDUCED_STRIDES, groups)
    acc = _i32(acc_buf)
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
                        for _ in range(r2):
                            s += x[p] ^ 0x80
                            p += rs2
                acc[fill_count] = s
                fill_count += 1
                if fill_count == chunk:
                    requantize(acc_buf, out, done, fill_count, rq, 0)
                    done += fill_count
                    fill_count = 0
    if fill_count:
        requantize(acc_buf, out, done, fill_count, rq, 0)


def move_bytes(dst, dst_start, src, src_start, count):
    d = _byte_view(dst)
    s = _byte_view(src)
    d[dst_start : dst_start + count] = bytes(s[src_start : src_start + count])  # overlap-safe


def _byte_view(buf):
    """Byte-level view of a buffer (an array('h') or a memoryview of one slices by items)."""
    if isinstance(buf, (bytes, bytearray)):
        return buf
    return byte_view(buf, len(buf) * array_itemsize(buf))
