"""CAST (TFLM cast.cc): each value converted as C's static_cast converts it. Integers wrap
to the output's width, integers become the nearest float32, floats truncate toward zero.
C leaves a float outside the output's range undefined; TFLM's reference build saturates it
to the range (NaN to 0), and so does ulite."""

from ..views import float32_view, int16_view, int32_view, uint32_view
from .common import arity, require, unsupported

_INPUTS = ("int8", "int16", "int32", "uint32", "float32", "bool")
_OUTPUTS = ("int8", "int16", "int32", "uint32", "float32")
_VIEWS = {"int16": int16_view, "int32": int32_view, "uint32": uint32_view, "float32": float32_view}
_WIDTHS = {"int8": 8, "int16": 16, "int32": 32, "uint32": 32}


def check(op, requests):
    arity(op, 1, 1)
    x, out = op.inputs[0], op.outputs[0]
    if x.dtype not in _INPUTS or out.dtype not in _OUTPUTS:
        unsupported("%s->%s" % (x.dtype, out.dtype))
    require(x.size == out.size, op, "input %s and output %s differ in size" % (x.shape, out.shape))


def prepare(op, context):
    x, out = op.inputs[0], op.outputs[0]
    if out.dtype == "float32":
        bits = 0  # no wrap: float() rounds to the view's float32
    else:
        bits = _WIDTHS[out.dtype]
    args = (_view(x), x.dtype in ("int8", "bool"), x.dtype == "bool", x.dtype == "float32")
    return _cast, args + (_view(out), x.size, bits, out.dtype == "uint32")


def _view(t):
    view = _VIEWS.get(t.dtype)
    return view(t.data) if view else t.data  # int8 and bool: the bytes


def _cast(args):
    x, from_byte, from_bool, from_float, out, count, bits, unsigned = args
    for i in range(count):
        v = x[i]
        if from_byte:
            v = (1 if v else 0) if from_bool else (v ^ 0x80) - 0x80
        elif from_float and bits:
            v = _saturate(v, bits, unsigned)
        if bits:
            mask = (1 << bits) - 1
            v &= mask
            if not unsigned and v >> (bits - 1):
                v -= mask + 1
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
