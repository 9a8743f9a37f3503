"""Viper loops of TFLM's Signal ops (the audio front end): the twin of plain/signal.py.

int16 values load zero-extended through ptr16 and are sign-extended as (v ^ 0x8000) - 0x8000;
a store through ptr16 keeps the low 16 bits, as C's stores into int16 do, and kiss_fft's
int16 locals wrap the same way, ((v + 0x8000) & 0xFFFF) - 0x8000. uint32 and uint64
values are read and written as 16-bit halves, so every intermediate stays a signed 32-bit
word on any board (the bounds are noted at each loop).
"""

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


@micropython.viper
def window_int16(args):
    """|x * w| <= 2**30; shift is 0..31 (the kernel refuses others)."""
    out = ptr16(args[_WINDOW_ARG_OUT])
    x = ptr16(args[_WINDOW_ARG_X])
    w = ptr16(args[_WINDOW_ARG_WEIGHTS])
    count = int(args[_WINDOW_ARG_COUNT])
    window = int(args[_WINDOW_ARG_WINDOW])
    shift = int(args[_WINDOW_ARG_SHIFT])
    start = 0
    while start < count:
        for i in range(window):
            v = ((int(x[start + i]) ^ 0x8000) - 0x8000) * ((int(w[i]) ^ 0x8000) - 0x8000)
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
    x = ptr16(args[_SCALE_ARG_X])
    count = int(args[_SCALE_ARG_COUNT])
    largest = 0
    for i in range(count):
        v = (int(x[i]) ^ 0x8000) - 0x8000
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
        out[i] = ((int(x[i]) ^ 0x8000) - 0x8000) << bits
    ptr32(args[_SCALE_ARG_BITS])[0] = bits


@micropython.viper
def rfft_int16(args):
    """kiss_fftr, flattened as plain/signal.py describes: gather, the stages' butterflies,
    then the split into bins."""
    out = ptr16(args[_RFFT_ARG_OUT])
    x = ptr16(args[_RFFT_ARG_X])
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
            work[2 * j] = x[base + i] if i < length else 0
            work[2 * j + 1] = x[base + i + 1] if i + 1 < length else 0
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
    x = ptr16(args[_ENERGY_ARG_X])
    for i in range(int(args[_ENERGY_ARG_START]), int(args[_ENERGY_ARG_END])):
        re = (int(x[2 * i]) ^ 0x8000) - 0x8000
        im = (int(x[2 * i + 1]) ^ 0x8000) - 0x8000
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
    x = ptr16(args[_BANK_ARG_X])
    weights = ptr16(args[_BANK_ARG_WEIGHTS])
    unweights = ptr16(args[_BANK_ARG_UNWEIGHTS])
    table = ptr32(args[_BANK_ARG_CHANNELS])
    count = int(args[_BANK_ARG_COUNT])
    w0 = w1 = w2 = w3 = 0  # the weighted sum
    u0 = u1 = u2 = u3 = 0  # the unweighted sum
    for c in range(count + 1):
        record = c * _BANK_FIELDS
        frequency = table[record + _BANK_FREQUENCY_START]
        start = table[record + _BANK_WEIGHT_START]
        for j in range(table[record + _BANK_WIDTH]):
            low = int(x[2 * (frequency + j)])
            high = int(x[2 * (frequency + j) + 1])
            w = (int(weights[start + j]) ^ 0x8000) - 0x8000
            w0 += w * low
            w1 += (w0 >> 16) + w * high
            w0 &= 0xFFFF
            w2 += w1 >> 16
            w1 &= 0xFFFF
            w3 = (w3 + (w2 >> 16)) & 0xFFFF
            w2 &= 0xFFFF
            w = (int(unweights[start + j]) ^ 0x8000) - 0x8000
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
