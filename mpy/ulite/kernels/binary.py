"""Steps shared by the two-input elementwise kernels: ADD, SUB, MUL, MAXIMUM, MINIMUM.

int8 and int16: the loops' binary_int8 / binary_int16 walk TFLM's broadcast, take each
input's value minus its zero point (rescaled to a common scale for sums, as TFLM's ADD/SUB
do), combine the two (sum, product, maximum or minimum) and requantize. An int16 constant
operand (a bias, a gain) is copied into the op's arena tables: binary_int16 loads whole
halfwords, and a model kept as a bytes literal (convert's module, in ROMFS or frozen) may
put the constant at an odd address, where Cortex-M0+ cannot load one.
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

QUANTIZED_TYPES = ("int8,int8->int8", "int16,int16->int16")
TYPES = QUANTIZED_TYPES + ("float32,float32->float32", "int32,int32->int32")


def check(op, requests, allowed=TYPES):
    """Validate an op of the `allowed` types with broadcasting; reserve the requantization
    table of the quantized ones."""
    arity(op, 2, 1)
    types = io_types(op)
    if types not in allowed:
        unsupported(types)
    broadcast(op, [t.shape for t in op.inputs], op.outputs[0].shape)
    if types in QUANTIZED_TYPES:
        requests.persistent(requant_bytes(1) + sum(_copy_bytes(t) for t in op.inputs))


def transform(zero_point, rescale=(0, 0), negate=False, left_shift=20):
    """The loops' per-input transform (layouts.binary TRANSFORM_ fields): x - zero_point,
    then (for sums) the TFLM rescale RDBPOT(SRDHM(d << left_shift, multiplier), -shift)
    given as rescale = (multiplier, shift); left_shift is 20 for int8 inputs, 15 for int16."""
    multiplier, shift = rescale
    low_bits = 31 - left_shift
    high, low = multiplier >> low_bits, multiplier & ((1 << low_bits) - 1)
    return (zero_point, 1 if negate else 0, high, low, -shift)


def quantized_step(op, context, transforms, multiplier, lo, hi, mode):
    """(fn, args) running binary_int8 or binary_int16 (by the inputs' type; args in
    layouts.binary BINARY_ARG_ order) with the two input transforms, combining them by
    `mode` (a BINARY_ mode), requantizing with `multiplier` = (M, shift) and clamping to
    [lo, hi]."""
    x1, x2 = op.inputs
    out = op.outputs[0]
    dims, (st1, st2) = broadcast(op, [x1.shape, x2.shape], out.shape)
    region = context.persistent
    rq = requant_params(region, [multiplier], out, lo, hi)
    start = requant_bytes(1)
    operands = []
    for t in (x1, x2):
        data = t.data
        size = _copy_bytes(t)
        if size:
            data = region[start : start + t.nbytes]
            data[:] = t.data
            start += size
        operands.append(data)
    acc = context.acc
    loops = context.loops
    loop = loops.binary_int16 if x1.dtype == "int16" else loops.binary_int8
    data = (out.data, operands[0], operands[1], transforms[0], transforms[1])
    return loop, data + (dims, st1, st2, acc, len(acc) // 4, rq, mode)


def _copy_bytes(tensor):
    """Arena bytes of the aligned copy of an int16 constant operand (0 for others)."""
    return (tensor.nbytes + 3) & ~3 if tensor.is_constant and tensor.itemsize > 1 else 0


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
