"""SQUEEZE (TFLM squeeze.cc): drops size-1 dims; the bytes are copied as they are."""

from .common import arity, require
from .reshape import prepare  # noqa: F401

_OPTIONS = "SqueezeOptions"
_MAX_RANK = 8


def check(op, requests):
    arity(op, 1, 1)
    x, out = op.inputs[0], op.outputs[0]
    require(x.dtype == out.dtype, op, "input is %s but output is %s", (x.dtype, out.dtype))
    rank = len(x.shape)
    require(rank <= _MAX_RANK, op, "%d-D input (at most %d)", (rank, _MAX_RANK))
    dims = op.option_ints(_OPTIONS, 0)
    squeezed = [d for d in range(rank) if x.shape[d] == 1] if not dims else []
    for d in dims:
        axis = d + rank if d < 0 else d
        fits = 0 <= axis < rank and x.shape[axis] == 1
        require(fits, op, "cannot squeeze dim %d of %s", (d, x.shape))
        squeezed.append(axis)
    expected = tuple(x.shape[d] for d in range(rank) if d not in squeezed)
    require(
        tuple(out.shape) == expected,
        op,
        "squeezing %s gives %s, not %s", (x.shape, expected, out.shape),
    )
