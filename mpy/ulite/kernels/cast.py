"""CAST (TFLM cast.cc): each value converted as C's static_cast converts it. Integers wrap
to the output's width (the loops' cast_integer), integers become the nearest float32,
floats truncate toward zero. C leaves a float outside the output's range undefined; TFLM's
reference build saturates it to the range (NaN to 0), and so does ulite."""

from ..views import float32_view, int16_view, int32_view, uint32_view
from .common import arity, const, require, unsupported

# Fields of ulite.layouts.unary, restated for the compiler to fold (see ulite.layouts).
_CAST_SIGNED = const(0)
_CAST_UNSIGNED = const(1)
_CAST_BOOL = const(2)

_INPUTS = ("int8", "int16", "int32", "uint32", "float32", "bool")
_OUTPUTS = ("int8", "int16", "int32", "uint32", "float32")
_VIEWS = {"int16": int16_view, "int32": int32_view, "uint32": uint32_view, "float32": float32_view}
_WIDTHS = {"int8": 8, "int16": 16, "int32": 32, "uint32": 32}


def check(op, requests):
    arity(op, 1, 1)
    x, out = op.inputs[0], op.outputs[0]
    if x.dtype not in _INPUTS or out.dtype not in _OUTPUTS:
        unsupported("%s->%s" % (x.dtype, out.dtype))
    require(x.size == out.size, op, "input %s and output %s differ in size", (x.shape, out.shape))


def prepare(op, context):
    x, out = op.inputs[0], op.outputs[0]
    if "float32" not in (x.dtype, out.dtype):
        kind = {"bool": _CAST_BOOL, "uint32": _CAST_UNSIGNED}.get(x.dtype, _CAST_SIGNED)
        args = (out.data, x.data, x.size, x.itemsize, kind, out.itemsize)
        return context.loops.cast_integer, args
    bits = 0 if out.dtype == "float32" else _WIDTHS[out.dtype]  # 0: float() rounds to float32
    args = (_view(x), x.dtype in ("int8", "bool"), x.dtype == "bool", _view(out), x.size)
    return _cast, args + (bits, out.dtype == "uint32")


def _view(t):
    view = _VIEWS.get(t.dtype)
    return view(t.data) if view else t.data  # int8 and bool: the bytes


def _cast(args):
    """To float32, or from float32 to an integer type (integers alone: cast_integer)."""
    x, from_byte, from_bool, out, count, bits, unsigned = args
    for i in range(count):
        v = x[i]
        if from_byte:
            v = (1 if v else 0) if from_bool else (v ^ 0x80) - 0x80
        if bits:
            v = _saturate(v, bits, unsigned)
            if bits == 8:
                v &= 0xFF  # stored into the output's bytes
        else:
            v = float(v)
        out[i] = v


def _saturate(f, bits, unsigned):
    """f truncated toward zero, clamped to the output's range (NaN: 0)."""
    low, high = (0, (1 << bits) - 1) if unsigned else (-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
    if f != f:
        return 0
    if f <= low:
        return low
    if f >= high:
        return high
    return int(f)
