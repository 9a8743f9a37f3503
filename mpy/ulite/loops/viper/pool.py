"""Pooling loops for MicroPython's viper emitter: AVERAGE_POOL_2D and MAX_POOL_2D (int8).

Arguments and geometry: ulite.layouts.pool. Each output pixel's window is clipped to the
input once; the loops run over its rows. Bound: an average's sum is at most 128 * taps in
magnitude, below 2**31 (the kernel refuses larger windows).
"""

import micropython
from micropython import const

# Fields of ulite.layouts.pool, restated for the compiler to fold (see ulite.layouts).
_POOL_IN_H = const(0)
_POOL_IN_W = const(1)
_POOL_CHANNELS = const(2)
_POOL_OUT_H = const(3)
_POOL_OUT_W = const(4)
_POOL_FILTER_H = const(5)
_POOL_FILTER_W = const(6)
_POOL_STRIDE_H = const(7)
_POOL_STRIDE_W = const(8)
_POOL_PAD_TOP = const(9)
_POOL_PAD_LEFT = const(10)
_POOL_LO = const(11)
_POOL_HI = const(12)
_POOL_PIXELS = const(13)
_POOL_ARG_OUT = const(0)
_POOL_ARG_X = const(1)
_POOL_ARG_GEOMETRY = const(2)


@micropython.viper
def average_pool_int8(args):
    """args = (out, x, geometry): out = clamp(round(sum / taps)), half away from zero."""
    _pool(0, 0, 0, args, 1)


@micropython.viper
def max_pool_int8(args):
    """args = (out, x, geometry): out = clamp(max over the in-bounds taps)."""
    _pool(0, 0, 0, args, 0)


@micropython.viper
def _pool(src: int, v: int, total: int, args, average: int):
    o8 = ptr8(args[_POOL_ARG_OUT])
    x = int(ptr8(args[_POOL_ARG_X]))
    geo = ptr32(args[_POOL_ARG_GEOMETRY])
    in_h = geo[_POOL_IN_H]
    in_w = geo[_POOL_IN_W]
    channels = geo[_POOL_CHANNELS]
    out_h = geo[_POOL_OUT_H]
    out_w = geo[_POOL_OUT_W]
    lo = geo[_POOL_LO]
    hi = geo[_POOL_HI]
    k31 = 31
    sign = 1 << k31
    lo = (lo ^ sign) - sign
    hi = (hi ^ sign) - sign
    row = in_w * channels
    pixel = 0
    for batch in range(geo[_POOL_PIXELS] // (out_h * out_w)):
        image = x + batch * in_h * row
        for oy in range(out_h):
            y0 = oy * geo[_POOL_STRIDE_H] - geo[_POOL_PAD_TOP]
            y1 = y0 + geo[_POOL_FILTER_H]
            if y0 < 0:
                y0 = 0
            if y1 > in_h:
                y1 = in_h
            for ox in range(out_w):
                x0 = ox * geo[_POOL_STRIDE_W] - geo[_POOL_PAD_LEFT]
                x1 = x0 + geo[_POOL_FILTER_W]
                if x0 < 0:
                    x0 = 0
                if x1 > in_w:
                    x1 = in_w
                taps = (y1 - y0) * (x1 - x0)
                half = taps >> 1
                for c in range(channels):
                    total = 0
                    if average == 0:
                        total = -128
                    for iy in range(y0, y1):
                        src = image + iy * row + x0 * channels + c
                        end = src + (x1 - x0) * channels
                        while src < end:
                            v = (ptr8(src)[0] ^ 0x80) - 0x80
                            if average:
                                total += v
                            elif v > total:
                                total = v
                            src += channels
                    if average:
                        if total > 0:
                            total = (total + half) // taps
                        else:
                            total = 0 - (half - total) // taps  # C division truncates
                    if total < lo:
                        total = lo
                    if total > hi:
                        total = hi
                    o8[pixel] = total
                    pixel += 1
