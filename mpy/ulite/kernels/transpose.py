"""TRANSPOSE (TFLM transpose_common.cc, transpose.cc, reference/transpose.h).

Output dim i is input dim perm[i]: the output is written in order while the input is read
with the permuted strides. TFLM runs int8, int16 and float32 of 1-5 dims.
"""

from .common import arity, constant_ints, require, unsupported
from .copy_geometry import geometry, row_major_strides

_TYPES = ("int8", "int16", "float32")
_MAX_RANK = 5


def check(op, requests):
    arity(op, 2, 1)
    x, out = op.inputs[0], op.outputs[0]
    if x.dtype not in _TYPES or out.dtype != x.dtype:
        unsupported("%s -> %s" % (x.dtype, out.dtype))
    if len(x.shape) > _MAX_RANK:
        unsupported("%d-D input (at most %d)" % (len(x.shape), _MAX_RANK))
    _perm(op)


def _perm(op):
    x, out = op.inputs[0], op.outputs[0]
    perm = constant_ints(op.inputs[1], "perm")
    rank = len(x.shape)
    require(
        sorted(perm) == list(range(rank)),
        op,
        "perm %s is not a permutation of %d dims", (list(perm), rank),
    )
    require(
        tuple(out.shape) == tuple(x.shape[p] for p in perm),
        op,
        "output %s is not input %s permuted by %s", (out.shape, x.shape, list(perm)),
    )
    return perm


def prepare(op, context):
    x, out = op.inputs[0], op.outputs[0]
    in_strides = row_major_strides(x.shape)
    src_strides = [in_strides[p] for p in _perm(op)]
    geo = geometry(x.itemsize, 0, 0, out.shape, src_strides, row_major_strides(out.shape))
    return context.loops.copy_strided, (out.data, x.data, geo)

