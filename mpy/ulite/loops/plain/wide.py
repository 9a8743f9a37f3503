"""The 16x8 loops in plain Python (int16 activations, int8 weights, int64 accumulators):
the twins of viper's wide.py, same arguments and results: init + sum(w * u) per output,
u = x + 32768, and u = 32768 where a tap falls outside the input (kernels/wide.py). Python
ints do not overflow, so the sums are exact and TFLM's int64 wrap-around is applied where
it shows (quant.wrap). Values beyond 2**30 are big ints, which the WebAssembly port
allocates: accumulators and requantize_wide's products, every invoke.
"""

import struct

from ...layouts import conv as layout
from ...layouts import requant as rq_layout
from ...quant import mbqm64_reduced, wrap
from ...views import int16_view, int64_view
from ...views import int32_view as _i32
from .conv import _s8, conv_windows, depthwise_windows
from .core import _FORMATS, requantize

_U = 32768  # u = x + _U


def requantize_wide(acc, out, out_start, count, rq, first_channel):
    """requantize for `count` int64 accumulators (layouts.requant RQ_ACC_BITS)."""
    if rq[rq_layout.RQ_ACC_BITS] == 32:
        words = _i32(acc)
        for i in range(count):
            words[i] = words[2 * i]  # the low word: the int32 sum TFLM's wrap-around keeps
        requantize(acc, out, out_start, count, rq[: rq_layout.RQ_FIELDS], first_channel)
        return
    tables, channels, zp, lo, hi, itemsize = rq[: rq_layout.RQ_FIELDS]
    reduced = _i32(tables)
    wide = int64_view(acc)
    c = first_channel % channels
    for i in range(count):
        v = wrap(mbqm64_reduced(wide[i], reduced[c], tables[4 * channels + c]) + zp, 32)
        v = lo if v < lo else hi if v > hi else v
        struct.pack_into(_FORMATS[itemsize], out, (out_start + i) * itemsize, v)
        c += 1
        if c == channels:
            c = 0


def fully_connected_16x8(args):
    out, x, w, init, _, acc, chunk, batches, depth, units, _, rq = args
    x16 = int16_view(x)
    init = int64_view(init)
    wide = int64_view(acc)
    for b in range(batches):
        x_start = b * depth
        for u0 in range(0, units, chunk):
            n = min(chunk, units - u0)
            for j in range(n):
                s = init[u0 + j]
                w_start = (u0 + j) * depth
                for k in range(depth):
                    s += _s8(w[w_start + k]) * (x16[x_start + k] + _U)
                wide[j] = wrap(s, 64)
            requantize_wide(acc, out, b * units + u0, n, rq, u0)


def conv_16x8(args):
    out, x, w, init, rq, acc, _, geo = args
    geo = _i32(geo)
    x16 = int16_view(x)
    init = int64_view(init)
    wide = int64_view(acc)
    channels, depth = geo[layout.CONV_OUT_C], geo[layout.CONV_DEPTH]
    per_group = geo[layout.CONV_PER_GROUP]
    chunk = geo[layout.CONV_CHANNELS]
    size = geo[layout.CONV_KH] * geo[layout.CONV_KW] * depth
    for pixel, taps in conv_windows(geo):
        for c0 in range(0, channels, chunk):
            for o in range(c0, min(c0 + chunk, channels)):
                first = o // per_group * depth
                s = init[o]
                k = o * size
                for src in taps:
                    for c in range(depth):
                        u = x16[src + first + c] + _U if src is not None else _U
                        s += _s8(w[k + c]) * u
                    k += depth
                wide[o - c0] = wrap(s, 64)
            requantize_wide(acc, out, pixel * channels + c0, min(chunk, channels - c0), rq, c0)


def depthwise_16x8(args):
    out, x, w, init, rq, acc, _, geo = args
    geo = _i32(geo)
    x16 = int16_view(x)
    init = int64_view(init)
    wide = int64_view(acc)
    channels, multiplier = geo[layout.DW_OUT_C], geo[layout.DW_MULTIPLIER]
    chunk = geo[layout.DW_CHANNELS]
    for pixel, taps in depthwise_windows(geo):
        for c0 in range(0, channels, chunk):
            for o in range(c0, min(c0 + chunk, channels)):
                s = init[o]
                for t, src in enumerate(taps):
                    u = x16[src + o // multiplier] + _U if src is not None else _U
                    s += _s8(w[t * channels + o]) * u
                wide[o - c0] = wrap(s, 64)
            n = min(chunk, channels - c0)
            requantize_wide(acc, out, pixel * channels + c0, n, rq, c0)
