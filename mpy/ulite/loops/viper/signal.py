"""Viper loops of TFLM's Signal ops (the audio front end): the twin of plain/signal.py.

An op's inputs are read a byte at a time, as 16-bit halves b0 | b1 << 8: a constant
tensor in a model frozen or kept in ROMFS may sit at an odd address, where a Cortex-M0+
faults on halfword loads. The arena's buffers (outputs, scratch, tables) are aligned and
go through ptr16. int16 values are sign-extended as (v ^ 0x8000) - 0x8000; a store through
ptr16 keeps the low 16 bits, as C's stores into int16 do, and kiss_fft's int16 locals wrap
the same way, ((v + 0x8000) & 0xFFFF) - 0x8000. uint32 and uint64 values are 16-bit
halves, so every intermediate stays a signed 32-bit word on any board (the bounds are noted
at each loop).
"""

import array

import micropython
from micropython import const

# Fields of ulite.layouts.signal, restated for the compiler to fold (see ulite.layouts).
_WINDOW_ARG_OUT = const(0)
_WINDOW_ARG_X = const(1)
_WINDOW_ARG_WEIGHTS = const(2)
_WINDOW_ARG_COUNT = const(3)
_WINDOW_ARG_WINDOW = const(4)
_WINDOW_ARG_SHIFT = const(5)
_SCALE_ARG_OUT = const(0)
_SCALE_ARG_X = const(1)
_SCALE_ARG_COUNT = const(2)
_SCALE_ARG_BITS = const(3)
_RFFT_ARG_OUT = const(0)
_RFFT_ARG_X = const(1)
_RFFT_ARG_ROWS = const(2)
_RFFT_ARG_ROW_LENGTH = const(3)
_RFFT_ARG_WORK = const(4)
_RFFT_ARG_TWIDDLES = const(5)
_RFFT_ARG_SUPER_TWIDDLES = const(6)
_RFFT_ARG_ORDER = const(7)
_RFFT_ARG_STAGES = const(8)
_RFFT_ARG_STAGE_COUNT = const(9)
_RFFT_ARG_HALF = const(10)
_RFFT_STAGE_RADIX = const(0)
_RFFT_STAGE_LENGTH = const(1)
_RFFT_STAGE_STRIDE = const(2)
_RFFT_STAGE_FIELDS = const(3)
_ENERGY_ARG_OUT = const(0)
_ENERGY_ARG_X = const(1)
_ENERGY_ARG_START = const(2)
_ENERGY_ARG_END = const(3)
_BANK_ARG_OUT = const(0)
_BANK_ARG_X = const(1)
_BANK_ARG_WEIGHTS = const(2)
_BANK_ARG_UNWEIGHTS = const(3)
_BANK_ARG_CHANNELS = const(4)
_BANK_ARG_COUNT = const(5)
_BANK_FREQUENCY_START = const(0)
_BANK_WEIGHT_START = const(1)
_BANK_WIDTH = const(2)
_BANK_FIELDS = const(3)
_SQRT_ARG_OUT = const(0)
_SQRT_ARG_X = const(1)
_SQRT_ARG_COUNT = const(2)
_SQRT_ARG_SCALE_BITS = const(3)
_SUBTRACT_ARG_OUT = const(0)
_SUBTRACT_ARG_NOISE_OUT = const(1)
_SUBTRACT_ARG_X = const(2)
_SUBTRACT_ARG_NOISE = const(3)
_SUBTRACT_ARG_COUNT = const(4)
_SUBTRACT_ARG_SETTINGS = const(5)
_SUBTRACT_SMOOTHING = const(0)
_SUBTRACT_ONE_MINUS_SMOOTHING = const(1)
_SUBTRACT_ALTERNATE_SMOOTHING = const(2)
_SUBTRACT_ALTERNATE_ONE_MINUS_SMOOTHING = const(3)
_SUBTRACT_MIN_SIGNAL_REMAINING = const(4)
_SUBTRACT_SMOOTHING_BITS = const(5)
_SUBTRACT_BITS = const(6)
_SUBTRACT_CLAMPING = const(7)
_PCAN_ARG_OUT = const(0)
_PCAN_ARG_X = const(1)
_PCAN_ARG_NOISE = const(2)
_PCAN_ARG_LUT = const(3)
_PCAN_ARG_COUNT = const(4)
_PCAN_ARG_SNR_SHIFT = const(5)
_LOG_ARG_OUT = const(0)
_LOG_ARG_X = const(1)
_LOG_ARG_COUNT = const(2)
_LOG_ARG_CORRECTION_BITS = const(3)
_LOG_ARG_OUTPUT_SCALE = const(4)


@micropython.viper
def window_int16(args):
    """|x * w| <= 2**30; shift is 0..31 (the kernel refuses others)."""
    out = ptr16(args[_WINDOW_ARG_OUT])
    x = ptr8(args[_WINDOW_ARG_X])
    w = ptr8(args[_WINDOW_ARG_WEIGHTS])
    count = int(args[_WINDOW_ARG_COUNT])
    window = int(args[_WINDOW_ARG_WINDOW])
    shift = int(args[_WINDOW_ARG_SHIFT])
    start = 0
    while start < count:
        for i in range(window):
            a = 2 * (start + i)
            v = (((int(x[a]) | (int(x[a + 1]) << 8)) ^ 0x8000) - 0x8000) * (
                ((int(w[2 * i]) | (int(w[2 * i + 1]) << 8)) ^ 0x8000) - 0x8000
            )
            v = v >> shift
            if v < -32768:
                v = -32768
            elif v > 32767:
                v = 32767
            out[start + i] = v
        start += window


@micropython.viper
def fft_auto_scale_int16(args):
    """TFLM's MaxAbs16 keeps an int16, so -(-32768) stores as -32768 (and then counts as
    32 bits, as does 0: no shift). A shift is at most 14, so |x << shift| <= 2**29."""
    out = ptr16(args[_SCALE_ARG_OUT])
    x = ptr8(args[_SCALE_ARG_X])
    count = int(args[_SCALE_ARG_COUNT])
    largest = 0
    for i in range(count):
        v = ((int(x[2 * i]) | (int(x[2 * i + 1]) << 8)) ^ 0x8000) - 0x8000
        if v > largest:
            largest = v
        elif 0 - v > largest:
            largest = ((0x8000 - v) & 0xFFFF) - 0x8000
    bits = 0
    if largest > 0:
        msb = 0
        while largest:
            largest = largest >> 1
            msb += 1
        bits = 15 - msb
    for i in range(count):
        out[i] = (((int(x[2 * i]) | (int(x[2 * i + 1]) << 8)) ^ 0x8000) - 0x8000) << bits
    ptr32(args[_SCALE_ARG_BITS])[0] = bits


@micropython.viper
def rfft_int16(args):
    """kiss_fftr, flattened as plain/signal.py describes: gather, the stages' butterflies,
    then the split into bins."""
    out = ptr16(args[_RFFT_ARG_OUT])
    x = ptr8(args[_RFFT_ARG_X])
    rows = int(args[_RFFT_ARG_ROWS])
    length = int(args[_RFFT_ARG_ROW_LENGTH])
    work_buf = args[_RFFT_ARG_WORK]
    work = ptr16(work_buf)
    tw_buf = args[_RFFT_ARG_TWIDDLES]
    order = ptr16(args[_RFFT_ARG_ORDER])
    plan = ptr32(args[_RFFT_ARG_STAGES])
    stages = int(args[_RFFT_ARG_STAGE_COUNT])
    half = int(args[_RFFT_ARG_HALF])
    for row in range(rows):
        base = row * length
        for j in range(half):
            i = int(order[j]) << 1
            p = 2 * (base + i)
            work[2 * j] = (int(x[p]) | (int(x[p + 1]) << 8)) if i < length else 0
            work[2 * j + 1] = (int(x[p + 2]) | (int(x[p + 3]) << 8)) if i + 1 < length else 0
        for s in range(stages):
            radix = plan[s * _RFFT_STAGE_FIELDS + _RFFT_STAGE_RADIX]
            m = plan[s * _RFFT_STAGE_FIELDS + _RFFT_STAGE_LENGTH]
            fstride = plan[s * _RFFT_STAGE_FIELDS + _RFFT_STAGE_STRIDE]
            for block in range(fstride):
                if radix == 4:
                    _butterfly4(work_buf, block * 4 * m, m, fstride, tw_buf)
                elif radix == 2:
                    _butterfly2(work_buf, block * 2 * m, m, fstride, tw_buf)
                elif radix == 3:
                    _butterfly3(work_buf, block * 3 * m, m, fstride, tw_buf)
                else:
                    _butterfly5(work_buf, block * 5 * m, m, fstride, tw_buf)
        _split(work_buf, args[_RFFT_ARG_OUT], row * 2 * (half + 1), half, args[_RFFT_ARG_SUPER_TWIDDLES])


# kiss_fft's C_FIXDIV(c, div) is ((c * (32767 // div) + 2**14) >> 15): |c| <= 32768 times at
# most 16383 stays below 2**29. C_MUL sums two products of int16 values (a twiddle below
# 32768 in magnitude), below 2**31 - 2**16, plus 2**14 for sround.


@micropython.viper
def _butterfly2(buf, base: int, m: int, fstride: int, tw_buf):
    f = ptr16(buf)
    tw = ptr16(tw_buf)
    for k in range(m):
        a = 2 * (base + k)
        b = a + 2 * m
        ar = (((int(f[a]) ^ 0x8000) - 0x8000) * 16383 + 0x4000) >> 15
        ai = (((int(f[a + 1]) ^ 0x8000) - 0x8000) * 16383 + 0x4000) >> 15
        br = (((int(f[b]) ^ 0x8000) - 0x8000) * 16383 + 0x4000) >> 15
        bi = (((int(f[b + 1]) ^ 0x8000) - 0x8000) * 16383 + 0x4000) >> 15
        t = 2 * k * fstride
        wr = (int(tw[t]) ^ 0x8000) - 0x8000
        wi = (int(tw[t + 1]) ^ 0x8000) - 0x8000
        tr = ((((br * wr - bi * wi + 0x4000) >> 15) + 0x8000) & 0xFFFF) - 0x8000
        ti = ((((br * wi + bi * wr + 0x4000) >> 15) + 0x8000) & 0xFFFF) - 0x8000
        f[b] = ar - tr
        f[b + 1] = ai - ti
        f[a] = ar + tr
        f[a + 1] = ai + ti


@micropython.viper
def _butterfly3(buf, base: int, m: int, fstride: int, tw_buf):
    f = ptr16(buf)
    tw = ptr16(tw_buf)
    e3 = (int(tw[2 * fstride * m + 1]) ^ 0x8000) - 0x8000
    for k in range(m):
        a = 2 * (base + k)
        b = a + 2 * m
        c = b + 2 * m
        ar = (((int(f[a]) ^ 0x8000) - 0x8000) * 10922 + 0x4000) >> 15
        ai = (((int(f[a + 1]) ^ 0x8000) - 0x8000) * 10922 + 0x4000) >> 15
        br = (((int(f[b]) ^ 0x8000) - 0x8000) * 10922 + 0x4000) >> 15
        bi = (((int(f[b + 1]) ^ 0x8000) - 0x8000) * 10922 + 0x4000) >> 15
        cr = (((int(f[c]) ^ 0x8000) - 0x8000) * 10922 + 0x4000) >> 15
        ci = (((int(f[c + 1]) ^ 0x8000) - 0x8000) * 10922 + 0x4000) >> 15
        t = 2 * k * fstride
        wr = (int(tw[t]) ^ 0x8000) - 0x8000
        wi = (int(tw[t + 1]) ^ 0x8000) - 0x8000
        s1r = ((((br * wr - bi * wi + 0x4000) >> 15) + 0x8000) & 0xFFFF) - 0x8000
        s1i = ((((br * wi + bi * wr + 0x4000) >> 15) + 0x8000) & 0xFFFF) - 0x8000
        t = 2 * t
        wr = (int(tw[t]) ^ 0x8000) - 0x8000
        wi = (int(tw[t + 1]) ^ 0x8000) - 0x8000
        s2r = ((((cr * wr - ci * wi + 0x4000) >> 15) + 0x8000) & 0xFFFF) - 0x8000
        s2i = ((((cr * wi + ci * wr + 0x4000) >> 15) + 0x8000) & 0xFFFF) - 0x8000
        s3r = ((s1r + s2r + 0x8000) & 0xFFFF) - 0x8000
        s3i = ((s1i + s2i + 0x8000) & 0xFFFF) - 0x8000
        s0r = ((s1r - s2r + 0x8000) & 0xFFFF) - 0x8000
        s0i = ((s1i - s2i + 0x8000) & 0xFFFF) - 0x8000
        mr = ((ar - (s3r >> 1) + 0x8000) & 0xFFFF) - 0x8000
        mi = ((ai - (s3i >> 1) + 0x8000) & 0xFFFF) - 0x8000
        s0r = ((((s0r * e3 + 0x4000) >> 15) + 0x8000) & 0xFFFF) - 0x8000
        s0i = ((((s0i * e3 + 0x4000) >> 15) + 0x8000) & 0xFFFF) - 0x8000
        f[a] = ar + s3r
        f[a + 1] = ai + s3i
        f[c] = mr + s0i
        f[c + 1] = mi - s0r
        f[b] = mr - s0i
        f[b + 1] = mi + s0r


@micropython.viper
def _butterfly4(buf, base: int, m: int, fstride: int, tw_buf):
    f = ptr16(buf)
    tw = ptr16(tw_buf)
    for k in range(m):
        a = 2 * (base + k)
        b = a + 2 * m
        c = b + 2 * m
        d = c + 2 * m
        ar = (((int(f[a]) ^ 0x8000) - 0x8000) * 8191 + 0x4000) >> 15
        ai = (((int(f[a + 1]) ^ 0x8000) - 0x8000) * 8191 + 0x4000) >> 15
        br = (((int(f[b]) ^ 0x8000) - 0x8000) * 8191 + 0x4000) >> 15
        bi = (((int(f[b + 1]) ^ 0x8000) - 0x8000) * 8191 + 0x4000) >> 15
        cr = (((int(f[c]) ^ 0x8000) - 0x8000) * 8191 + 0x4000) >> 15
        ci = (((int(f[c + 1]) ^ 0x8000) - 0x8000) * 8191 + 0x4000) >> 15
        dr = (((int(f[d]) ^ 0x8000) - 0x8000) * 8191 + 0x4000) >> 15
        di = (((int(f[d + 1]) ^ 0x8000) - 0x8000) * 8191 + 0x4000) >> 15
        t = 2 * k * fstride
        wr = (int(tw[t]) ^ 0x8000) - 0x8000
        wi = (int(tw[t + 1]) ^ 0x8000) - 0x8000
        s0r = ((((br * wr - bi * wi + 0x4000) >> 15) + 0x8000) & 0xFFFF) - 0x8000
        s0i = ((((br * wi + bi * wr + 0x4000) >> 15) + 0x8000) & 0xFFFF) - 0x8000
        wr = (int(tw[2 * t]) ^ 0x8000) - 0x8000
        wi = (int(tw[2 * t + 1]) ^ 0x8000) - 0x8000
        s1r = ((((cr * wr - ci * wi + 0x4000) >> 15) + 0x8000) & 0xFFFF) - 0x8000
        s1i = ((((cr * wi + ci * wr + 0x4000) >> 15) + 0x8000) & 0xFFFF) - 0x8000
        wr = (int(tw[3 * t]) ^ 0x8000) - 0x8000
        wi = (int(tw[3 * t + 1]) ^ 0x8000) - 0x8000
        s2r = ((((dr * wr - di * wi + 0x4000) >> 15) + 0x8000) & 0xFFFF) - 0x8000
        s2i = ((((dr * wi + di * wr + 0x4000) >> 15) + 0x8000) & 0xFFFF) - 0x8000
        s5r = ((ar - s1r + 0x8000) & 0xFFFF) - 0x8000
        s5i = ((ai - s1i + 0x8000) & 0xFFFF) - 0x8000
        ar = ((ar + s1r + 0x8000) & 0xFFFF) - 0x8000
        ai = ((ai + s1i + 0x8000) & 0xFFFF) - 0x8000
        s3r = ((s0r + s2r + 0x8000) & 0xFFFF) - 0x8000
        s3i = ((s0i + s2i + 0x8000) & 0xFFFF) - 0x8000
        s4r = ((s0r - s2r + 0x8000) & 0xFFFF) - 0x8000
        s4i = ((s0i - s2i + 0x8000) & 0xFFFF) - 0x8000
        f[c] = ar - s3r
        f[c + 1] = ai - s3i
        f[a] = ar + s3r
        f[a + 1] = ai + s3i
        f[b] = s5r + s4i
        f[b + 1] = s5i - s4r
        f[d] = s5r - s4i
        f[d + 1] = s5i + s4r


@micropython.viper
def _mul_round(a: int, b: int) -> int:
    """kiss_fft's S_MUL: sround(a * b) as an int16."""
    return ((((a * b + 0x4000) >> 15) + 0x8000) & 0xFFFF) - 0x8000


@micropython.viper
def _butterfly5(buf, base: int, m: int, fstride: int, tw_buf):
    f = ptr16(buf)
    tw = ptr16(tw_buf)
    yar = (int(tw[2 * fstride * m]) ^ 0x8000) - 0x8000
    yai = (int(tw[2 * fstride * m + 1]) ^ 0x8000) - 0x8000
    ybr = (int(tw[4 * fstride * m]) ^ 0x8000) - 0x8000
    ybi = (int(tw[4 * fstride * m + 1]) ^ 0x8000) - 0x8000
    for u in range(m):
        p0 = 2 * (base + u)
        s0r = (((int(f[p0]) ^ 0x8000) - 0x8000) * 6553 + 0x4000) >> 15
        s0i = (((int(f[p0 + 1]) ^ 0x8000) - 0x8000) * 6553 + 0x4000) >> 15
        # scratch[1..4]: Fout1..4 over 5, times their twiddles, kept in f's slots
        for j in range(1, 5):
            p = p0 + 2 * j * m
            vr = (((int(f[p]) ^ 0x8000) - 0x8000) * 6553 + 0x4000) >> 15
            vi = (((int(f[p + 1]) ^ 0x8000) - 0x8000) * 6553 + 0x4000) >> 15
            t = 2 * j * u * fstride
            wr = (int(tw[t]) ^ 0x8000) - 0x8000
            wi = (int(tw[t + 1]) ^ 0x8000) - 0x8000
            f[p] = (vr * wr - vi * wi + 0x4000) >> 15
            f[p + 1] = (vr * wi + vi * wr + 0x4000) >> 15
        p1 = p0 + 2 * m
        p2 = p1 + 2 * m
        p3 = p2 + 2 * m
        p4 = p3 + 2 * m
        s1r = (int(f[p1]) ^ 0x8000) - 0x8000
        s1i = (int(f[p1 + 1]) ^ 0x8000) - 0x8000
        s2r = (int(f[p2]) ^ 0x8000) - 0x8000
        s2i = (int(f[p2 + 1]) ^ 0x8000) - 0x8000
        s3r = (int(f[p3]) ^ 0x8000) - 0x8000
        s3i = (int(f[p3 + 1]) ^ 0x8000) - 0x8000
        s4r = (int(f[p4]) ^ 0x8000) - 0x8000
        s4i = (int(f[p4 + 1]) ^ 0x8000) - 0x8000
        s7r = ((s1r + s4r + 0x8000) & 0xFFFF) - 0x8000
        s7i = ((s1i + s4i + 0x8000) & 0xFFFF) - 0x8000
        s10r = ((s1r - s4r + 0x8000) & 0xFFFF) - 0x8000
        s10i = ((s1i - s4i + 0x8000) & 0xFFFF) - 0x8000
        s8r = ((s2r + s3r + 0x8000) & 0xFFFF) - 0x8000
        s8i = ((s2i + s3i + 0x8000) & 0xFFFF) - 0x8000
        s9r = ((s2r - s3r + 0x8000) & 0xFFFF) - 0x8000
        s9i = ((s2i - s3i + 0x8000) & 0xFFFF) - 0x8000
        f[p0] = s0r + s7r + s8r
        f[p0 + 1] = s0i + s7i + s8i
        s5r = s0r + int(_mul_round(s7r, yar)) + int(_mul_round(s8r, ybr))
        s5i = s0i + int(_mul_round(s7i, yar)) + int(_mul_round(s8i, ybr))
        s5r = ((s5r + 0x8000) & 0xFFFF) - 0x8000
        s5i = ((s5i + 0x8000) & 0xFFFF) - 0x8000
        s6r = int(_mul_round(s10i, yai)) + int(_mul_round(s9i, ybi))
        s6i = 0 - int(_mul_round(s10r, yai)) - int(_mul_round(s9r, ybi))
        s6r = ((s6r + 0x8000) & 0xFFFF) - 0x8000
        s6i = ((s6i + 0x8000) & 0xFFFF) - 0x8000
        f[p1] = s5r - s6r
        f[p1 + 1] = s5i - s6i
        f[p4] = s5r + s6r
        f[p4 + 1] = s5i + s6i
        s11r = s0r + int(_mul_round(s7r, ybr)) + int(_mul_round(s8r, yar))
        s11i = s0i + int(_mul_round(s7i, ybr)) + int(_mul_round(s8i, yar))
        s11r = ((s11r + 0x8000) & 0xFFFF) - 0x8000
        s11i = ((s11i + 0x8000) & 0xFFFF) - 0x8000
        s12r = int(_mul_round(s9i, yai)) - int(_mul_round(s10i, ybi))
        s12i = int(_mul_round(s10r, ybi)) - int(_mul_round(s9r, yai))
        s12r = ((s12r + 0x8000) & 0xFFFF) - 0x8000
        s12i = ((s12i + 0x8000) & 0xFFFF) - 0x8000
        f[p2] = s11r + s12r
        f[p2 + 1] = s11i + s12i
        f[p3] = s11r - s12r
        f[p3 + 1] = s11i - s12i


@micropython.viper
def _split(work_buf, out_buf, at: int, half: int, stw_buf):
    """kiss_fftr's last step: the half + 1 bins from the complex FFT."""
    work = ptr16(work_buf)
    out = ptr16(out_buf)
    stw = ptr16(stw_buf)
    dcr = (((int(work[0]) ^ 0x8000) - 0x8000) * 16383 + 0x4000) >> 15
    dci = (((int(work[1]) ^ 0x8000) - 0x8000) * 16383 + 0x4000) >> 15
    out[at] = dcr + dci
    out[at + 1] = 0
    out[at + 2 * half] = dcr - dci
    out[at + 2 * half + 1] = 0
    for k in range(1, (half >> 1) + 1):
        pr = (((int(work[2 * k]) ^ 0x8000) - 0x8000) * 16383 + 0x4000) >> 15
        pi = (((int(work[2 * k + 1]) ^ 0x8000) - 0x8000) * 16383 + 0x4000) >> 15
        n = 2 * (half - k)
        qr = (((int(work[n]) ^ 0x8000) - 0x8000) * 16383 + 0x4000) >> 15
        qi = ((int(work[n + 1]) ^ 0x8000) - 0x8000)
        qi = ((0x8000 - qi) & 0xFFFF) - 0x8000  # -x stored as an int16
        qi = (qi * 16383 + 0x4000) >> 15
        f1r = ((pr + qr + 0x8000) & 0xFFFF) - 0x8000
        f1i = ((pi + qi + 0x8000) & 0xFFFF) - 0x8000
        f2r = ((pr - qr + 0x8000) & 0xFFFF) - 0x8000
        f2i = ((pi - qi + 0x8000) & 0xFFFF) - 0x8000
        t = 2 * (k - 1)
        wr = (int(stw[t]) ^ 0x8000) - 0x8000
        wi = (int(stw[t + 1]) ^ 0x8000) - 0x8000
        tr = ((((f2r * wr - f2i * wi + 0x4000) >> 15) + 0x8000) & 0xFFFF) - 0x8000
        ti = ((((f2r * wi + f2i * wr + 0x4000) >> 15) + 0x8000) & 0xFFFF) - 0x8000
        out[at + 2 * k] = (f1r + tr) >> 1
        out[at + 2 * k + 1] = (f1i + ti) >> 1
        out[at + n] = (f1r - tr) >> 1
        out[at + n + 1] = (ti - f1i) >> 1


@micropython.viper
def energy_int16(args):
    """re**2 + im**2 <= 2**31, one more than int32 holds: the squares (each at most 2**30)
    are added by 16-bit halves."""
    out = ptr16(args[_ENERGY_ARG_OUT])
    x = ptr8(args[_ENERGY_ARG_X])
    for i in range(int(args[_ENERGY_ARG_START]), int(args[_ENERGY_ARG_END])):
        re = ((int(x[4 * i]) | (int(x[4 * i + 1]) << 8)) ^ 0x8000) - 0x8000
        im = ((int(x[4 * i + 2]) | (int(x[4 * i + 3]) << 8)) ^ 0x8000) - 0x8000
        re = re * re
        im = im * im
        low = (re & 0xFFFF) + (im & 0xFFFF)
        out[2 * i] = low
        out[2 * i + 1] = (re >> 16) + (im >> 16) + (low >> 16)


@micropython.viper
def filter_bank_uint64(args):
    """uint64 sums as four 16-bit limbs, a0 + a1 << 16 + a2 << 32 + a3 << 48 (mod 2**64):
    a weight (int16, converted to uint64 as C does: negative ones subtract) times a 16-bit
    half of an energy is below 2**31 in magnitude, so after each product the limbs carry
    into the next before any can leave int32."""
    out = ptr16(args[_BANK_ARG_OUT])
    x = ptr8(args[_BANK_ARG_X])
    weights = ptr8(args[_BANK_ARG_WEIGHTS])
    unweights = ptr8(args[_BANK_ARG_UNWEIGHTS])
    table = ptr32(args[_BANK_ARG_CHANNELS])
    count = int(args[_BANK_ARG_COUNT])
    w0 = w1 = w2 = w3 = 0  # the weighted sum
    u0 = u1 = u2 = u3 = 0  # the unweighted sum
    for c in range(count + 1):
        record = c * _BANK_FIELDS
        frequency = table[record + _BANK_FREQUENCY_START]
        start = table[record + _BANK_WEIGHT_START]
        for j in range(table[record + _BANK_WIDTH]):
            a = 4 * (frequency + j)
            low = int(x[a]) | (int(x[a + 1]) << 8)
            high = int(x[a + 2]) | (int(x[a + 3]) << 8)
            a = 2 * (start + j)
            w = ((int(weights[a]) | (int(weights[a + 1]) << 8)) ^ 0x8000) - 0x8000
            w0 += w * low
            w1 += (w0 >> 16) + w * high
            w0 &= 0xFFFF
            w2 += w1 >> 16
            w1 &= 0xFFFF
            w3 = (w3 + (w2 >> 16)) & 0xFFFF
            w2 &= 0xFFFF
            w = ((int(unweights[a]) | (int(unweights[a + 1]) << 8)) ^ 0x8000) - 0x8000
            u0 += w * low
            u1 += (u0 >> 16) + w * high
            u0 &= 0xFFFF
            u2 += u1 >> 16
            u1 &= 0xFFFF
            u3 = (u3 + (u2 >> 16)) & 0xFFFF
            u2 &= 0xFFFF
        if c:
            out[4 * c - 4] = w0
            out[4 * c - 3] = w1
            out[4 * c - 2] = w2
            out[4 * c - 1] = w3
        w0 = u0
        w1 = u1
        w2 = u2
        w3 = u3
        u0 = u1 = u2 = u3 = 0


# --- the per-channel ops: uint32 and uint64 values as 16-bit halves ---------------------------

_WIDE = bytearray(24)  # a product's four 16-bit limbs (int32 words), then a result's halves
_LOG_LUT = array.array(
    "H",
    (0, 224, 442, 654, 861, 1063, 1259, 1450, 1636, 1817, 1992, 2163, 2329, 2490, 2646, 2797,
     2944, 3087, 3224, 3358, 3487, 3611, 3732, 3848, 3960, 4068, 4172, 4272, 4368, 4460, 4549,
     4633, 4714, 4791, 4864, 4934, 5001, 5063, 5123, 5178, 5231, 5280, 5326, 5368, 5408, 5444,
     5477, 5507, 5533, 5557, 5578, 5595, 5610, 5622, 5631, 5637, 5640, 5641, 5638, 5633, 5626,
     5615, 5602, 5586, 5568, 5547, 5524, 5498, 5470, 5439, 5406, 5370, 5332, 5291, 5249, 5203,
     5156, 5106, 5054, 5000, 4944, 4885, 4825, 4762, 4697, 4630, 4561, 4490, 4416, 4341, 4264,
     4184, 4103, 4020, 3935, 3848, 3759, 3668, 3575, 3481, 3384, 3286, 3186, 3084, 2981, 2875,
     2768, 2659, 2549, 2437, 2323, 2207, 2090, 1971, 1851, 1729, 1605, 1480, 1353, 1224, 1094,
     963, 830, 695, 559, 421, 282, 142, 0, 0),
)  # fmt: skip  (TFLM signal/src/log.cc kLogLut)


@micropython.viper
def _multiply_add(wide: ptr32, ah: int, al: int, bh: int, bl: int):
    """wide[0..3] (16-bit limbs, mod 2**64) += (ah << 16 | al) * (bh << 16 | bl), the four
    halves' products each in two parts below 2**24."""
    lo = (al & 0xFF) * bl
    hi = (al >> 8) * bl
    wide[0] = wide[0] + (lo & 0xFFFF) + ((hi & 0xFF) << 8)
    wide[1] = wide[1] + (lo >> 16) + (hi >> 8)
    lo = (ah & 0xFF) * bl
    hi = (ah >> 8) * bl
    wide[1] = wide[1] + (lo & 0xFFFF) + ((hi & 0xFF) << 8)
    wide[2] = wide[2] + (lo >> 16) + (hi >> 8)
    lo = (al & 0xFF) * bh
    hi = (al >> 8) * bh
    wide[1] = wide[1] + (lo & 0xFFFF) + ((hi & 0xFF) << 8)
    wide[2] = wide[2] + (lo >> 16) + (hi >> 8)
    lo = (ah & 0xFF) * bh
    hi = (ah >> 8) * bh
    wide[2] = wide[2] + (lo & 0xFFFF) + ((hi & 0xFF) << 8)
    wide[3] = wide[3] + (lo >> 16) + (hi >> 8)
    for k in range(3):
        wide[k + 1] = wide[k + 1] + (wide[k] >> 16)
        wide[k] = wide[k] & 0xFFFF
    wide[3] = wide[3] & 0xFFFF


@micropython.viper
def _shift_out(wide: ptr32, bits: int):
    """wide[4], wide[5] = the low and high halves of (wide[0..3] >> bits) & 0xFFFFFFFF,
    bits 0..63."""
    q = bits >> 4
    r = bits & 15
    keep = (1 << r) - 1
    l0 = wide[q] if q < 4 else 0
    l1 = wide[q + 1] if q < 3 else 0
    l2 = wide[q + 2] if q < 2 else 0
    wide[4] = (l0 >> r) | ((l1 & keep) << (16 - r))
    wide[5] = (l1 >> r) | ((l2 & keep) << (16 - r))


@micropython.viper
def _clear(wide: ptr32):
    wide[0] = 0
    wide[1] = 0
    wide[2] = 0
    wide[3] = 0


@micropython.viper
def _msb32(high: int, low: int) -> int:
    """MostSignificantBit32 of high << 16 | low (32 for 0, as TFLM's GCC build)."""
    v = high
    n = 16
    if not high:
        v = low
        n = 0
        if not low:
            return 32
    while v:
        v = v >> 1
        n += 1
    return n


@micropython.viper
def filter_bank_sqrt_uint64(args):
    """TFLM's Sqrt64 (Sqrt32 below 2**32): the root digit by digit, two bits of the input
    at a time, remainder r and root s as (high, low) halves (r < 2 * s + 1 < 2**33, so
    4 * r + 3 < 2**35 keeps its high part below 2**19), then rounded to nearest unless it
    is 0xFFFF (0xFFFFFFFF from 2**32 on); shifted right by the scale bits (mod 32)."""
    out = ptr16(args[_SQRT_ARG_OUT])
    x = ptr8(args[_SQRT_ARG_X])
    count = int(args[_SQRT_ARG_COUNT])
    shift = int(ptr8(args[_SQRT_ARG_SCALE_BITS])[0]) & 31
    keep = (1 << (shift & 15)) - 1
    for i in range(count):
        rh = 0
        rl = 0
        sh = 0
        sl = 0
        top = 31  # the first pair of bits to take: skip the zero high halves
        while top > 7 and (int(x[8 * i + 2 * (top >> 3)]) | int(x[8 * i + 2 * (top >> 3) + 1])) == 0:
            top -= 8
        for pair in range(top, -1, -1):
            a = 8 * i + (pair >> 2)  # the byte holding this pair of bits
            bits = (int(x[a]) >> ((pair & 3) << 1)) & 3
            rl = (rl << 2) | bits
            rh = (rh << 2) + (rl >> 16)
            rl &= 0xFFFF
            tl = (sl << 2) | 1
            th = (sh << 2) + (tl >> 16)
            tl &= 0xFFFF
            sl = sl << 1
            sh = (sh << 1) + (sl >> 16)
            sl &= 0xFFFF
            if rh > th or (rh == th and rl >= tl):
                rl -= tl
                rh -= th
                if rl < 0:
                    rl += 0x10000
                    rh -= 1
                sl += 1
        small = (int(x[8 * i + 4]) | int(x[8 * i + 5]) | int(x[8 * i + 6]) | int(x[8 * i + 7])) == 0
        capped = sl == 0xFFFF and (small or sh == 0xFFFF)
        if (rh > sh or (rh == sh and rl > sl)) and not capped:
            sl += 1
            sh += sl >> 16
            sl &= 0xFFFF
        if shift >= 16:
            sl = sh >> (shift - 16)
            sh = 0
        else:
            sl = (sl >> shift) | ((sh & keep) << (16 - shift))
            sh = sh >> shift
        out[2 * i] = sl
        out[2 * i + 1] = sh


@micropython.viper
def spectral_subtraction_uint32(args):
    """TFLM's FilterbankSpectralSubtraction with uint32 values as halves and the uint64
    products in _WIDE's limbs; shift counts masked as x86-64 masks them."""
    out = ptr16(args[_SUBTRACT_ARG_OUT])
    noise_out = ptr16(args[_SUBTRACT_ARG_NOISE_OUT])
    x = ptr8(args[_SUBTRACT_ARG_X])
    noise = ptr16(args[_SUBTRACT_ARG_NOISE])
    count = int(args[_SUBTRACT_ARG_COUNT])
    settings = args[_SUBTRACT_ARG_SETTINGS]
    smoothing_bits = int(settings[_SUBTRACT_SMOOTHING_BITS]) & 31
    bits = int(settings[_SUBTRACT_BITS]) & 63
    clamping = int(settings[_SUBTRACT_CLAMPING])
    wide = ptr32(_WIDE)
    for i in range(count):
        if i & 1:
            smoothing = settings[_SUBTRACT_ALTERNATE_SMOOTHING]
            one_minus = settings[_SUBTRACT_ALTERNATE_ONE_MINUS_SMOOTHING]
        else:
            smoothing = settings[_SUBTRACT_SMOOTHING]
            one_minus = settings[_SUBTRACT_ONE_MINUS_SMOOTHING]
        xl = int(x[4 * i]) | (int(x[4 * i + 1]) << 8)
        xh = int(x[4 * i + 2]) | (int(x[4 * i + 3]) << 8)
        _shift_left(_WIDE, xh, xl, smoothing_bits)
        sl = wide[4]
        sh = wide[5]
        _clear(wide)
        _multiply_add(_WIDE, sh, sl, (int(smoothing) >> 16) & 0xFFFF, int(smoothing) & 0xFFFF)
        _multiply_add(_WIDE, int(noise[2 * i + 1]), int(noise[2 * i]), (int(one_minus) >> 16) & 0xFFFF, int(one_minus) & 0xFFFF)
        _shift_out(_WIDE, bits)
        el = wide[4]
        eh = wide[5]
        noise[2 * i] = el
        noise[2 * i + 1] = eh
        if eh > sh or (eh == sh and el > sl):
            el = sl
            eh = sh
            if clamping:
                noise[2 * i] = el
                noise[2 * i + 1] = eh
        _clear(wide)
        floor_factor = settings[_SUBTRACT_MIN_SIGNAL_REMAINING]
        _multiply_add(_WIDE, xh, xl, (int(floor_factor) >> 16) & 0xFFFF, int(floor_factor) & 0xFFFF)
        _shift_out(_WIDE, bits)
        fl = wide[4]
        fh = wide[5]
        dl = sl - el
        dh = sh - eh
        if dl < 0:
            dl += 0x10000
            dh -= 1
        _shift_right(_WIDE, dh, dl, smoothing_bits)
        dl = wide[4]
        dh = wide[5]
        if fh > dh or (fh == dh and fl > dl):
            dl = fl
            dh = fh
        out[2 * i] = dl
        out[2 * i + 1] = dh
        noise_out[2 * i] = noise[2 * i]
        noise_out[2 * i + 1] = noise[2 * i + 1]


@micropython.viper
def _shift_left(wide: ptr32, high: int, low: int, bits: int):
    """wide[4], wide[5] = the halves of (high << 16 | low) << bits, mod 2**32 (bits 0..31)."""
    if bits >= 16:
        wide[5] = (low << (bits - 16)) & 0xFFFF
        wide[4] = 0
    else:
        wide[5] = ((high << bits) | (low >> (16 - bits))) & 0xFFFF
        wide[4] = (low << bits) & 0xFFFF


@micropython.viper
def _shift_right(wide: ptr32, high: int, low: int, bits: int):
    """wide[4], wide[5] = the halves of (high << 16 | low) >> bits (bits 0..31)."""
    if bits >= 16:
        wide[4] = high >> (bits - 16)
        wide[5] = 0
    else:
        wide[4] = (low >> bits) | ((high & ((1 << bits) - 1)) << (16 - bits))
        wide[5] = high >> bits


@micropython.viper
def pcan_uint32(args):
    """TFLM's PCAN gain control: WideDynamicFunction's int32 arithmetic (its product may
    wrap: it is taken by halves), the gain as uint32, the uint64 product in _WIDE."""
    out = ptr16(args[_PCAN_ARG_OUT])
    x = ptr8(args[_PCAN_ARG_X])
    noise = ptr8(args[_PCAN_ARG_NOISE])
    lut = ptr8(args[_PCAN_ARG_LUT])
    count = int(args[_PCAN_ARG_COUNT])
    shift = int(args[_PCAN_ARG_SNR_SHIFT]) & 63
    wide = ptr32(_WIDE)
    for i in range(count):
        nl = int(noise[4 * i]) | (int(noise[4 * i + 1]) << 8)
        nh = int(noise[4 * i + 2]) | (int(noise[4 * i + 3]) << 8)
        if nh == 0 and nl <= 2:
            gain = ((int(lut[2 * nl]) | (int(lut[2 * nl + 1]) << 8)) ^ 0x8000) - 0x8000
        else:
            interval = int(_msb32(nh, nl))
            at = 4 * interval - 6
            if interval < 11:
                frac = (nl << (11 - interval)) & 0x3FF
            elif interval - 11 >= 16:
                frac = (nh >> (interval - 27)) & 0x3FF
            else:
                s = interval - 11
                frac = ((nl >> s) | ((nh & ((1 << s) - 1)) << (16 - s))) & 0x3FF
            a = 2 * at
            c0 = ((int(lut[a]) | (int(lut[a + 1]) << 8)) ^ 0x8000) - 0x8000
            c1 = ((int(lut[a + 2]) | (int(lut[a + 3]) << 8)) ^ 0x8000) - 0x8000
            c2 = ((int(lut[a + 4]) | (int(lut[a + 5]) << 8)) ^ 0x8000) - 0x8000
            result = ((c2 * frac) >> 5) + c1 * 32
            pl = (result & 0xFFFF) * frac + 0x4000  # result * frac + 2**14, wrapped to int32
            ph = (result >> 16) * frac + (pl >> 16)
            ph = ((ph + 0x8000) & 0xFFFF) - 0x8000
            result = ph * 2 + ((pl & 0xFFFF) >> 15) + c0
            gain = ((result + 0x8000) & 0xFFFF) - 0x8000
        _clear(wide)
        xl = int(x[4 * i]) | (int(x[4 * i + 1]) << 8)
        xh = int(x[4 * i + 2]) | (int(x[4 * i + 3]) << 8)
        _multiply_add(_WIDE, xh, xl, (gain >> 16) & 0xFFFF, gain & 0xFFFF)
        _shift_out(_WIDE, shift)
        sl = wide[4]
        sh = wide[5]
        if sh == 0 and sl < 8192:  # PcanShrink: kPcanSnrBits 12, kPcanOutputBits 6
            v = (sl * sl) >> 20
            out[2 * i] = v
            out[2 * i + 1] = 0
        else:
            v = (sh << 10) + (sl >> 6) - 64
            out[2 * i] = v & 0xFFFF
            out[2 * i + 1] = v >> 16


@micropython.viper
def filter_bank_log_uint32(args):
    """TFLM's FilterbankLog and Log32: the fraction below 2**16 once normalized, so only
    ln's Q16 product (45426 in two parts) and the output scale (by halves) need care."""
    out = ptr16(args[_LOG_ARG_OUT])
    x = ptr8(args[_LOG_ARG_X])
    count = int(args[_LOG_ARG_COUNT])
    bits = int(args[_LOG_ARG_CORRECTION_BITS]) & 31
    scale = args[_LOG_ARG_OUTPUT_SCALE]
    scale_low = int(scale) & 0xFFFF
    scale_high = (int(scale) >> 16) & 0xFFFF
    table = ptr16(_LOG_LUT)
    wide = ptr32(_WIDE)
    for i in range(count):
        xl = int(x[4 * i]) | (int(x[4 * i + 1]) << 8)
        xh = int(x[4 * i + 2]) | (int(x[4 * i + 3]) << 8)
        _shift_left(_WIDE, xh, xl, bits)
        low = wide[4]
        high = wide[5]
        if high == 0 and low <= 1:
            out[i] = 0
            continue
        integer = int(_msb32(high, low)) - 1
        if integer < 16:
            frac = (low - (1 << integer)) << (16 - integer)
        else:
            high -= 1 << (integer - 16)
            _shift_right(_WIDE, high, low, integer - 16)
            frac = wide[4]
        segment = frac >> 9
        c0 = int(table[segment])
        c1 = int(table[segment + 1])
        log2 = (integer << 16) + frac + c0 + (((c1 - c0) * (frac - 512 * segment)) >> 16)
        ll = log2 & 0xFFFF
        t = 114 * ll + (((177 * ll) & 0xFF) << 8) + 32768  # 45426 = 177 * 256 + 114
        loge = 45426 * (log2 >> 16) + ((177 * ll) >> 8) + (t >> 16)
        _clear(wide)
        _multiply_add(_WIDE, scale_high, scale_low, loge >> 16, loge & 0xFFFF)
        value = (wide[1] + ((wide[0] + 32768) >> 16)) & 0xFFFF
        out[i] = value if value < 32767 else 32767
