"""MAXIMUM and MINIMUM (TFLM maximum_minimum.cc, reference/maximum_minimum.h).

TFLM compares the raw values, so int8 and int16 are only meaningful when both inputs and
the output share one scale and zero point; TFLM does not check it, ulite refuses other
models rather than compute a meaningless result. They run the loops' binary_int8 or
binary_int16 comparing x - zp in place of x, and an identity requantization adds zp back:
out = max(x1, x2).
"""

from ..tensor import INT_RANGES
from . import binary
from .common import const, unsupported

# Fields of ulite.layouts.binary, restated for the compiler to fold (see ulite.layouts).
_BINARY_MAXIMUM = const(2)
_BINARY_MINIMUM = const(3)
_INT32_MAXIMUM = const(3)
_INT32_MINIMUM = const(4)

_IDENTITY = (1 << 30, 1)  # QuantizeMultiplier(1.0): MBQM(x) == x for every |x| < 2**30
_MAXIMUM = const(55)  # builtin operator code (MINIMUM is the other)


def check(op, requests):
    binary.check(op, requests)
    out = op.outputs[0]
    if out.dtype in ("int8", "int16"):
        for t in op.inputs:
            if t.quant is None or out.quant is None:
                unsupported("%s tensors without quantization" % out.dtype)
            if t.scale_bits() != out.scale_bits() or t.zero_point != out.zero_point:
                unsupported(
                    "%s inputs quantized differently from the output (scale %g zero point %d"
                    " vs %g, %d)" % (out.dtype, t.scale, t.zero_point, out.scale, out.zero_point)
                )


def prepare(op, context):
    maximum = op.code == _MAXIMUM
    out = op.outputs[0]
    if out.dtype == "float32":
        return binary.float_step(op, _maximum if maximum else _minimum, 0)
    if out.dtype == "int32":
        return binary.int32_step(op, context, _INT32_MAXIMUM if maximum else _INT32_MINIMUM)
    offset = binary.transform(out.zero_point)
    mode = _BINARY_MAXIMUM if maximum else _BINARY_MINIMUM
    lo, hi = INT_RANGES[out.dtype]
    return binary.quantized_step(op, context, (offset, offset), _IDENTITY, lo, hi, mode)


def _maximum(a, b):
    return a if a > b else b


def _minimum(a, b):
    return a if a < b else b
