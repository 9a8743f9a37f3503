"""ulite/softmax_luts.py holds the two 513-entry tables TFLM's int16 SOFTMAX builds in
prepare (softmax_common.cc: LUTPopulate<int16_t> of exp over [-10, 0] and of 1 / (1 + x)
over [0, 1]) with float32 arithmetic and the C library's expf. Their inputs are constants,
so the tables are too: ulite stores them rather than trusting a board's float32 math.

Here the tables are built again as TFLM builds them (numpy float32 for every operation,
expf from the C library through ctypes) and compared with the stored ones; the int16
SOFTMAX sweeps in tests/test_kernels_core.py then check every entry's effect against
TFLM itself. To rebuild the module: `python tests/test_softmax_luts.py > mpy/ulite/softmax_luts.py`.
"""

import ctypes
import ctypes.util
import math
import struct
import sys

import numpy as np
from conftest import ROOT

sys.path.insert(0, str(ROOT / "mpy"))
from ulite import softmax_luts  # noqa: E402

F = np.float32
LIBM = ctypes.CDLL(ctypes.util.find_library("m"))
LIBM.expf.restype = ctypes.c_float
LIBM.expf.argtypes = [ctypes.c_float]
INT16_RANGE = F(65535)  # TFLM's `range`, max - min of int16, as a float


def round_float(v):
    """TfLiteRound of a float32: std::round, half away from zero."""
    return F(math.copysign(math.floor(abs(float(v)) + 0.5), float(v)))


def lut_populate(input_scale, input_zero_point, output_scale, output_zero_point, transform):
    """TFLM's LUTPopulateInt16<float> (kernels/internal/common.h), operation by operation."""
    input_min = F(input_scale * F(-32768 - input_zero_point))
    input_max = F(input_scale * F(32767 - input_zero_point))
    output_min = F(output_scale * F(-32768 - output_zero_point))
    output_max = F(output_scale * F(32767 - output_zero_point))
    step = F(F(input_max - input_min) / F(512))
    half_step = F(step / F(2))
    scaling_inv = F(F(65536) / F(output_max - output_min))
    lut = []
    for i in range(512):
        val = transform(F(input_min + F(F(i) * step)))
        val_midpoint = transform(F(F(input_min + F(F(i) * step)) + half_step))
        val_next = transform(F(input_min + F(F(i + 1) * step)))
        sample_val = round_float(F(val * scaling_inv))
        midpoint_interp_val = round_float(F(F(F(val_next * scaling_inv) + round_float(F(val * scaling_inv))) / F(2)))
        midpoint_val = round_float(F(val_midpoint * scaling_inv))
        bias = round_float(F(F(midpoint_interp_val - midpoint_val) / F(2)))
        lut.append(int(min(max(F(sample_val - bias), F(-32768)), F(32767))))
    lut.append(int(min(max(round_float(F(transform(input_max) * scaling_inv)), F(-32768)), F(32767))))
    return lut


def tflm_tables():
    """(exp table, 1 / (1 + x) table) as softmax_common.cc's InitializeLutForInt16 fills them."""
    exp = lut_populate(F(F(10.0) / INT16_RANGE), 32767, F(F(2.0) / INT16_RANGE), 0, lambda v: F(LIBM.expf(v)))
    reciprocal = lut_populate(
        F(F(1.0) / INT16_RANGE), -32768, F(F(2.0) / INT16_RANGE), 0, lambda v: F(F(1.0) / F(F(1.0) + v))
    )
    return exp, reciprocal


def stored(table):
    return list(struct.unpack("<513h", table))


def test_stored_tables_are_tflms():
    exp, reciprocal = tflm_tables()
    assert stored(softmax_luts.EXP) == exp, "rebuild mpy/ulite/softmax_luts.py (see this module)"
    assert stored(softmax_luts.ONE_OVER_ONE_PLUS_X) == reciprocal


def _literal(values):
    data = struct.pack("<513h", *values)
    rows = ['    b"%s"' % "".join("\\x%02x" % b for b in data[i : i + 20]) for i in range(0, len(data), 20)]
    return "(\n%s\n)" % "\n".join(rows)


def module_source():
    exp, reciprocal = tflm_tables()
    return '''"""The lookup tables of TFLM's int16 SOFTMAX (softmax_common.cc): 513 little-endian int16
each, read by the loops' softmax_int16 with TFLM's LUTLookup (the top 9 bits of a value
pick an entry, the low 7 interpolate to the next).

TFLM fills them in prepare from constants with float32 arithmetic and the C library's expf;
these are its values, made by tests/test_softmax_luts.py (which rebuilds and checks them),
so a board with other float32 math (or none) gets the same tables.
"""

# exp(x) for x in [-10, 0], in 0.15 (TFLM's exp_lut)
EXP = %s

# 1 / (1 + x) for x in [0, 1], in 0.15 (TFLM's one_over_one_plus_x_lut)
ONE_OVER_ONE_PLUS_X = %s
''' % (_literal(exp), _literal(reciprocal))


if __name__ == "__main__":
    sys.stdout.write(module_source())
