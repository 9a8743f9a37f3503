"""ADD and SUB (TFLM add_common.cc, sub_common.cc, reference/integer_ops/add.h, sub.h).

int8 and int16: each input is rescaled to a common scale with TFLM's arithmetic (left
shift 20 for int8, 15 for int16; multipliers smaller than one), the two are added, and the
sum is requantized. SUB is ADD with the second input negated and the same
double-precision multipliers. (sub_common.cc reads as float32 divisions widened to double,
but the TFLM build ulite is tested against matches the double derivation on every scale
triple where the two differ; tests/test_elementwise.py pins such triples.) int16 takes
TFLM's general path for every scale: its ADD passes pot_scale=false to reference_ops::Add,
and its SUB has no power-of-two path, so power-of-two scales are not special.
int32 (no quantization): plain sums and differences, wrapping around as TFLM's do.
"""

from .. import quant
from . import binary
from .common import activation_bounds, const, int32_bounds, quantized, require

# Fields of ulite.layouts.binary, restated for the compiler to fold (see ulite.layouts).
_BINARY_SUM = const(0)
_INT32_SUM = const(0)
_INT32_DIFFERENCE = const(1)

_SUB = const(41)  # builtin operator code (ADD is the other)
_LEFT_SHIFTS = {"int8": 20, "int16": 15}


def check(op, requests):
    binary.check(op, requests)


def prepare(op, context):
    x1, x2 = op.inputs
    out = op.outputs[0]
    subtract = op.code == _SUB
    activation = op.option("SubOptions" if subtract else "AddOptions", 0, "b", 0)
    if out.dtype == "float32":
        return binary.float_step(op, _difference if subtract else _sum, activation)
    if out.dtype == "int32":  # TFLM's int32 ADD ignores the fused activation, SUB applies it
        bounds = int32_bounds(activation if subtract else 0)
        return binary.int32_step(op, context, _INT32_DIFFERENCE if subtract else _INT32_SUM, bounds)
    for t in (x1, x2, out):
        quantized(op, t)
    left_shift = _LEFT_SHIFTS[out.dtype]
    s1 = quant.from_float32_bits(x1.scale_bits())
    s2 = quant.from_float32_bits(x2.scale_bits())
    twice_max = (s1 if s1.at_least(s2) else s2).scaled(1)  # 2 * max(s1, s2), exact in float
    transforms = []
    for t, s in ((x1, s1), (x2, s2)):
        rescale = quant.quantize_multiplier(quant.divide(s, twice_max, quant.DOUBLE))
        require(rescale[1] <= 0, op, "input rescale multiplier is not below one")
        negate = subtract and t is x2
        transforms.append(binary.transform(t.zero_point, rescale, negate, left_shift))
    out_scale = quant.from_float32_bits(out.scale_bits(), "output scale")
    out_multiplier = quant.quantize_multiplier(
        quant.divide(twice_max, out_scale.scaled(left_shift), quant.DOUBLE)
    )
    require(out_multiplier[1] <= 0, op, "output rescale multiplier is not below one")
    lo, hi = activation_bounds(op, activation, out)
    return binary.quantized_step(op, context, transforms, out_multiplier, lo, hi, _BINARY_SUM)


def _sum(a, b):
    return a + b


def _difference(a, b):
    return a - b
