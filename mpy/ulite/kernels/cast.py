"""CAST (TFLM cast.cc): each value converted as C's static_cast converts it. Integers wrap
to the output's width, integers become the nearest float32, floats truncate toward zero.
A float whose truncation is outside the range of the x86-64 instruction TFLM's reference
build converts with (int32, or int64 for uint32 outputs), or NaN, gives that instruction's
"integer indefinite", the lowest value (C leaves the conversion undefined)."""

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
    convert_bits = 64 if x.dtype == "float32" and out.dtype == "uint32" else 32
    args = (_view(x), x.dtype in ("int8", "bool"), x.dtype == "bool", x.dtype == "float32")
    return _cast, args + (_view(out), x.size, bits, out.dtype == "uint32", convert_bits)


def _view(t):
    view = _VIEWS.get(t.dtype)
    return view(t.data) if view else t.data  # int8 and bool: the bytes


def _cast(args):
    x, from_byte, from_bool, from_float, out, count, bits, unsigned, convert_bits = args
    for i in range(count):
        v = x[i]
        if from_byte:
            v = (1 if v else 0) if from_bool else (v ^ 0x80) - 0x80
        elif from_float and bits:
            v = _truncate(v, convert_bits)
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


def _truncate(f, bits):
    """cvttss2si into a bits-wide register: toward zero, or the lowest value if it does
    not fit (NaN included)."""
    lowest = -(1 << (bits - 1))
    if f != f or not -(2.0 ** (bits - 1)) <= f < 2.0 ** (bits - 1):
        return lowest
    return int(f)
