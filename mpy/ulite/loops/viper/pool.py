"""Pooling loops for MicroPython's viper emitter: AVERAGE_POOL_2D and MAX_POOL_2D (int8).

geometry (int32 array): 0 in_h, 1 in_w, 2 channels, 3 out_h, 4 out_w, 5 filter_h,
6 filter_w, 7 stride_h, 8 stride_w, 9 pad_top, 10 pad_left, 11 lo, 12 hi, 13 output pixels.
Each output pixel's window is clipped to the input once; the loops run over its rows.
Bound: an average's sum is at most 128 * taps in magnitude, below 2**31 (the kernel refuses
larger windows).
"""

import micropython


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
    o8 = ptr8(args[0])
    x = int(ptr8(args[1]))
    geo = ptr32(args[2])
    in_h = geo[0]
    in_w = geo[1]
    channels = geo[2]
    out_h = geo[3]
    out_w = geo[4]
    lo = geo[11]
    hi = geo[12]
    k31 = 31
    sign = 1 << k31
    lo = (lo ^ sign) - sign
    hi = (hi ^ sign) - sign
    row = in_w * channels
    pixel = 0
    for batch in range(geo[13] // (out_h * out_w)):
        image = x + batch * in_h * row
        for oy in range(out_h):
            y0 = oy * geo[7] - geo[9]
            y1 = y0 + geo[5]
            if y0 < 0:
                y0 = 0
            if y1 > in_h:
                y1 = in_h
            for ox in range(out_w):
                x0 = ox * geo[8] - geo[10]
                x1 = x0 + geo[6]
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
