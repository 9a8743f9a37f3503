"""ADD (TFLM add_common.cc, reference/integer_ops/add.h), with broadcasting.

int8: each input is rescaled to a common scale with TFLM's arithmetic (left shift 20,
multipliers smaller than one), the two are added, and the sum is requantized.
"""

from .. import quant
from ..broadcast import walk
from ..views import float32_view
from .common import (
    activation_bounds,
    arity,
    broadcast,
    float_bounds,
    io_types,
    quantized,
    require,
    requant_bytes,
    requant_params,
    unsupported,
)

_OPTIONS = "AddOptions"
_LEFT_SHIFT = 20


def check(op):
    arity(op, 2, 1)
    types = io_types(op)
    if types not in ("int8,int8->int8", "float32,float32->float32"):
        unsupported(types)
    broadcast(op, [t.shape for t in op.inputs], op.outputs[0].shape)
    if types == "int8,int8->int8":
        op.request_persistent(requant_bytes(1))


def prepare(op):
    x1, x2 = op.inputs
    out = op.outputs[0]
    dims, (st1, st2) = broadcast(op, [x1.shape, x2.shape], out.shape)
    activation = op.option(_OPTIONS, 0, "b", 0)
    if out.dtype == "float32":
        lo, hi = float_bounds(activation)
        views = (float32_view(out.data), float32_view(x1.data), float32_view(x2.data))
        return _run_float, views + (dims, st1, st2, lo, hi)
    for t in (x1, x2, out):
        quantized(op, t)
    s1 = quant.from_float32_bits(x1.scale_bits())
    s2 = quant.from_float32_bits(x2.scale_bits())
    twice_max = (s1 if s1.at_least(s2) else s2).scaled(1)  # 2 * max(s1, s2), exact in float
    rescales = []
    for t, s in ((x1, s1), (x2, s2)):
        multiplier, shift = quant.quantize_multiplier(quant.divide(s, twice_max, quant.DOUBLE))
        require(shift <= 0, op, "input rescale multiplier is not below one")
        rescales.append((t.zero_point, multiplier >> 11, multiplier & 0x7FF, -shift))
    out_scale = quant.from_float32_bits(out.scale_bits(), "output scale")
    out_multiplier = quant.quantize_multiplier(
        quant.divide(twice_max, out_scale.scaled(_LEFT_SHIFT), quant.DOUBLE)
    )
    require(out_multiplier[1] <= 0, op, "output rescale multiplier is not below one")
    lo, hi = activation_bounds(op, activation, out)
    rq = requant_params(op.persistent, [out_multiplier], out, lo, hi)
    chunk = len(op.acc) // 4
    args = (out.data, x1.data, x2.data, rescales[0], rescales[1], dims, st1, st2, op.acc, chunk, rq)
    return op.loops.add_int8, args


def _run_float(args):
    out, x1, x2, dims, st1, st2, lo, hi = args
    i = 0
    for p, q in walk(dims, st1, st2):
        v = x1[p] + x2[q]
        if lo is not None and v < lo:
            v = lo
        if hi is not None and v > hi:
            v = hi
        out[i] = v
        i += 1
