"""Steps shared by the two-input elementwise kernels: ADD, SUB, MUL, MAXIMUM, MINIMUM.

int8: the loops' binary_int8 walks TFLM's broadcast, takes each input's value minus its zero
point (rescaled to a common scale for sums, as TFLM's ADD/SUB do), combines the two (sum,
product, maximum or minimum) and requantizes.
float32: plain Python over the same broadcast walk, as TFLM's float reference kernels.
int32: the loops' binary_int32 walks it (results wrap around as TFLM's do on its
two's-complement targets).
"""

from ..broadcast import broadcast, walk
from ..tensor import INT32_MAX, INT32_MIN
from ..views import float32_view
from .common import (
    arity,
    float_bounds,
    io_types,
    requant_bytes,
    requant_params,
    unsupported,
)

TYPES = ("int8,int8->int8", "float32,float32->float32", "int32,int32->int32")


def check(op, requests, allowed=TYPES):
    """Validate an op of the `allowed` types with broadcasting; reserve the requantization
    table of int8."""
    arity(op, 2, 1)
    types = io_types(op)
    if types not in allowed:
        unsupported(types)
    broadcast(op, [t.shape for t in op.inputs], op.outputs[0].shape)
    if types == "int8,int8->int8":
        requests.persistent(requant_bytes(1))


def transform(zero_point, rescale=(0, 0), negate=False):
    """binary_int8's per-input transform (layouts.binary TRANSFORM_ fields): x - zero_point,
    then (for sums) the TFLM rescale RDBPOT(SRDHM(d << 20, multiplier), -shift) given as
    rescale = (multiplier, shift)."""
    multiplier, shift = rescale
    return (zero_point, 1 if negate else 0, multiplier >> 11, multiplier & 0x7FF, -shift)


def int8_step(op, context, transforms, multiplier, lo, hi, mode):
    """(fn, args) running binary_int8 (args in layouts.binary BINARY_ARG_ order) with the
    two input transforms, combining them by `mode` (a BINARY_ mode), requantizing with
    `multiplier` = (M, shift) and clamping to [lo, hi]."""
    x1, x2 = op.inputs
    out = op.outputs[0]
    dims, (st1, st2) = broadcast(op, [x1.shape, x2.shape], out.shape)
    rq = requant_params(context.persistent, [multiplier], out, lo, hi)
    acc = context.acc
    data = (out.data, x1.data, x2.data, transforms[0], transforms[1])
    return context.loops.binary_int8, data + (dims, st1, st2, acc, len(acc) // 4, rq, mode)


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


def int32_step(op, context, mode, bounds=(INT32_MIN, INT32_MAX)):
    """(fn, args) running the loops' binary_int32 (args in layouts.binary INT32_ARG_ order):
    x1 and x2 combined by `mode` (an INT32_ mode) with broadcasting, clamped to `bounds`."""
    x1, x2 = op.inputs
    dims, (st1, st2) = broadcast(op, [x1.shape, x2.shape], op.outputs[0].shape)
    data = (op.outputs[0].data, x1.data, x2.data, dims, st1, st2, mode)
    return context.loops.binary_int32, data + tuple(bounds)
