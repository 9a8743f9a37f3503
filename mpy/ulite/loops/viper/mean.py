"""Viper loop of MEAN (int8): the sums over the reduced groups (ulite.layouts.mean), requantized.
"""

import micropython
from micropython import const

from .requant import requantize

# Fields of ulite.layouts.mean, restated for the compiler to fold (see ulite.layouts).
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
