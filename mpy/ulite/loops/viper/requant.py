"""Requantization for MicroPython's viper emitter: int32 accumulators to int8/int16/int32
outputs, with TFLM's MultiplyByQuantizedMultiplier.

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


@micropython.viper
def requantize(acc: ptr32, out: ptr8, x: int, count: int, rq, first_channel: int):
    """out[out_start + i] = clamp(MBQM(acc[i], mult[c], shift[c]) + zp, lo, hi).

    Called as requantize(acc, out, out_start, count, rq, first_channel). acc: int32
    accumulators; c starts at first_channel and cycles through the `channels` of the
    requantization params rq (ulite.layouts.requant).
    Multipliers are in [0, 2**31), so ptr32 reads them as positive on every word size. With
    lo >= zp (a fused ReLU), an accumulator <= 0 gives MBQM <= 0 and so the output lo: no
    multiply needed. The three parameters viper keeps in registers walk the arrays.
    Callers keep x << max(shift, 0) and that plus zp inside int32 for every accumulator x
    (MBQM moves no value away from zero), so every intermediate fits int32; prepare
    checks it and tests/test_viper_int32.py proves it on the edge values.
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
