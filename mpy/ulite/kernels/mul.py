"""MUL (TFLM mul_common.cc, reference/integer_ops/mul.h), with broadcasting.

int8 and int16: out = clamp(MBQM((x1 - zp1) * (x2 - zp2), M, shift) + zp_out) with
(M, shift) = QuantizeMultiplier((double)s1 * (double)s2 / (double)s_out). TFLM requires
int16 zero points to be 0.
int32: TFLM's WrappingMul, clamped to the fused activation's range.
"""

from .. import quant
from ..tensor import INT_RANGES
from . import binary
from .common import activation_bounds, check_accumulator, const, int32_bounds, quantized, unsupported

# Fields of ulite.layouts.binary, restated for the compiler to fold (see ulite.layouts).
_BINARY_PRODUCT = const(1)
_INT32_PRODUCT = const(2)

_OPTIONS = "MulOptions"


def check(op, requests):
    binary.check(op, requests)
    out = op.outputs[0]
    if out.dtype == "int16":
        for t in op.inputs + op.outputs:
            if quantized(op, t).zero_point:
                unsupported("int16 tensor '%s' with zero point %d (TFLM requires 0)" % (t.name, t.zero_point))
    if out.dtype in ("int8", "int16"):
        _multiplier(op)


def prepare(op, context):
    x1, x2 = op.inputs
    activation = op.option(_OPTIONS, 0, "b", 0)
    if op.outputs[0].dtype == "float32":
        return binary.float_step(op, _product, activation)
    if op.outputs[0].dtype == "int32":
        return binary.int32_step(op, context, _INT32_PRODUCT, int32_bounds(activation))
    multiplier = _multiplier(op)
    transforms = [binary.transform(t.zero_point) for t in (x1, x2)]
    lo, hi = activation_bounds(op, activation, op.outputs[0])
    return binary.quantized_step(op, context, transforms, multiplier, lo, hi, _BINARY_PRODUCT)


def _multiplier(op):
    x1, x2, out = [quantized(op, t) for t in op.inputs + op.outputs]
    multiplier = quant.conv_multiplier(x1.scale_bits(), x2.scale_bits(), out.scale_bits())
    # TFLM shifts the int32 product left before the high multiply: refuse what overflows
    check_accumulator(op, _largest_offset(x1) * _largest_offset(x2), [multiplier])
    return multiplier


def _largest_offset(t):
    low, high = INT_RANGES[t.dtype]
    return max(high - t.zero_point, t.zero_point - low)


def _product(a, b):
    return a * b
