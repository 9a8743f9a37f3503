"""DEPTHWISE_CONV_2D (int8) for MicroPython's viper emitter, on u = x + 128 and per-channel
init values as the convolution loops (see ulite.loops.viper.conv for the bounds).

Arguments and geometries: ulite.layouts.conv.
"""

import micropython
from micropython import const

from .requant import requantize

# Fields of ulite.layouts.conv, restated for the compiler to fold (see ulite.layouts).
_DW_IN_H = const(0)
_DW_IN_W = const(1)
_DW_IN_C = const(2)
_DW_OUT_H = const(3)
_DW_OUT_W = const(4)
_DW_OUT_C = const(5)
_DW_KH = const(6)
_DW_KW = const(7)
_DW_MULTIPLIER = const(8)
_DW_STRIDE_H = const(9)
_DW_STRIDE_W = const(10)
_DW_DILATION_H = const(11)
_DW_DILATION_W = const(12)
_DW_PAD_TOP = const(13)
_DW_PAD_LEFT = const(14)
_DW_PAD_VALUE = const(15)
_DW_PIXELS = const(16)
_DW_ROWS = const(17)
_CONV_ARG_OUT = const(0)
_CONV_ARG_X = const(1)
_CONV_ARG_WEIGHTS = const(2)
_CONV_ARG_INIT = const(3)
_CONV_ARG_RQ = const(4)
_CONV_ARG_ACC = const(5)
_CONV_ARG_SCRATCH = const(6)
_CONV_ARG_GEOMETRY = const(7)


@micropython.viper
def flip_sign_bits(buf, n: int):
    """buf[i] ^= 0x80 for i < n: int8 <-> u = x + 128, in place (its own inverse)."""
    p8 = ptr8(buf)
    i = 0
    while i < n and (int(p8) + i) & 3:
        p8[i] = p8[i] ^ 0x80
        i += 1
    mask = 0x7F7F
    mask = 0 - ((mask << 16) | 0x7F80)  # 0x80808080 as an int32, built without overflow
    k31 = 31
    sign = 1 << k31
    p32 = ptr32(int(p8) + i)
    words = (n - i) >> 2
    for k in range(words):
        p32[k] = ((p32[k] ^ sign) - sign) ^ mask
    i += words << 2
    while i < n:
        p8[i] = p8[i] ^ 0x80
        i += 1


@micropython.viper
def depthwise_int8(args):
    """args = (out, x, weights, init, rq, acc, pad row, geometry).

    The input is flipped to u in place for the op's duration and flipped back after.
    """
    x = args[_CONV_ARG_X]
    pad_row = ptr8(args[_CONV_ARG_SCRATCH])
    geo = ptr32(args[_CONV_ARG_GEOMETRY])
    pad = geo[_DW_PAD_VALUE]
    for c in range(geo[_DW_IN_C]):
        pad_row[c] = pad
    size = int(len(x))
    flip_sign_bits(x, size)
    _depthwise(0, 0, 0, args)
    flip_sign_bits(x, size)


@micropython.viper
def _depthwise(q: int, wa: int, a: int, args):
    """acc[pixel row * out_c + oc] = init[oc] + sum over taps of w[tap, oc] * u[tap, ic].

    Pixel by pixel, tap by tap, all channels at once (input and weights are both
    channel-contiguous). Taps outside the input read the pad row of zp' bytes.
    Registers: q walks the tap's input, wa the weights, a the accumulators.
    """
    out = args[_CONV_ARG_OUT]
    xin = int(ptr8(args[_CONV_ARG_X]))
    weights = int(ptr8(args[_CONV_ARG_WEIGHTS]))
    init = ptr32(args[_CONV_ARG_INIT])
    rq = args[_CONV_ARG_RQ]
    acc_buf = args[_CONV_ARG_ACC]
    acc = int(ptr32(acc_buf))
    pad_row = int(ptr8(args[_CONV_ARG_SCRATCH]))
    geo = ptr32(args[_CONV_ARG_GEOMETRY])
    in_h = geo[_DW_IN_H]
    in_w = geo[_DW_IN_W]
    in_c = geo[_DW_IN_C]
    out_h = geo[_DW_OUT_H]
    out_w = geo[_DW_OUT_W]
    channels = geo[_DW_OUT_C]
    kh = geo[_DW_KH]
    kw = geo[_DW_KW]
    multiplier = geo[_DW_MULTIPLIER]
    dil_h = geo[_DW_DILATION_H]
    dil_w = geo[_DW_DILATION_W]
    pixels = geo[_DW_PIXELS]
    rows = geo[_DW_ROWS]
    x_step = dil_w * in_c
    y_span = (kh - 1) * dil_h
    x_span = (kw - 1) * dil_w
    image_size = in_h * in_w * in_c
    batch = 0
    oy = 0
    ox = 0
    pixel = 0
    while pixel < pixels:
        pass_end = pixel + rows
        if pass_end > pixels:
            pass_end = pixels
        lane = acc
        for p in range(pixel, pass_end):
            for c in range(channels):
                ptr32(lane)[c] = init[c]
            iy0 = oy * geo[_DW_STRIDE_H] - geo[_DW_PAD_TOP]
            ix0 = ox * geo[_DW_STRIDE_W] - geo[_DW_PAD_LEFT]
            inside = iy0 >= 0 and iy0 + y_span < in_h and ix0 >= 0 and ix0 + x_span < in_w
            image = xin + batch * image_size
            wa = weights
            for ky in range(kh):
                iy = iy0 + ky * dil_h
                row_ok = iy >= 0 and iy < in_h
                tap = image + (iy * in_w + ix0) * in_c
                ix = ix0
                for kx in range(kw):
                    if inside or (row_ok and ix >= 0 and ix < in_w):
                        q = tap
                    else:
                        q = pad_row
                    a = lane
                    # |acc| <= |init| + 255 * 128 * taps < 2**31 (module docstring)
                    if multiplier == 1:
                        end = wa + channels - 7
                        while wa < end:
                            ptr32(a)[0] = ((ptr8(wa)[0] ^ 0x80) - 0x80) * ptr8(q)[0] + ptr32(a)[0]
                            ptr32(a)[1] = ((ptr8(wa)[1] ^ 0x80) - 0x80) * ptr8(q)[1] + ptr32(a)[1]
                            ptr32(a)[2] = ((ptr8(wa)[2] ^ 0x80) - 0x80) * ptr8(q)[2] + ptr32(a)[2]
                            ptr32(a)[3] = ((ptr8(wa)[3] ^ 0x80) - 0x80) * ptr8(q)[3] + ptr32(a)[3]
                            ptr32(a)[4] = ((ptr8(wa)[4] ^ 0x80) - 0x80) * ptr8(q)[4] + ptr32(a)[4]
                            ptr32(a)[5] = ((ptr8(wa)[5] ^ 0x80) - 0x80) * ptr8(q)[5] + ptr32(a)[5]
                            ptr32(a)[6] = ((ptr8(wa)[6] ^ 0x80) - 0x80) * ptr8(q)[6] + ptr32(a)[6]
                            ptr32(a)[7] = ((ptr8(wa)[7] ^ 0x80) - 0x80) * ptr8(q)[7] + ptr32(a)[7]
                            wa += 8
                            q += 8
                            a += 32
                        end += 7
                        while wa < end:
                            ptr32(a)[0] = ((ptr8(wa)[0] ^ 0x80) - 0x80) * ptr8(q)[0] + ptr32(a)[0]
                            wa += 1
                            q += 1
                            a += 4
                    else:
                        for c in range(in_c):
                            u = int(ptr8(q)[0])
                            end = wa + multiplier - 3
                            while wa < end:
                                ptr32(a)[0] = ((ptr8(wa)[0] ^ 0x80) - 0x80) * u + ptr32(a)[0]
                                ptr32(a)[1] = ((ptr8(wa)[1] ^ 0x80) - 0x80) * u + ptr32(a)[1]
                                ptr32(a)[2] = ((ptr8(wa)[2] ^ 0x80) - 0x80) * u + ptr32(a)[2]
                                ptr32(a)[3] = ((ptr8(wa)[3] ^ 0x80) - 0x80) * u + ptr32(a)[3]
                                wa += 4
                                a += 16
                            end += 3
                            while wa < end:
                                ptr32(a)[0] = ((ptr8(wa)[0] ^ 0x80) - 0x80) * u + ptr32(a)[0]
                                wa += 1
                                a += 4
                            q += 1
                    tap += x_step
                    ix += dil_w
            lane += channels << 2
            ox += 1
            if ox == out_w:
                ox = 0
                oy += 1
                if oy == out_h:
                    oy = 0
                    batch += 1
        requantize(acc_buf, out, pixel * channels, (pass_end - pixel) * channels, rq, 0)
        pixel = pass_end
