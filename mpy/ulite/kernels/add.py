"""ADD and SUB (TFLM add_common.cc, sub_common.cc, reference/integer_ops/add.h, sub.h).

int8: each input is rescaled to a common scale with TFLM's arithmetic (left shift 20,
multipliers smaller than one). That rescaling depends only on the input byte, so prepare
tabulates it (256 int32 per input); invoke adds two table entries and requantizes the sum.
SUB is ADD with the second table negated and the same double-precision multipliers.
(sub_common.cc reads as float32 divisions widened to double, but the TFLM build ulite is
tested against matches the double derivation on every scale triple where the two differ;
tests/test_elementwise.py pins such triples.)
"""

from .. import quant
from . import binary
from .common import activation_bounds, quantized, require

_OPTIONS = {"ADD": "AddOptions", "SUB": "SubOptions"}
_LEFT_SHIFT = 20


def check(op):
    binary.check(op, 2)


def prepare(op):
    x1, x2 = op.inputs
    out = op.outputs[0]
    activation = op.option(_OPTIONS[op.name], 0, "b", 0)
    subtract = op.name == "SUB"
    if out.dtype == "float32":
        return binary.float_step(op, _difference if subtract else _sum, activation)
    for t in (x1, x2, out):
        quantized(op, t)
    s1 = quant.from_float32_bits(x1.scale_bits())
    s2 = quant.from_float32_bits(x2.scale_bits())
    twice_max = (s1 if s1.at_least(s2) else s2).scaled(1)  # 2 * max(s1, s2), exact in float
    tables = []
    for k, (t, s) in enumerate(((x1, s1), (x2, s2))):
        multiplier, shift = quant.quantize_multiplier(quant.divide(s, twice_max, quant.DOUBLE))
        require(shift <= 0, op, "input rescale multiplier is not below one")
        sign = -1 if subtract and k == 1 else 1
        tables.append(_rescale_table(op, k, t.zero_point, multiplier, shift, sign))
    out_scale = quant.from_float32_bits(out.scale_bits(), "output scale")
    out_multiplier = quant.quantize_multiplier(
        quant.divide(twice_max, out_scale.scaled(_LEFT_SHIFT), quant.DOUBLE)
    )
    require(out_multiplier[1] <= 0, op, "output rescale multiplier is not below one")
    lo, hi = activation_bounds(op, activation, out)
    return binary.int8_step(op, tables, out_multiplier, lo, hi, binary.SUM)


def _rescale_table(op, k, zero_point, multiplier, shift, sign):
    return binary.table(
        op, k, lambda v: sign * quant.mbqm((v - zero_point) << _LEFT_SHIFT, multiplier, shift)
    )


def _sum(a, b):
    return a + b


def _difference(a, b):
    return a - b
