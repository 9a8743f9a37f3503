"""CONCATENATION (TFLM concatenation.cc, reference/concatenation.h).

For each of the `outer` blocks before the axis, every input contributes one contiguous
run of (its axis size) x (inner size) elements. int8 is a plain copy: TFLM requires every
input to share the output's scale and zero point, and no fused activation; int16 tensors
must have zero point 0 (their scales may differ: TFLM copies the values as they are).
"""

from . import steps
from .common import arity, require, unsupported
from .copy_geometry import geometry

_OPTIONS = "ConcatenationOptions"
_TYPES = ("int8", "int16", "int32", "float32")
_MAX_INPUTS = 10  # TFLM kMaxInputNum
_MAX_RANK = 6  # TFLM RuntimeShape::kMaxSmallSize


def check(op, requests):
    arity(op, (1, _MAX_INPUTS), 1)
    out = op.outputs[0]
    if out.dtype not in _TYPES:
        unsupported(out.dtype)
    if len(out.shape) > _MAX_RANK:
        unsupported("%d-D tensors (at most %d)" % (len(out.shape), _MAX_RANK))
    if op.option(_OPTIONS, 1, "b", 0):
        unsupported("fused activation")
    axis = _axis(op)
    total = 0
    for x in op.inputs:
        require(x is not None, op, "an input is missing")
        if x.dtype != out.dtype:
            unsupported("input %s with output %s" % (x.dtype, out.dtype))
        if out.dtype == "int8" and (x.zero_point, x.scale) != (out.zero_point, out.scale):
            unsupported(
                "int8 input '%s' (scale %g, zero point %d) quantized unlike the output "
                "(scale %g, zero point %d)"
                % (x.name, x.scale, x.zero_point, out.scale, out.zero_point)
            )
        if out.dtype == "int16" and (x.zero_point or out.zero_point):
            unsupported("int16 zero points %d -> %d (TFLM requires 0)" % (x.zero_point, out.zero_point))
        fits = len(x.shape) == len(out.shape) and all(
            x.shape[d] == out.shape[d] for d in range(len(out.shape)) if d != axis
        )
        require(fits, op, "input %s does not fit output %s (axis %d)", (x.shape, out.shape, axis))
        total += x.shape[axis]
    require(
        total == out.shape[axis],
        op,
        "inputs add up to %d on axis %d, output has %d", (total, axis, out.shape[axis]),
    )


def _axis(op):
    rank = len(op.outputs[0].shape)
    axis = op.option(_OPTIONS, 0, "i", 0)
    positive = axis + rank if axis < 0 else axis
    require(0 <= positive < rank, op, "axis %d out of range for rank %d", (axis, rank))
    return positive


def prepare(op, context):
    out = op.outputs[0]
    axis = _axis(op)
    outer = 1
    for d in range(axis):
        outer *= out.shape[d]
    inner = 1
    for d in range(axis + 1, len(out.shape)):
        inner *= out.shape[d]
    row = out.shape[axis] * inner
    copies = []
    start = 0
    for x in op.inputs:
        run = x.shape[axis] * inner
        if run:
            geo = geometry(out.itemsize, 0, start, (outer, run), (run, 1), (row, 1))
            copies.append((out.data, x.data, geo))
        start += run
    return steps.copy_each, (context.loops.copy_strided, tuple(copies))
