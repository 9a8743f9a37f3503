"""STRIDED_SLICE (TFLM strided_slice_common.cc, strided_slice_logic.h, reference/strided_slice.h).

Like TFLM: 1-4 dims, constant begin/end/strides, begin_mask, end_mask and
shrink_axis_mask honoured, ellipsis_mask and new_axis_mask forced to 0, offset ignored.
Each axis walks from its start towards its stop by its stride (negative strides too).
"""

from ..tensor import INT32_MAX, INT32_MIN
from .common import arity, constant_ints, require, unsupported
from .copy_geometry import geometry, row_major_strides

_OPTIONS = "StridedSliceOptions"
_TYPES = ("int8", "int16", "int32", "float32")
_MAX_RANK = 4  # TFLM kMaxDim


def check(op, requests):
    arity(op, 4, 1)
    x, out = op.inputs[0], op.outputs[0]
    if x.dtype not in _TYPES or out.dtype != x.dtype:
        unsupported("%s -> %s" % (x.dtype, out.dtype))
    if len(x.shape) > _MAX_RANK:
        unsupported("%d-D input (at most %d)" % (len(x.shape), _MAX_RANK))
    _axes(op)


def _clamp(v, lo, hi):
    return hi if v > hi else lo if v < lo else v


def _axes(op):
    """[(start, count, stride)] per input axis, and the output shape TFLM expects."""
    x, out = op.inputs[0], op.outputs[0]
    rank = len(x.shape)
    begin = constant_ints(op.inputs[1], "begin")
    end = constant_ints(op.inputs[2], "end")
    strides = constant_ints(op.inputs[3], "strides")
    require(
        len(begin) == len(end) == len(strides) == rank,
        op,
        "begin/end/strides of %d/%d/%d values for a %d-D input", (len(begin), len(end), len(strides), rank),
    )
    begin_mask = op.option(_OPTIONS, 0, "i", 0)
    end_mask = op.option(_OPTIONS, 1, "i", 0)
    shrink_mask = op.option(_OPTIONS, 4, "i", 0)
    axes = []
    shape = []
    for d in range(rank):
        size, stride = x.shape[d], strides[d]
        require(stride != 0, op, "stride of axis %d is zero", d)
        lo, hi = (0, size) if stride > 0 else (-1, size - 1)
        start = begin[d]
        if begin_mask & (1 << d):
            start = INT32_MIN if stride > 0 else INT32_MAX
        start = _clamp(start + size if start < 0 else start, lo, hi)
        if shrink_mask & (1 << d):
            # TFLM walks a shrunk axis from start to start + 1: nothing for these two cases
            if stride < 0:
                unsupported("shrink_axis_mask on axis %d with a negative stride" % d)
            require(start < size, op, "shrunk axis %d: index %d out of range", (d, begin[d]))
            axes.append((start, 1, stride))
            continue
        stop = end[d]
        if end_mask & (1 << d):
            stop = INT32_MAX if stride > 0 else INT32_MIN
        stop = _clamp(stop + size if stop < 0 else stop, lo, hi)
        count = max(0, -((start - stop) // stride))  # ceil((stop - start) / stride)
        axes.append((start, count, stride))
        shape.append(count)
    shape = tuple(shape)
    require(shape == tuple(out.shape), op, "output %s, slice gives %s", (out.shape, shape))
    return axes


def prepare(op, context):
    x, out = op.inputs[0], op.outputs[0]
    in_strides = row_major_strides(x.shape)
    start = 0
    counts = []
    steps = []
    for d, (first, count, stride) in enumerate(_axes(op)):
        start += first * in_strides[d]
        counts.append(count)
        steps.append(stride * in_strides[d])
    geo = geometry(x.itemsize, start, 0, counts, steps, row_major_strides(counts))
    return context.loops.copy_strided, (out.data, x.data, geo)

