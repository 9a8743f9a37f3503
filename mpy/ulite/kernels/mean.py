"""MEAN (TFLM reduce_common.cc, reference/reduce.h).

The input dims are grouped into runs of kept and reduced dims (size-1 dims dropped,
neighbours of the same kind merged): at most three of each for six dims. Each output is
the sum over the reduced groups, in input order.
- int8 and int16: QuantizedMeanOrSum. (M, s) = QuantizeMultiplier(in_scale / out_scale);
  with n reduced elements, k = min(floor(log2 n), 32, 31 + s), M' = (M << k) // n,
  s' = s - k; out = clamp(MBQM(sum(x) - in_zp * n, M', s') + out_zp).
- float32: float32 sums in input order, then divided by n (TFLM Mean, float32 temp sum).
"""

from .. import quant
from ..tensor import INT_RANGES
from ..views import float32_view
from .common import (
    aligned,
    arity,
    check_accumulator,
    const,
    constant_ints,
    io_types,
    quantized,
    requant_bytes,
    requant_params,
    require,
    unsupported,
)

# Fields of ulite.layouts.mean, restated for the compiler to fold (see ulite.layouts).
_MEAN_GROUPS = const(3)
_MEAN_OFFSET = const(0)
_MEAN_KEPT_COUNTS = const(1)
_MEAN_KEPT_STRIDES = const(4)
_MEAN_REDUCED_COUNTS = const(7)
_MEAN_REDUCED_STRIDES = const(10)
_MEAN_FIELDS = const(13)

_OPTIONS = "ReducerOptions"
# reduced elements: the sums stay below 255 * n < 2**30 (int8), 65535 * n < 2**31 (int16)
_MAX_REDUCED = {"int8": 1 << 22, "int16": 1 << 15}


def check(op, requests):
    arity(op, 2, 1)
    types = io_types(op)
    if types not in ("int8,int32->int8", "int16,int32->int16", "float32,int32->float32"):
        unsupported(types)
    kept, reduced, count = _groups(op)
    require(count > 0, op, "no values to average: input %s", (op.inputs[0].shape,))
    if len(kept) > _MEAN_GROUPS or len(reduced) > _MEAN_GROUPS:
        unsupported("%d-D input with axes %s" % (len(op.inputs[0].shape), _axes(op)))
    outputs = 1
    for n, _ in kept:
        outputs *= n
    out = op.outputs[0]
    require(out.size == outputs, op, "output %s does not hold the %d means", (out.shape, outputs))
    if out.dtype != "float32":
        limit = _MAX_REDUCED[out.dtype]
        if count >= limit:
            unsupported("%s mean over %d elements (at most %d)" % (out.dtype, count, limit - 1))
        low, high = INT_RANGES[out.dtype]
        check_accumulator(op, (high - low) * count, [_multiplier(op, aligned(op.inputs[0]), count)])
        requests.persistent(requant_bytes(1))


def _axes(op):
    """Reduced axes, non-negative, without duplicates (TFLM ResolveAxis)."""
    rank = len(op.inputs[0].shape)
    axes = []
    for a in constant_ints(op.inputs[1], "axis"):
        require(-rank <= a < rank, op, "axis %d out of range for rank %d", (a, rank))
        a = a + rank if a < 0 else a
        if a not in axes:
            axes.append(a)
    return axes


def _groups(op):
    """([(size, stride)] kept groups, [(size, stride)] reduced groups, reduced count)."""
    shape = op.inputs[0].shape
    axes = _axes(op)
    groups = []  # [is_reduced, size, stride], outermost first
    stride = 1
    for d in range(len(shape) - 1, -1, -1):
        reduced = d in axes
        if shape[d] != 1:
            if groups and groups[0][0] == reduced:
                groups[0][1] *= shape[d]
            else:
                groups.insert(0, [reduced, shape[d], stride])
        stride *= shape[d]
    count = 1
    for reduced, n, _ in groups:
        if reduced:
            count *= n
    kept = [(n, s) for reduced, n, s in groups if not reduced]
    return kept, [(n, s) for reduced, n, s in groups if reduced], count


def _multiplier(op, x, count):
    """(M', s') of QuantizedMeanOrSum for `count` reduced elements of input x."""
    x, out = quantized(op, x), quantized(op, op.outputs[0])
    multiplier, shift = quant.ratio_multiplier(x.scale_bits(), out.scale_bits())
    k = min(quant.bit_length(count) - 1, 32, 31 + shift)
    return (multiplier << k) // count, shift - k


def _geometry(kept, reduced, offset):
    """The mean geometry (layouts.mean) of the kept and reduced (size, stride) groups."""
    geo = [0] * _MEAN_FIELDS
    geo[_MEAN_OFFSET] = offset
    for groups, counts, strides in (
        (kept, _MEAN_KEPT_COUNTS, _MEAN_KEPT_STRIDES),
        (reduced, _MEAN_REDUCED_COUNTS, _MEAN_REDUCED_STRIDES),
    ):
        pad = _MEAN_GROUPS - len(groups)  # outer groups of one step
        for k in range(_MEAN_GROUPS):
            n, stride = groups[k - pad] if k >= pad else (1, 0)
            geo[counts + k] = n
            geo[strides + k] = stride
    return tuple(geo)


def prepare(op, context):
    x, out = op.inputs[0], op.outputs[0]
    kept, reduced, count = _groups(op)
    if out.dtype == "float32":
        geo = _geometry(kept, reduced, 0)
        return _run_float, (float32_view(out.data), float32_view(x.data), geo, count)
    low, high = INT_RANGES[out.dtype]
    rq = requant_params(context.persistent, [_multiplier(op, x, count)], out, low, high)
    geo = _geometry(kept, reduced, (low - x.zero_point) * count)
    acc = context.acc
    loop = context.loops.mean_int16 if out.dtype == "int16" else context.loops.mean_int8
    return loop, (out.data, x.data, geo, acc, len(acc) // 4, rq)


def _group_fields(geo, start):
    return geo[start : start + _MEAN_GROUPS]


def _run_float(args):
    out, x, geo, count = args
    k0, k1, k2 = _group_fields(geo, _MEAN_KEPT_COUNTS)
    ks0, ks1, ks2 = _group_fields(geo, _MEAN_KEPT_STRIDES)
    r0, r1, r2 = _group_fields(geo, _MEAN_REDUCED_COUNTS)
    rs0, rs1, rs2 = _group_fields(geo, _MEAN_REDUCED_STRIDES)
    j = 0
    for i0 in range(k0):
        for i1 in range(k1):
            for i2 in range(k2):
                base = i0 * ks0 + i1 * ks1 + i2 * ks2
                out[j] = 0.0
                for j0 in range(r0):
                    for j1 in range(r1):
                        p = base + j0 * rs0 + j1 * rs1
                        for _ in range(r2):
                            out[j] += x[p]  # rounded to float32 at each step, as TFLM sums
                            p += rs2
                out[j] /= count
                j += 1
