"""TFLM's int16 LOGISTIC and TANH in plain Python: the twin of viper/sigmoid.py, shared by
the int16 activation kernels and the integer LSTM's gates."""

import struct


def logistic_tanh_int16(args):
    x, out, count, multiplier, shift, table, tanh = args
    logistic_tanh(x, out, 0, count, multiplier, shift, table, tanh)


def logistic_tanh(x, out, start, count, multiplier, shift, table, tanh):
    """out[start:start + count] = TFLM's int16 logistic (tanh=0) or tanh of x[start:start +
    count] (int16 buffers; out may be x), interpolating the sigmoid table (ulite.sigmoid_lut)."""
    rounding = 1 << (shift - 1) if shift > 0 else 0
    fraction = 8 if tanh else 9
    for i in range(2 * start, 2 * (start + count), 2):
        v = (struct.unpack_from("<h", x, i)[0] * multiplier + rounding) >> shift
        a = abs(v)
        k = a >> fraction
        if k >= 255:
            r = 0xFFFF << 8 if tanh else 0x7FFF << 10
        else:
            ua, ub = struct.unpack_from("<HH", table, 2 * k)
            r = (ua << fraction) + (a & ((1 << fraction) - 1)) * (ub - ua)
        if tanh:
            r = (r - (1 << 23) + (1 << 7) if v >= 0 else (1 << 23) + (1 << 7) - 1 - r) >> 8
        else:
            r = (r + (1 << 9) if v >= 0 else (1 << 25) - r + (1 << 9) - 1) >> 10
        struct.pack_into("<h", out, i, r)
