"""The Signal library's loops in plain Python (TFLM signal/src), C's integer types written
out: `_s16` where C stores into an int16, masks where it computes in uint32 or uint64, and
shift counts masked as x86-64 masks them (TFLM leaves larger counts undefined)."""

from ...layouts import signal as layout
from ...views import int16_view, int32_view, uint32_view, uint64_view

_U32 = 0xFFFFFFFF
_U64 = 0xFFFFFFFFFFFFFFFF
_ROUND = 1 << 14  # kiss_fft's sround: (x + 2**14) >> 15
_LOG_LUT = (
    0, 224, 442, 654, 861, 1063, 1259, 1450, 1636, 1817, 1992, 2163, 2329, 2490, 2646, 2797,
    2944, 3087, 3224, 3358, 3487, 3611, 3732, 3848, 3960, 4068, 4172, 4272, 4368, 4460, 4549,
    4633, 4714, 4791, 4864, 4934, 5001, 5063, 5123, 5178, 5231, 5280, 5326, 5368, 5408, 5444,
    5477, 5507, 5533, 5557, 5578, 5595, 5610, 5622, 5631, 5637, 5640, 5641, 5638, 5633, 5626,
    5615, 5602, 5586, 5568, 5547, 5524, 5498, 5470, 5439, 5406, 5370, 5332, 5291, 5249, 5203,
    5156, 5106, 5054, 5000, 4944, 4885, 4825, 4762, 4697, 4630, 4561, 4490, 4416, 4341, 4264,
    4184, 4103, 4020, 3935, 3848, 3759, 3668, 3575, 3481, 3384, 3286, 3186, 3084, 2981, 2875,
    2768, 2659, 2549, 2437, 2323, 2207, 2090, 1971, 1851, 1729, 1605, 1480, 1353, 1224, 1094,
    963, 830, 695, 559, 421, 282, 142, 0, 0,
)  # fmt: skip


def _s16(v):
    return ((v + 0x8000) & 0xFFFF) - 0x8000


def _s32(v):
    return ((v + 0x80000000) & _U32) - 0x80000000


def _msb(x):
    """MostSignificantBit32 as TFLM's GCC build computes it: 32 for 0."""
    if x == 0:
        return 32
    n = 0
    while x:
        x >>= 1
        n += 1
    return n


def window_int16(args):
    out = int16_view(args[layout.WINDOW_ARG_OUT])
    x = int16_view(args[layout.WINDOW_ARG_X])
    w = int16_view(args[layout.WINDOW_ARG_WEIGHTS])
    count = args[layout.WINDOW_ARG_COUNT]
    window = args[layout.WINDOW_ARG_WINDOW]
    shift = args[layout.WINDOW_ARG_SHIFT]
    for start in range(0, count, window):
        for i in range(window):
            v = (x[start + i] * w[i]) >> shift
            out[start + i] = -32768 if v < -32768 else 32767 if v > 32767 else v


def fft_auto_scale_int16(args):
    out = int16_view(args[layout.SCALE_ARG_OUT])
    x = int16_view(args[layout.SCALE_ARG_X])
    count = args[layout.SCALE_ARG_COUNT]
    largest = 0  # MaxAbs16: an int16, so -(-32768) stores as -32768
    for i in range(count):
        v = x[i]
        if v > largest:
            largest = v
        elif -v > largest:
            largest = _s16(-v)
    bits = 16 - _msb(largest & _U32) - 1
    if bits < 0:
        bits = 0
    for i in range(count):
        out[i] = _s16(x[i] << bits)
    int32_view(args[layout.SCALE_ARG_BITS])[0] = bits


def rfft_int16(args):
    out = int16_view(args[layout.RFFT_ARG_OUT])
    x = int16_view(args[layout.RFFT_ARG_X])
    rows = args[layout.RFFT_ARG_ROWS]
    length = args[layout.RFFT_ARG_ROW_LENGTH]
    work = int16_view(args[layout.RFFT_ARG_WORK])
    tw = int16_view(args[layout.RFFT_ARG_TWIDDLES])
    stw = int16_view(args[layout.RFFT_ARG_SUPER_TWIDDLES])
    order = int16_view(args[layout.RFFT_ARG_ORDER])
    plan = int32_view(args[layout.RFFT_ARG_STAGES])
    stages = args[layout.RFFT_ARG_STAGE_COUNT]
    half = args[layout.RFFT_ARG_HALF]
    for row in range(rows):
        base = row * length
        for j in range(half):
            i = 2 * order[j]
            work[2 * j] = x[base + i] if i < length else 0
            work[2 * j + 1] = x[base + i + 1] if i + 1 < length else 0
        for s in range(stages):
            radix = plan[s * layout.RFFT_STAGE_FIELDS + layout.RFFT_STAGE_RADIX]
            m = plan[s * layout.RFFT_STAGE_FIELDS + layout.RFFT_STAGE_LENGTH]
            fstride = plan[s * layout.RFFT_STAGE_FIELDS + layout.RFFT_STAGE_STRIDE]
            butterfly = _BUTTERFLIES[radix]
            for block in range(fstride):
                butterfly(work, block * radix * m, m, fstride, tw)
        _split(work, out, row * 2 * (half + 1), half, stw)


def _fixdiv(v, div):
    return _s16((v * (32767 // div) + _ROUND) >> 15)


def _mul_re(ar, ai, br, bi):
    return _s16((ar * br - ai * bi + _ROUND) >> 15)


def _mul_im(ar, ai, br, bi):
    return _s16((ar * bi + ai * br + _ROUND) >> 15)


def _smul(a, b):
    return _s16((a * b + _ROUND) >> 15)


def _butterfly2(f, base, m, fstride, tw):
    for k in range(m):
        a, b = 2 * (base + k), 2 * (base + k + m)
        ar, ai = _fixdiv(f[a], 2), _fixdiv(f[a + 1], 2)
        br, bi = _fixdiv(f[b], 2), _fixdiv(f[b + 1], 2)
        t = 2 * k * fstride
        tr, ti = _mul_re(br, bi, tw[t], tw[t + 1]), _mul_im(br, bi, tw[t], tw[t + 1])
        f[b], f[b + 1] = _s16(ar - tr), _s16(ai - ti)
        f[a], f[a + 1] = _s16(ar + tr), _s16(ai + ti)


def _butterfly3(f, base, m, fstride, tw):
    e3 = tw[2 * fstride * m + 1]  # epi3.i
    for k in range(m):
        a, b, c = 2 * (base + k), 2 * (base + k + m), 2 * (base + k + 2 * m)
        ar, ai = _fixdiv(f[a], 3), _fixdiv(f[a + 1], 3)
        br, bi = _fixdiv(f[b], 3), _fixdiv(f[b + 1], 3)
        cr, ci = _fixdiv(f[c], 3), _fixdiv(f[c + 1], 3)
        t1, t2 = 2 * k * fstride, 4 * k * fstride
        s1r, s1i = _mul_re(br, bi, tw[t1], tw[t1 + 1]), _mul_im(br, bi, tw[t1], tw[t1 + 1])
        s2r, s2i = _mul_re(cr, ci, tw[t2], tw[t2 + 1]), _mul_im(cr, ci, tw[t2], tw[t2 + 1])
        s3r, s3i = _s16(s1r + s2r), _s16(s1i + s2i)
        s0r, s0i = _s16(s1r - s2r), _s16(s1i - s2i)
        mr, mi = _s16(ar - (s3r >> 1)), _s16(ai - (s3i >> 1))
        s0r, s0i = _smul(s0r, e3), _smul(s0i, e3)
        f[a], f[a + 1] = _s16(ar + s3r), _s16(ai + s3i)
        f[c], f[c + 1] = _s16(mr + s0i), _s16(mi - s0r)
        f[b], f[b + 1] = _s16(mr - s0i), _s16(mi + s0r)


def _butterfly4(f, base, m, fstride, tw):
    for k in range(m):
        a, b, c, d = (2 * (base + k + j * m) for j in range(4))
        ar, ai = _fixdiv(f[a], 4), _fixdiv(f[a + 1], 4)
        br, bi = _fixdiv(f[b], 4), _fixdiv(f[b + 1], 4)
        cr, ci = _fixdiv(f[c], 4), _fixdiv(f[c + 1], 4)
        dr, di = _fixdiv(f[d], 4), _fixdiv(f[d + 1], 4)
        t1, t2, t3 = 2 * k * fstride, 4 * k * fstride, 6 * k * fstride
        s0r, s0i = _mul_re(br, bi, tw[t1], tw[t1 + 1]), _mul_im(br, bi, tw[t1], tw[t1 + 1])
        s1r, s1i = _mul_re(cr, ci, tw[t2], tw[t2 + 1]), _mul_im(cr, ci, tw[t2], tw[t2 + 1])
        s2r, s2i = _mul_re(dr, di, tw[t3], tw[t3 + 1]), _mul_im(dr, di, tw[t3], tw[t3 + 1])
        s5r, s5i = _s16(ar - s1r), _s16(ai - s1i)
        ar, ai = _s16(ar + s1r), _s16(ai + s1i)
        s3r, s3i = _s16(s0r + s2r), _s16(s0i + s2i)
        s4r, s4i = _s16(s0r - s2r), _s16(s0i - s2i)
        f[c], f[c + 1] = _s16(ar - s3r), _s16(ai - s3i)
        f[a], f[a + 1] = _s16(ar + s3r), _s16(ai + s3i)
        f[b], f[b + 1] = _s16(s5r + s4i), _s16(s5i - s4r)
        f[d], f[d + 1] = _s16(s5r - s4i), _s16(s5i + s4r)


def _butterfly5(f, base, m, fstride, tw):
    yar, yai = tw[2 * fstride * m], tw[2 * fstride * m + 1]
    ybr, ybi = tw[4 * fstride * m], tw[4 * fstride * m + 1]
    for u in range(m):
        p0, p1, p2, p3, p4 = (2 * (base + u + j * m) for j in range(5))
        s0r, s0i = _fixdiv(f[p0], 5), _fixdiv(f[p0 + 1], 5)
        values = []
        for j, p in ((1, p1), (2, p2), (3, p3), (4, p4)):
            vr, vi = _fixdiv(f[p], 5), _fixdiv(f[p + 1], 5)
            t = 2 * j * u * fstride
            values.append((_mul_re(vr, vi, tw[t], tw[t + 1]), _mul_im(vr, vi, tw[t], tw[t + 1])))
        (s1r, s1i), (s2r, s2i), (s3r, s3i), (s4r, s4i) = values
        s7r, s7i = _s16(s1r + s4r), _s16(s1i + s4i)
        s10r, s10i = _s16(s1r - s4r), _s16(s1i - s4i)
        s8r, s8i = _s16(s2r + s3r), _s16(s2i + s3i)
        s9r, s9i = _s16(s2r - s3r), _s16(s2i - s3i)
        f[p0], f[p0 + 1] = _s16(s0r + s7r + s8r), _s16(s0i + s7i + s8i)
        s5r = _s16(s0r + _smul(s7r, yar) + _smul(s8r, ybr))
        s5i = _s16(s0i + _smul(s7i, yar) + _smul(s8i, ybr))
        s6r = _s16(_smul(s10i, yai) + _smul(s9i, ybi))
        s6i = _s16(-_smul(s10r, yai) - _smul(s9r, ybi))
        f[p1], f[p1 + 1] = _s16(s5r - s6r), _s16(s5i - s6i)
        f[p4], f[p4 + 1] = _s16(s5r + s6r), _s16(s5i + s6i)
        s11r = _s16(s0r + _smul(s7r, ybr) + _smul(s8r, yar))
        s11i = _s16(s0i + _smul(s7i, ybr) + _smul(s8i, yar))
        s12r = _s16(-_smul(s10i, ybi) + _smul(s9i, yai))
        s12i = _s16(_smul(s10r, ybi) - _smul(s9r, yai))
        f[p2], f[p2 + 1] = _s16(s11r + s12r), _s16(s11i + s12i)
        f[p3], f[p3 + 1] = _s16(s11r - s12r), _s16(s11i - s12i)


_BUTTERFLIES = {2: _butterfly2, 3: _butterfly3, 4: _butterfly4, 5: _butterfly5}


def _split(work, out, at, half, stw):
    """kiss_fftr's last step: the half + 1 bins of the real input from the complex FFT."""
    dcr, dci = _fixdiv(work[0], 2), _fixdiv(work[1], 2)
    out[at], out[at + 1] = _s16(dcr + dci), 0
    out[at + 2 * half], out[at + 2 * half + 1] = _s16(dcr - dci), 0
    for k in range(1, half // 2 + 1):
        pr, pi = _fixdiv(work[2 * k], 2), _fixdiv(work[2 * k + 1], 2)
        n = 2 * (half - k)
        qr, qi = _fixdiv(work[n], 2), _fixdiv(_s16(-work[n + 1]), 2)
        f1r, f1i = _s16(pr + qr), _s16(pi + qi)
        f2r, f2i = _s16(pr - qr), _s16(pi - qi)
        t = 2 * (k - 1)
        tr, ti = _mul_re(f2r, f2i, stw[t], stw[t + 1]), _mul_im(f2r, f2i, stw[t], stw[t + 1])
        out[at + 2 * k], out[at + 2 * k + 1] = _s16((f1r + tr) >> 1), _s16((f1i + ti) >> 1)
        out[at + n], out[at + n + 1] = _s16((f1r - tr) >> 1), _s16((ti - f1i) >> 1)


def energy_int16(args):
    out = uint32_view(args[layout.ENERGY_ARG_OUT])
    x = int16_view(args[layout.ENERGY_ARG_X])
    for i in range(args[layout.ENERGY_ARG_START], args[layout.ENERGY_ARG_END]):
        re, im = x[2 * i], x[2 * i + 1]
        out[i] = re * re + im * im


def filter_bank_uint64(args):
    out = uint64_view(args[layout.BANK_ARG_OUT])
    x = uint32_view(args[layout.BANK_ARG_X])
    weights = int16_view(args[layout.BANK_ARG_WEIGHTS])
    unweights = int16_view(args[layout.BANK_ARG_UNWEIGHTS])
    table = int32_view(args[layout.BANK_ARG_CHANNELS])
    weighted = unweighted = 0
    for c in range(args[layout.BANK_ARG_COUNT] + 1):
        record = c * layout.BANK_FIELDS
        frequency = table[record + layout.BANK_FREQUENCY_START]
        weight = table[record + layout.BANK_WEIGHT_START]
        for j in range(table[record + layout.BANK_WIDTH]):
            v = x[frequency + j]
            weighted += weights[weight + j] * v
            unweighted += unweights[weight + j] * v
        if c:
            out[c - 1] = weighted & _U64
        weighted, unweighted = unweighted, 0


def filter_bank_sqrt_uint64(args):
    out = uint32_view(args[layout.SQRT_ARG_OUT])
    x = uint64_view(args[layout.SQRT_ARG_X])
    shift = int32_view(args[layout.SQRT_ARG_SCALE_BITS])[0] & 31
    for i in range(args[layout.SQRT_ARG_COUNT]):
        out[i] = _sqrt64(x[i]) >> shift


def _sqrt64(num):
    """TFLM's Sqrt64 (and Sqrt32 below 2**32): the root rounded to nearest."""
    if num == 0:
        return 0
    width = 32 if num >> 32 == 0 else 64
    top = (width - _msb64(num)) | 1
    bit = 1 << (width - 1 - top)
    res = 0
    for _ in range((width - 1 - top) // 2 + 1):
        if num >= res + bit:
            num -= res + bit
            res = (res >> 1) + bit
        else:
            res >>= 1
        bit >>= 2
    if num > res and res != (1 << (width // 2)) - 1:
        res += 1
    return res


def _msb64(x):
    return _msb(x >> 32) + 32 if x >> 32 else _msb(x)


def spectral_subtraction_uint32(args):
    out = uint32_view(args[layout.SUBTRACT_ARG_OUT])
    noise_out = uint32_view(args[layout.SUBTRACT_ARG_NOISE_OUT])
    x = uint32_view(args[layout.SUBTRACT_ARG_X])
    noise = uint32_view(args[layout.SUBTRACT_ARG_NOISE])
    settings = [v & _U32 for v in args[layout.SUBTRACT_ARG_SETTINGS]]  # int32s -> uint32
    smoothing_bits = settings[layout.SUBTRACT_SMOOTHING_BITS] & 31
    bits = settings[layout.SUBTRACT_BITS] & 63
    clamping = settings[layout.SUBTRACT_CLAMPING]
    floor_factor = settings[layout.SUBTRACT_MIN_SIGNAL_REMAINING]
    for i in range(args[layout.SUBTRACT_ARG_COUNT]):
        if i & 1:
            smoothing = settings[layout.SUBTRACT_ALTERNATE_SMOOTHING]
            one_minus = settings[layout.SUBTRACT_ALTERNATE_ONE_MINUS_SMOOTHING]
        else:
            smoothing = settings[layout.SUBTRACT_SMOOTHING]
            one_minus = settings[layout.SUBTRACT_ONE_MINUS_SMOOTHING]
        signal = (x[i] << smoothing_bits) & _U32
        estimate = (((signal * smoothing + noise[i] * one_minus) & _U64) >> bits) & _U32
        noise[i] = estimate
        if estimate > signal:
            estimate = signal
            if clamping:
                noise[i] = estimate
        floor = ((x[i] * floor_factor) >> bits) & _U32
        subtracted = (signal - estimate) >> smoothing_bits
        out[i] = subtracted if subtracted > floor else floor
        noise_out[i] = noise[i]


def pcan_uint32(args):
    out = uint32_view(args[layout.PCAN_ARG_OUT])
    x = uint32_view(args[layout.PCAN_ARG_X])
    noise = uint32_view(args[layout.PCAN_ARG_NOISE])
    lut = int16_view(args[layout.PCAN_ARG_LUT])
    shift = args[layout.PCAN_ARG_SNR_SHIFT] & 63
    for i in range(args[layout.PCAN_ARG_COUNT]):
        gain = _wide_dynamic(noise[i], lut) & _U32
        snr = ((x[i] * gain) >> shift) & _U32
        if snr < 2 << 12:  # PcanShrink, kPcanSnrBits 12, kPcanOutputBits 6
            out[i] = (snr * snr) >> 20
        else:
            out[i] = (snr >> 6) - (1 << 6)


def _wide_dynamic(x, lut):
    """TFLM's WideDynamicFunction: the gain for noise estimate x from the table."""
    if x <= 2:
        return lut[x]
    interval = _msb(x)
    at = 4 * interval - 6
    frac = (x << (11 - interval) if interval < 11 else x >> (interval - 11)) & 0x3FF
    result = (lut[at + 2] * frac) >> 5
    result = _s32(result + lut[at + 1] * 32)
    result = _s32(result * frac)
    result = _s32(result + (1 << 14)) >> 15
    return _s16(result + lut[at])


def filter_bank_log_uint32(args):
    out = int16_view(args[layout.LOG_ARG_OUT])
    x = uint32_view(args[layout.LOG_ARG_X])
    bits = args[layout.LOG_ARG_CORRECTION_BITS] & 31
    scale = args[layout.LOG_ARG_OUTPUT_SCALE] & _U32
    for i in range(args[layout.LOG_ARG_COUNT]):
        scaled = (x[i] << bits) & _U32
        if scaled > 1:
            value = _log32(scaled, scale)
            out[i] = value if value < 32767 else 32767
        else:
            out[i] = 0


def _log32(x, scale):
    """TFLM's Log32: scale * ln(x) in Q16, rounded."""
    integer = _msb(x) - 1
    frac = x - (1 << integer)
    frac = frac << (16 - integer) if integer < 16 else frac >> (integer - 16)
    segment = frac >> 9
    c0, c1 = _LOG_LUT[segment], _LOG_LUT[segment + 1]
    fraction = frac + c0 + (((c1 - c0) * (frac - 512 * segment)) >> 16)
    log2 = ((integer << 16) + fraction) & _U32
    loge = ((45426 * log2 + 32768) >> 16) & _U32
    return ((scale * loge + 32768) & _U32) >> 16
