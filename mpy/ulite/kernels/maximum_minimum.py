"""MAXIMUM and MINIMUM (TFLM maximum_minimum.cc, reference/maximum_minimum.h).

TFLM compares the raw values, so int8 is only meaningful when both inputs and the output
share one scale and zero point; TFLM does not check it, ulite refuses other models rather
than compute a meaningless result. int8 runs binary_int8 comparing x - zp in place of x,
and an identity requantization adds zp back: out = max(x1, x2).
"""

from . import binary
from .common import const, unsupported

# Fields of ulite.layouts.binary, restated for the compiler to fold (see ulite.layouts).
_BINARY_MAXIMUM = const(2)
_BINARY_MINIMUM = const(3)
_INT32_MAXIMUM = const(3)
_INT32_MINIMUM = const(4)

_IDENTITY = (1 << 30, 1)  # QuantizeMultiplier(1.0): MBQM(x) == x for every int8 x
_MAXIMUM = const(55)  # builtin operator code (MINIMUM is the other)


def check(op, requests):
    binary.check(op, requests)
    out = op.outputs[0]
    if out.dtype == "int8":
        for t in op.inputs:
            if t.quant is None or out.quant is None:
                unsupported("int8 tensors without quantization")
            if t.scale_bits() != out.scale_bits() or t.zero_point != out.zero_point:
                unsupported(
                    "int8 inputs quantized differently from the output (scale %g zero point %d"
                    " vs %g, %d)" % (t.scale, t.zero_point, out.scale, out.zero_point)
                )


def prepare(op, context):
    maximum = op.code == _MAXIMUM
    if op.outputs[0].dtype == "float32":
        return binary.float_step(op, _maximum if maximum else _minimum, 0)
    if op.outputs[0].dtype == "int32":
        return binary.int32_step(op, context, _INT32_MAXIMUM if maximum else _INT32_MINIMUM)
    offset = binary.transform(op.outputs[0].zero_point)
    mode = _BINARY_MAXIMUM if maximum else _BINARY_MINIMUM
    return binary.int8_step(op, context, (offset, offset), _IDENTITY, -128, 127, mode)


def _maximum(a, b):
    return a if a > b else b


def _minimum(a, b):
    return a if a < b else b
