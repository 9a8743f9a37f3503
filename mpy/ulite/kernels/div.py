"""DIV (TFLM div.cc, reference/div.h), int32 only: C's division, truncating toward zero,
with broadcasting, clamped to the fused activation's range. A constant zero divisor is
refused; a zero computed at run time makes invoke raise ulite.InvokeError, where
TFLM's invoke fails."""

from . import binary
from .common import arity, const, int32_bounds, refuse, require

# Fields of ulite.layouts.binary, restated for the compiler to fold (see ulite.layouts).
_INT32_QUOTIENT = const(5)

_OPTIONS = "DivOptions"


def check(op, requests):
    binary.check(op, requests, ("int32,int32->int32",))
    arity(op, 2, 1)
    for t in op.inputs:
        if t.quant is not None:
            refuse(op, "int32 DIV of quantized tensor '%s'" % t.name)
    divisor = op.inputs[1]
    if divisor.is_constant:
        data = divisor.data
        zero = any(data[i : i + 4] == b"\x00\x00\x00\x00" for i in range(0, divisor.nbytes, 4))
        require(not zero, op, "divides by a constant zero")


def prepare(op, context):
    activation = op.option(_OPTIONS, 0, "b", 0)
    return binary.int32_step(op, context, _INT32_QUOTIENT, int32_bounds(activation))
