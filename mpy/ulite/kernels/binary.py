"""Steps shared by the two-input elementwise kernels: ADD, SUB, MUL, MAXIMUM, MINIMUM.

int8: each input byte maps through a 256-entry int32 table in the op's persistent memory
(a rescaled value, or the value minus its zero point); the loops' binary_int8 walks TFLM's
broadcast, combines the two entries (sum, product, maximum or minimum) and requantizes.
float32: plain Python over the same broadcast walk, as TFLM's float reference kernels.
"""

from ..broadcast import walk
from ..views import float32_view, int32_view
from .common import (
    arity,
    broadcast,
    float_bounds,
    io_types,
    requant_bytes,
    requant_params,
    unsupported,
)

# How binary_int8 combines the two table entries.
SUM = 0
PRODUCT = 1
MAXIMUM = 2
MINIMUM = 3

_TABLE_BYTES = 4 * 256
_RQ_BYTES = requant_bytes(1)  # persistent memory: output requantization, then the tables


def check(op, tables):
    """Validate an int8 or float32 op with broadcasting; reserve `tables` int8 tables."""
    arity(op, 2, 1)
    types = io_types(op)
    if types not in ("int8,int8->int8", "float32,float32->float32"):
        unsupported(types)
    broadcast(op, [t.shape for t in op.inputs], op.outputs[0].shape)
    if types == "int8,int8->int8":
        op.request_persistent(_RQ_BYTES + tables * _TABLE_BYTES)


def table(op, k, value_of):
    """Fill table k (persistent memory) with value_of(v) for each int8 value v; its bytes."""
    start = _RQ_BYTES + _TABLE_BYTES * k
    region = op.persistent[start : start + _TABLE_BYTES]
    values = int32_view(region)
    for byte in range(256):
        values[byte] = value_of((byte ^ 0x80) - 0x80)
    return region


def offset_table(op, k, zero_point):
    """Table k holding v - zero_point for each int8 value v."""
    return table(op, k, lambda v: v - zero_point)


def int8_step(op, tables, multiplier, lo, hi, mode):
    """(fn, args) running binary_int8 over two tables (the same one twice if it is shared),
    requantizing the combined values with `multiplier` = (M, shift) and clamping to [lo, hi]."""
    x1, x2 = op.inputs
    out = op.outputs[0]
    dims, (st1, st2) = broadcast(op, [x1.shape, x2.shape], out.shape)
    rq = requant_params(op.persistent[:_RQ_BYTES], [multiplier], out, lo, hi)
    chunk = len(op.acc) // 4
    data = (out.data, x1.data, x2.data, tables[0], tables[1])
    return op.loops.binary_int8, data + (dims, st1, st2, op.acc, chunk, rq, mode)


def float_step(op, combine, activation):
    """(fn, args) computing out = clamp(combine(x1, x2)) over float32 with broadcasting."""
    x1, x2 = op.inputs
    out = op.outputs[0]
    dims, (st1, st2) = broadcast(op, [x1.shape, x2.shape], out.shape)
    lo, hi = float_bounds(activation)
    views = (float32_view(out.data), float32_view(x1.data), float32_view(x2.data))
    return _run_float, views + (dims, st1, st2, combine, lo, hi)


def _run_float(args):
    out, x1, x2, dims, st1, st2, combine, lo, hi = args
    i = 0
    for p, q in walk(dims, st1, st2):
        v = combine(x1[p], x2[q])
        if lo is not None and v < lo:
            v = lo
        if hi is not None and v > hi:
            v = hi
        out[i] = v
        i += 1
