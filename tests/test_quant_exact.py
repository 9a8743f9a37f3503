"""Derived constants: ulite's integer-only path on MicroPython equals TFLM's double/float32 math.

TFLM derives multipliers, shifts and activation bounds in double and float32; boards run
MicroPython with single-precision floats, so ulite derives them from the float32 bit
patterns with integers only. Here 100,000 random scale triples (plus edge cases) go through
ulite.quant on MicroPython and through real IEEE double/float32 arithmetic on the host
(Python floats are doubles, numpy float32 is float32), and every result must match.
TFLM's CheckedLog2 (a float32 logarithm) is checked against the C library's logf.
"""

import ctypes
import ctypes.util
import math
import struct
import sys

import numpy as np
import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "mpy"))
from ulite import quant  # noqa: E402

TRIPLES = 100_000

DEVICE = """
import struct, sys
from ulite import quant
data = open(sys.argv[1], "rb").read()
out = open(sys.argv[2], "w")
n = len(data) // 12
for i in range(n):
    a, b, c = struct.unpack_from("<III", data, 12 * i)
    conv = quant.conv_multiplier(a, b, c)
    layer_conv = quant.conv_multipliers(a, c)(b)
    fc = quant.fc_per_tensor_multiplier(a, b, c)
    ratio = quant.ratio_multiplier(a, c)
    lo, hi = quant.activation_range(3, c, -5, -128, 127)
    lo1, hi1 = quant.activation_range(2, c, 3, -128, 127)
    beta = quant.from_float32_bits(b).mul(quant.from_float32_bits(a)).scaled(26)
    if beta.at_least(quant.Exact(quant.INT32_MAX, 0)):
        beta = quant.Exact(quant.INT32_MAX, 0)
    soft = quant.quantize_multiplier(beta)
    out.write("%d %d %d %d %d %d %d %d %d %d %d %d %d %d\\n" % (conv + layer_conv + fc + ratio + (lo, hi, lo1, hi1) + soft))
out.close()
"""


def round_half_away(x):
    return int(math.floor(abs(x) + 0.5)) * (1 if x >= 0 else -1)


def quantize_multiplier(d):
    """TFLM QuantizeMultiplier, in doubles, as quantization_util.cc writes it."""
    if d == 0:
        return 0, 0
    q, shift = math.frexp(d)
    q_fixed = round_half_away(q * (1 << 31))
    if q_fixed == 1 << 31:
        q_fixed //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    return q_fixed, shift


def quantize_f32(f, scale, zp):
    return zp + round_half_away(float(np.float32(f) / np.float32(scale)))


def reference(a, b, c):
    a64, b64, c64 = float(a), float(b), float(c)
    conv = quantize_multiplier(a64 * b64 / c64)
    fc = quantize_multiplier(float(np.float32(a) * np.float32(b)) / c64)
    ratio = quantize_multiplier(a64 / c64)
    relu6 = (max(-128, quantize_f32(0, c, -5)), min(127, quantize_f32(6, c, -5)))
    n1to1 = (max(-128, quantize_f32(-1, c, 3)), min(127, quantize_f32(1, c, 3)))
    soft = quantize_multiplier(min(b64 * a64 * (1 << 26), (1 << 31) - 1.0))
    return conv + conv + fc + ratio + relu6 + n1to1 + soft


def scales(rng, n):
    """float32 scales spanning the ranges real models use, and some beyond."""
    values = (10.0 ** rng.uniform(-9, 2, n)).astype(np.float32)
    return values


def edge_triples():
    tiny = np.float32(1e-38)  # near the bottom of the normal range
    subnormal = np.frombuffer(struct.pack("<I", 0x00000345), np.float32)[0]
    big = np.float32(3e38)
    one = np.float32(1.0)
    ties = np.float32(0.5) + np.float32(2.0**-24)  # mantissas that produce rounding ties
    return [(one, one, one), (tiny, one, one), (one, tiny, big), (subnormal, one, one), (ties, ties, one), (big, one, big), (one, one, np.float32(1 / 256))]


def near_rounding_triples(rng, wanted):
    """Triples whose conv quotient in*w/out, scaled to [2**30, 2**31), lies within a few
    2**-24 of a half or an integer: where conv_multipliers' reciprocal could round the
    wrong way (and must hand over to the exact division). For input and output
    significands a and d, the scaled quotient's fraction is (a*w*2**(8-k) mod d) / d with
    k the doublings of a*w/d past 2**22: each wanted fraction is solved for w mod d."""
    found = []
    while len(found) < wanted:
        a, d = (int(v) for v in rng.integers(1 << 23, 1 << 24, 2))
        if math.gcd(a, d) != 1 or d % 2 == 0:
            continue
        fractions = [d // 2 + i for i in range(-3, 4)] + [0, 1, 2, d - 1, d - 2]
        for doublings in range(3):
            inverse = pow(a << (8 - doublings), -1, d)
            for fraction in fractions:
                w = fraction * inverse % d
                w += -(-((1 << 23) - w) // d) * d  # the first such w of 24 bits
                if w >> 24 or (a * w >= d << 23) + (a * w >= d << 24) != doublings:
                    continue
                exponents = rng.integers(100, 150, 3)
                bits = [int(e) << 23 | m & 0x7FFFFF for e, m in zip(exponents, (a, w, d))]
                found.append(tuple(np.array(bits, np.uint32).view(np.float32)))
    return found


@pytest.mark.parametrize(
    "count, near", [(TRIPLES // 10, 1000), pytest.param(TRIPLES, 10000, marks=pytest.mark.slow)]
)
def test_integer_derivations_match_double_and_float32_math(tmp_path, micropython, count, near):
    rng = np.random.default_rng(7)
    a, b, c = scales(rng, count), scales(rng, count), scales(rng, count)
    triples = list(zip(a, b, c)) + edge_triples() + near_rounding_triples(rng, near)
    raw = b"".join(struct.pack("<fff", *t) for t in triples)
    (tmp_path / "triples.bin").write_bytes(raw)
    micropython(DEVICE, heap="16M", args=[tmp_path / "triples.bin", tmp_path / "got.txt"])
    got = (tmp_path / "got.txt").read_text().splitlines()
    assert len(got) == len(triples)
    mismatches = []
    for (x, y, z), line in zip(triples, got):
        expected = reference(x, y, z)
        actual = tuple(int(v) for v in line.split())
        if actual != expected:
            mismatches.append(((x, y, z), expected, actual))
    assert not mismatches, "%d mismatches, first: %s" % (len(mismatches), mismatches[:3])


def tflm_checked_log2(x):
    """TFLM's CheckedLog2 as it runs: the C library's logf, float32 products and rounding."""
    xl = np.float32(np.float32(LIBM.logf(x)) * LN2_INVERSE)
    rounded = np.float32(round_half_away(float(xl)))
    return int(rounded), bool(abs(np.float32(xl - rounded)) < np.float32(1e-3))


def _libm():
    libm = ctypes.CDLL(ctypes.util.find_library("m"))
    libm.logf.restype = ctypes.c_float
    libm.logf.argtypes = [ctypes.c_float]
    return libm


LIBM = _libm()
LN2_INVERSE = np.float32(np.float32(1.0) / np.float32(LIBM.logf(2.0)))


def test_checked_log2_matches_tflm_outside_its_band():
    """ulite.quant.checked_log2 (integers only) against TFLM's float32 CheckedLog2: every
    significand within 2000 of its two tolerance limits at exponents 2**-40..2**20, and
    random scales; where ulite answers, it answers as TFLM, and it leaves the answer open
    only within POT_BAND of a limit."""
    rng = np.random.default_rng(8)
    significands = [m for limit in (quant.POT_LOW, quant.POT_HIGH) for m in range(limit - 2000, limit + 2000)]
    cases = [(m, e) for e in range(-40, 21) for m in significands[::7]]
    cases += [(int(m), int(e)) for m, e in zip(rng.integers(1 << 23, 1 << 24, 20000), rng.integers(-60, 30, 20000))]
    undecided = 0
    for m, e in cases:
        x = np.float32(m * 2.0 ** (e - 23))
        bits = struct.unpack("<I", struct.pack("<f", x))[0]
        power, certain = quant.checked_log2(bits)
        if not certain:
            undecided += 1
            assert min(abs(m - quant.POT_LOW), abs(m - quant.POT_HIGH)) <= quant.POT_BAND
            continue
        n, pot = tflm_checked_log2(x)
        assert (power is not None) == pot and (not pot or power == n), (m, e, power, n, pot)
    assert undecided < len(cases) // 20
