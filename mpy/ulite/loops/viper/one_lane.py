"""The int8 convolution loop for viper on a scratch the plan cut to one row of
accumulators: conv_int8_one_lane (kept apart from conv.py, so that a model loads its
machine code only where the plan cuts a convolution that far).

Same arguments, results and bounds as conv.py's conv_int8 (see there): u = x ^ 0x80 and
init = bias - zp' * sum(w), so a tap outside the input adds w * zp', which init cancels.
Arguments and geometries: ulite.layouts.conv.
"""

import micropython
from micropython import const

from .requant import requantize

# Fields of ulite.layouts.conv, restated for the compiler to fold (see ulite.layouts).
_CONV_IN_H = const(0)
_CONV_IN_W = const(1)
_CONV_IN_C = const(2)
_CONV_OUT_H = const(3)
_CONV_OUT_W = const(4)
_CONV_OUT_C = const(5)
_CONV_KH = const(6)
_CONV_KW = const(7)
_CONV_DEPTH = const(8)
_CONV_PER_GROUP = const(9)
_CONV_STRIDE_H = const(11)
_CONV_STRIDE_W = const(12)
_CONV_DILATION_H = const(13)
_CONV_DILATION_W = const(14)
_CONV_PAD_TOP = const(15)
_CONV_PAD_LEFT = const(16)
_CONV_PAD_VALUE = const(17)
_CONV_PIXELS = const(19)
_CONV_ARG_OUT = const(0)
_CONV_ARG_X = const(1)
_CONV_ARG_WEIGHTS = const(2)
_CONV_ARG_INIT = const(3)
_CONV_ARG_RQ = const(4)
_CONV_ARG_ACC = const(5)
_CONV_ARG_GEOMETRY = const(7)


@micropython.viper
def conv_int8_one_lane(args):
    """conv_int8 on a scratch the plan cut to one row of accumulators (the thumb backend
    runs it too: its conv_int8 needs eight lanes)."""
    _one_lane(0, 0, 0, args)


@micropython.viper
def _one_lane(q: int, wa: int, s: int, args):
    """One output pixel at a time, no im2col: each filter's sums read the input where its
    taps land (u = x ^ 0x80), and a tap outside the input adds its weights times zp',
    which init cancels. Registers: q walks the input, wa the weights, s the sum."""
    out = args[_CONV_ARG_OUT]
    xin = int(ptr8(args[_CONV_ARG_X]))
    weights = int(ptr8(args[_CONV_ARG_WEIGHTS]))
    init = ptr32(args[_CONV_ARG_INIT])
    rq = args[_CONV_ARG_RQ]
    acc_buf = args[_CONV_ARG_ACC]
    acc = ptr32(acc_buf)
    geo = ptr32(args[_CONV_ARG_GEOMETRY])
    k31 = 31
    sign = 1 << k31
    in_h = geo[_CONV_IN_H]
    in_w = geo[_CONV_IN_W]
    in_c = geo[_CONV_IN_C]
    pad_top = (geo[_CONV_PAD_TOP] ^ sign) - sign
    pad_left = (geo[_CONV_PAD_LEFT] ^ sign) - sign
    dil_h = (geo[_CONV_DILATION_H] ^ sign) - sign
    dil_w = (geo[_CONV_DILATION_W] ^ sign) - sign
    out_h = geo[_CONV_OUT_H]
    out_w = geo[_CONV_OUT_W]
    channels = geo[_CONV_OUT_C]
    kh = geo[_CONV_KH]
    kw = geo[_CONV_KW]
    depth = geo[_CONV_DEPTH]
    per_group = geo[_CONV_PER_GROUP]
    pad = geo[_CONV_PAD_VALUE]
    plane = out_h * out_w
    image_size = in_h * in_w * in_c
    for pixel in range(geo[_CONV_PIXELS]):
        batch = pixel // plane
        oy = (pixel - batch * plane) // out_w
        ox = pixel - batch * plane - oy * out_w
        iy0 = oy * geo[_CONV_STRIDE_H] - pad_top
        ix0 = ox * geo[_CONV_STRIDE_W] - pad_left
        image = xin + batch * image_size
        wa = weights
        for o in range(channels):
            s = (init[o] ^ sign) - sign
            first = image + (o // per_group) * depth
            iy = iy0
            for ky in range(kh):
                ix = ix0
                for kx in range(kw):
                    end = wa + depth
                    if iy >= 0 and iy < in_h and ix >= 0 and ix < in_w:
                        q = first + (iy * in_w + ix) * in_c
                        pair_end = end - 1
                        while wa < pair_end:
                            s = ((ptr8(wa)[0] ^ 0x80) - 0x80) * (ptr8(q)[0] ^ 0x80) + s
                            s = ((ptr8(wa)[1] ^ 0x80) - 0x80) * (ptr8(q)[1] ^ 0x80) + s
                            wa += 2
                            q += 2
                        if wa == pair_end:
                            s = ((ptr8(wa)[0] ^ 0x80) - 0x80) * (ptr8(q)[0] ^ 0x80) + s
                            wa += 1
                    else:
                        q = 0  # the tap's weight sum
                        while wa < end:
                            q += (ptr8(wa)[0] ^ 0x80) - 0x80
                            wa += 1
                        s = q * pad + s
                    ix += dil_w
                iy += dil_h
            acc[o] = s
        requantize(acc_buf, out, pixel * channels, channels, rq, 0)
