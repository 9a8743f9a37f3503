"""PAD and PADV2 (TFLM pad_common.cc, pad.cc, reference/pad.h).

The output is filled with the pad value, then the input is copied into its interior. The
pad value is the constant_values tensor when present (read at invoke: it may be an
activation), else the output zero point for int8 and zero for the other types.
"""

import struct

from . import steps
from .common import arity, constant_ints, require, unsupported
from .copy_geometry import geometry, row_major_strides

_TYPES = ("int8", "int16", "int32", "float32")
_MAX_RANK = 5  # TFLM PadKernelMaxDimensionCount


def check(op, requests):
    arity(op, (2, 3), 1)
    x, paddings = op.inputs[0], op.inputs[1]
    out = op.outputs[0]
    if x.dtype not in _TYPES or out.dtype != x.dtype:
        unsupported("%s -> %s" % (x.dtype, out.dtype))
    if len(x.shape) > _MAX_RANK:
        unsupported("%d-D input (at most %d)" % (len(x.shape), _MAX_RANK))
    pads = constant_ints(paddings, "paddings")
    rank = len(out.shape)
    require(
        len(x.shape) == rank and len(pads) == 2 * rank,
        op,
        "paddings of %d values for input %s and output %s", (len(pads), x.shape, out.shape),
    )
    for d in range(rank):
        if pads[2 * d] < 0 or pads[2 * d + 1] < 0:
            unsupported("negative paddings %s" % (pads,))
        require(
            out.shape[d] == x.shape[d] + pads[2 * d] + pads[2 * d + 1],
            op,
            "output %s is not input %s padded by %s", (out.shape, x.shape, pads),
        )
    value = _constant_values(op)
    if value is None:
        requests.persistent(4)
        return
    require(value.dtype == x.dtype, op, "constant_values %s, input %s", (value.dtype, x.dtype))
    require(value.size == 1, op, "constant_values holds %d values, not 1", value.size)
    if x.dtype == "int8" and (value.zero_point, value.scale) != (out.zero_point, out.scale):
        unsupported("int8 constant_values quantized unlike the output")


def _constant_values(op):
    return op.inputs[2] if len(op.inputs) == 3 else None


def prepare(op, context):
    x, paddings = op.inputs[0], op.inputs[1]
    out = op.outputs[0]
    pads = constant_ints(paddings, "paddings")
    value = _constant_values(op)
    if value is None:
        pad_value = context.persistent
        zero = out.zero_point if out.dtype == "int8" else 0
        struct.pack_into("<i", pad_value, 0, zero)  # little-endian: byte 0 is the int8 value
    else:
        pad_value = value.data
    out_strides = row_major_strides(out.shape)
    start = 0
    for d in range(len(out.shape)):
        start += pads[2 * d] * out_strides[d]
    geo = geometry(out.itemsize, 0, start, x.shape, row_major_strides(x.shape), out_strides)
    loops = (context.loops.fill, context.loops.copy_strided)
    args = (loops, out.data, out.nbytes, pad_value, out.itemsize, (out.data, x.data, geo))
    return steps.fill_then_copy, args
