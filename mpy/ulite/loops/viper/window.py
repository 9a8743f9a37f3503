"""Where a convolution's taps fall in its input, output pixel by output pixel: what the 16x8
CONV_2D and DEPTHWISE_CONV_2D loops (wide.py) share, as the plain loops share
conv_windows and depthwise_windows.

The int8 loops (conv.py, depthwise.py) walk their windows inline, eight lanes or one pixel
at a time: a call per output pixel would cost them more than their windows do.

Geometries: ulite.layouts.conv (the CONV_ and DW_ geometries' first fields are the same).
"""

import micropython
from micropython import const

# Fields of ulite.layouts.conv, restated for the compiler to fold (see ulite.layouts).
_CONV_IN_H = const(0)
_CONV_IN_W = const(1)
_CONV_IN_C = const(2)
_CONV_OUT_H = const(3)
_CONV_OUT_W = const(4)
_CONV_KW = const(7)

_MOST_TAPS = const(128)  # taps one call places, over its pixels

TAPS = bytearray(4 * _MOST_TAPS)  # int32 per tap: 1 + input offset of its channel 0, 0 outside


@micropython.viper
def windows(k: int, ix: int, iy: int, geometry, stride_h: int, dilation_h: int, pad_top: int, pixel: int, pixels: int, first: int, end: int) -> int:
    """Places taps first .. end - 1 (end - first at most TAPS' words) of the windows of
    output pixels `pixel` on, before `pixels`, as many of them as TAPS holds, one after the
    other: tap t of pixel + i at TAPS[i * (end - first) + t - first]. Returns how many
    pixels it placed. A tap inside the input holds 1 + the element offset of its channel 0
    in the input, one outside it (in the padding) 0. stride_h, dilation_h and pad_top are
    the geometry's fields' indices; the width's field follows each height's.
    Registers: k counts the taps placed, ix and iy are the tap's input column and row
    (callers pass 0)."""
    geo = ptr32(geometry)
    taps = ptr32(TAPS)
    span = end - first
    count = _MOST_TAPS // span
    if count > pixels - pixel:
        count = pixels - pixel
    in_h = geo[_CONV_IN_H]
    in_w = geo[_CONV_IN_W]
    in_c = geo[_CONV_IN_C]
    out_w = geo[_CONV_OUT_W]
    kw = geo[_CONV_KW]
    k31 = 31
    sign = 1 << k31  # pads and dilations may be negative (TRANSPOSE_CONV walks its taps
    # backwards): (v ^ sign) - sign sign-extends an int32 load on 64-bit ports
    dil_h = (geo[dilation_h] ^ sign) - sign
    dil_w = (geo[dilation_h + 1] ^ sign) - sign
    pad_h = (geo[pad_top] ^ sign) - sign
    pad_w = (geo[pad_top + 1] ^ sign) - sign
    image_size = in_h * in_w * in_c
    plane = geo[_CONV_OUT_H] * out_w
    ky0 = first // kw
    kx0 = first - ky0 * kw
    for p in range(pixel, pixel + count):
        batch = p // plane
        oy = (p - batch * plane) // out_w
        x0 = (p - batch * plane - oy * out_w) * geo[stride_h + 1] - pad_w
        iy = oy * geo[stride_h] - pad_h + ky0 * dil_h
        ix = x0 + kx0 * dil_w
        kx = kx0
        image = 1 + batch * image_size
        stop = k + span
        while k < stop:
            at = 0
            if iy >= 0 and iy < in_h and ix >= 0 and ix < in_w:
                at = image + (iy * in_w + ix) * in_c
            taps[k] = at
            k += 1
            kx += 1
            ix += dil_w
            if kx == kw:
                kx = 0
                ix = x0
                iy += dil_h
    return count
