"""The constants of TFLM's int16 real FFT (kiss_fft v130 as TFLM patches it, FIXED_POINT 16):
the radix plan of kf_factor, and the Q15 twiddle factors kiss_fft_alloc and kiss_fftr_alloc
compute with double-precision cos and sin.

Boards have single-precision floats (or none), so the twiddles come from integers: each
cos and sin is known to 2**-80 from a rotation recurrence, and floor(.5 + 32767 * value)
is exact unless 32767 * value is within 2**-24 of a half-integer. Those ties (by Niven's
theorem only cos or sin = +-1/2, at fft lengths with a factor 3) round the way the
double-precision expression does: evaluated here step by step with exact rationals rounded
to doubles, cos and sin correctly rounded, as the C library returns them.
"""

SAMP_MAX = 32767
_PI_BITS = 192  # _PI = floor(pi * 2**192)
_PI = 0x3243F6A8885A308D313198A2E03707344A4093822299F31D0
_PI_DOUBLE = (884279719003555, -48)  # the double nearest pi: mantissa * 2**exponent
_FRAC = 96  # fraction bits of the recurrence
_TIE = 1 << (_FRAC - 24)  # 32767 * value within 2**-24 of a half-integer: a tie
_EXACT = 200  # fraction bits of the cos and sin of a double phase


def factors(n):
    """kf_factor(n): [(p, m), ...] with p the radix of each stage and m the stage's length
    over p (the first stage's m * p is n)."""
    stages = []
    p = 4
    floor_sqrt = _isqrt(n)
    while True:
        while n % p:
            p = 2 if p == 4 else 3 if p == 2 else p + 2
            if p > floor_sqrt:
                p = n
        n //= p
        stages.append((p, n))
        if n <= 1:
            return stages


def twiddles(n, out):
    """Write kiss_fft_alloc's n twiddles, (cos, sin) of -2*pi*i/n in Q15, into out[2*i],
    out[2*i + 1] (an indexable of ints)."""
    _turns(n, out, 2, _inner_phase)


def super_twiddles(n, out):
    """Write kiss_fftr_alloc's n // 2 twiddles for a complex FFT of n (a real FFT of 2 * n),
    (cos, sin) of -pi * ((i + 1) / n + .5) in Q15, into out[2*i], out[2*i + 1]."""
    _turns(n, out, 1, _super_phase)


def _turns(n, out, step, phase_of):
    """Walk z = exp(-i * pi * j / n) for j = 0, 1, ...: twiddle i of kiss_fft_alloc is
    z at j = 2 * i; twiddle i of kiss_fftr_alloc is -i * z at j = i + 1."""
    one = 1 << _FRAC
    theta = (_PI >> (_PI_BITS - _FRAC - 16)) // n  # pi / n, 16 more fraction bits
    w_re = _cos_fixed(theta, _FRAC + 16) >> 16
    w_im = -_sin_fixed(theta, _FRAC + 16) >> 16
    re, im = one, 0
    for i in range(n if step == 2 else n // 2):
        if step == 1:
            re, im = (re * w_re - im * w_im) >> _FRAC, (re * w_im + im * w_re) >> _FRAC
        values = (re, im) if step == 2 else (im, -re)
        for k in (0, 1):
            scaled = SAMP_MAX * values[k] + (one >> 1)  # (.5 + 32767 * value) * 2**_FRAC
            fraction = scaled & (one - 1)
            if fraction < _TIE or one - fraction < _TIE:
                out[2 * i + k] = _q15_of_double(phase_of(i, n), k)
            else:
                out[2 * i + k] = scaled >> _FRAC
        if step == 2:
            for _ in range(2):
                re, im = (re * w_re - im * w_im) >> _FRAC, (re * w_im + im * w_re) >> _FRAC


def _inner_phase(i, n):
    """kiss_fft_alloc's double phase = -2*pi*i / nfft."""
    return _divide(_multiply((-2 * _PI_DOUBLE[0], _PI_DOUBLE[1]), (i, 0)), n)


def _super_phase(i, n):
    """kiss_fftr_alloc's double phase = -pi * ((double)(i+1) / nfft + .5)."""
    half = _add(_divide((i + 1, 0), n), (1, -1))
    return _multiply((-_PI_DOUBLE[0], _PI_DOUBLE[1]), half)


def _q15_of_double(phase, sine):
    """floor(.5 + 32767 * cos(phase)) (or sin), as C evaluates it in doubles."""
    m, e = phase
    x = m << (_EXACT + e) if _EXACT + e >= 0 else m >> -(_EXACT + e)
    value = (_sin_fixed if sine else _cos_fixed)(x, _EXACT)
    m, e = _add((1, -1), _multiply((SAMP_MAX, 0), _round(value, 1, -_EXACT)))
    return m >> -e if e < 0 else m << e


# Doubles as (mantissa, exponent): the value mantissa * 2**exponent. Each operation rounds
# its exact result to the nearest double, ties to even, as IEEE-754 arithmetic does.


def _multiply(a, b):
    return _round(a[0] * b[0], 1, a[1] + b[1])


def _divide(a, n):
    return _round(a[0], n, a[1])


def _add(a, b):
    e = min(a[1], b[1])
    return _round((a[0] << (a[1] - e)) + (b[0] << (b[1] - e)), 1, e)


def _round(num, den, exp):
    """(num / den) * 2**exp (den > 0) rounded to a double: 2**52 <= |mantissa| < 2**53."""
    if num == 0:
        return 0, 0
    sign = -1 if num < 0 else 1
    num = abs(num)
    shift = _bits(num) - _bits(den) - 53
    while True:
        d = den << shift if shift >= 0 else den
        q, r = divmod(num if shift >= 0 else num << -shift, d)
        if q >= 1 << 53:
            shift += 1
        elif q < 1 << 52:
            shift -= 1
        else:
            break
    if 2 * r > d or (2 * r == d and q & 1):
        q += 1
        if q == 1 << 53:
            q >>= 1
            shift += 1
    return sign * q, exp + shift


def _cos_fixed(x, frac):
    """cos(x / 2**frac) * 2**frac by its Taylor series (|x| / 2**frac below 8)."""
    one = 1 << frac
    x2 = (x * x) >> frac
    total, term, k = one, one, 0
    while term:
        term = -(term * x2 >> frac) // ((k + 1) * (k + 2))
        total += term
        k += 2
    return total


def _sin_fixed(x, frac):
    x2 = (x * x) >> frac
    total, term, k = x, x, 1
    while term:
        term = -(term * x2 >> frac) // ((k + 1) * (k + 2))
        total += term
        k += 2
    return total


def _bits(n):
    count = 0
    while n >> (count + 32):
        count += 32
    while n >> count:
        count += 1
    return count


def _isqrt(n):
    root = n
    while root * root > n:
        root = (root + n // root) // 2
    return root


def input_order(n, stages, out):
    """Where kf_work's recursion reads the input from: out[j] = the index of the complex
    input value that lands in output slot j before the first butterflies."""
    _gather(stages, 0, 0, 0, 1, out)


def _gather(stages, level, slot, first, stride, out):
    p, m = stages[level]
    if m == 1:
        for j in range(p):
            out[slot + j] = first + j * stride
        return
    for j in range(p):
        _gather(stages, level + 1, slot + j * m, first + j * stride, stride * p, out)
