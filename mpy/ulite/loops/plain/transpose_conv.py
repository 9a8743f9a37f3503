"""TRANSPOSE_CONV's scatter in plain Python: the twins of viper's transpose_conv (same
arguments and results), TFLM's reference loops: every input pixel's products added into
accumulators of the whole output, which start at the bias, then requantized."""

from ...layouts import conv as layout
from ...quant import wrap
from ...views import int16_view, int64_view
from ...views import int32_view as _i32
from .conv import _s8
from .core import requantize
from .scatter import landings, values
from .wide import requantize_wide


def _scatter(geo, w, init, acc, x_at, add):
    """acc[e + o] = add(acc[e + o], the dot product of an input pixel and a tap's weights
    of channel o) over every landing, from acc = init; x_at(i): input value i less its
    zero point."""
    depth, out_c = geo[layout.TC_IN_C], geo[layout.TC_OUT_C]
    filter_step = geo[layout.TC_KH] * geo[layout.TC_KW] * depth
    for i in range(values(geo)):
        acc[i] = init[i % out_c]
    for src, taps in landings(geo):
        pixel = [x_at(src + c) for c in range(depth)]
        for e, tap in taps:
            for o in range(out_c):
                k = o * filter_step + tap
                acc[e + o] = add(acc[e + o], sum(pixel[c] * _s8(w[k + c]) for c in range(depth)))


def transpose_conv_int8(args):
    out, x, w, init, rq, acc, _, geo = args
    zp = geo[layout.TC_ZERO_POINT]
    _scatter(geo, w, _i32(init), _i32(acc), lambda i: _s8(x[i]) - zp, lambda a, s: a + s)
    requantize(acc, out, 0, values(geo), rq, 0)


def transpose_conv_16x8(args):
    out, x, w, init, rq, acc, _, geo = args
    x16 = int16_view(x)
    _scatter(geo, w, int64_view(init), int64_view(acc), lambda i: x16[i], lambda a, s: wrap(a + s, 64))
    requantize_wide(acc, out, 0, values(geo), rq, 0)
