"""kernels/kiss_fft.py: kiss_fft's plan and twiddles, derived from integers on the device,
equal what TFLM's kiss_fft computes with double-precision cos and sin (this host's C
library, as the tflite_micro build uses it), at every length."""

import math
import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "mpy"))
from ulite.kernels import kiss_fft  # noqa: E402

PI = 3.141592653589793238462643383279502884197169399375105820974944


def double_twiddles(n):
    """kiss_fft_alloc's loop, in C's doubles (Python floats are IEEE doubles)."""
    out = []
    for i in range(n):
        phase = -2 * PI * i / n
        out += [math.floor(0.5 + 32767 * math.cos(phase)), math.floor(0.5 + 32767 * math.sin(phase))]
    return out


def double_super_twiddles(n):
    """kiss_fftr_alloc's loop (n: the complex FFT's length, half the real one)."""
    out = []
    for i in range(n // 2):
        phase = -3.14159265358979323846264338327 * ((i + 1) / n + 0.5)
        out += [math.floor(0.5 + 32767 * math.cos(phase)), math.floor(0.5 + 32767 * math.sin(phase))]
    return out


def check_lengths(lengths):
    for n in lengths:
        got = [0] * (2 * n)
        kiss_fft.twiddles(n, got)
        assert got == double_twiddles(n), n
        got = [0] * (2 * (n // 2))
        kiss_fft.super_twiddles(n, got)
        assert got == double_super_twiddles(n), n


def test_twiddles_equal_doubles_including_ties():
    """Lengths with a factor 3 hit cos or sin = +-1/2, where 32767 * value is a half-integer
    and the doubles round one way or the other (both happen below)."""
    check_lengths(list(range(1, 130)) + [240, 256, 360, 480, 512, 1024])
    ties = [0] * 24
    kiss_fft.twiddles(12, ties)
    assert {16383, 16384} <= set(ties) and {-16383, -16384} <= set(ties)


@pytest.mark.slow
def test_twiddles_equal_doubles_up_to_4096():
    check_lengths(range(130, 4097))


def test_factors_are_kf_factor():
    assert kiss_fft.factors(256) == [(4, 64), (4, 16), (4, 4), (4, 1)]
    assert kiss_fft.factors(240) == [(4, 60), (4, 15), (3, 5), (5, 1)]
    assert kiss_fft.factors(18) == [(2, 9), (3, 3), (3, 1)]
    assert kiss_fft.factors(14) == [(2, 7), (7, 1)]  # a radix TFLM's kiss_fft cannot run
