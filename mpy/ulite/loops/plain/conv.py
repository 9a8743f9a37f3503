"""Convolution loops in plain Python: the twins of viper's conv (same arguments and results).

They compute TFLM's sums directly: acc = init + sum over taps of w * u, with u = x + 128 for
taps inside the input and u = zp' outside (see ulite.kernels.conv_common for why that
equals bias + sum(w * (x - input_zp)) over the in-bounds taps).
"""

from ...layouts import conv as layout
from ...views import int32_view as _i32
from .core import requantize


def _s8(v):
    return (v ^ 0x80) - 0x80


def weight_sums(weights, channels, length, channel_step, step, sums):
    s32 = _i32(sums)
    for c in range(channels):
        s32[c] = sum(_s8(weights[c * channel_step + k * step]) for k in range(length))


def _windows(pixels, image, out_hw, kernel_hw, stride, dilation, pad):
    """For each output pixel, the input offset of each tap's channel 0 (None outside);
    image = (in_h, in_w, in_c), the others (h, w) pairs."""
    in_h, in_w, in_c = image
    out_h, out_w = out_hw
    for pixel in range(pixels):
        batch, rest = divmod(pixel, out_h * out_w)
        oy, ox = divmod(rest, out_w)
        taps = []
        for ky in range(kernel_hw[0]):
            iy = oy * stride[0] - pad[0] + ky * dilation[0]
            for kx in range(kernel_hw[1]):
                ix = ox * stride[1] - pad[1] + kx * dilation[1]
                inside = 0 <= iy < in_h and 0 <= ix < in_w
                taps.append(((batch * in_h + iy) * in_w + ix) * in_c if inside else None)
        yield pixel, taps


def conv_windows(geo):
    """_windows of an im2col geometry (layouts.conv CONV_ fields, an int32 view)."""
    return _windows(
        geo[layout.CONV_PIXELS],
        (geo[layout.CONV_IN_H], geo[layout.CONV_IN_W], geo[layout.CONV_IN_C]),
        (geo[layout.CONV_OUT_H], geo[layout.CONV_OUT_W]),
        (geo[layout.CONV_KH], geo[layout.CONV_KW]),
        (geo[layout.CONV_STRIDE_H], geo[layout.CONV_STRIDE_W]),
        (geo[layout.CONV_DILATION_H], geo[layout.CONV_DILATION_W]),
        (geo[layout.CONV_PAD_TOP], geo[layout.CONV_PAD_LEFT]),
    )


def depthwise_windows(geo):
    """_windows of a depthwise geometry (layouts.conv DW_ fields, an int32 view)."""
    return _windows(
        geo[layout.DW_PIXELS],
        (geo[layout.DW_IN_H], geo[layout.DW_IN_W], geo[layout.DW_IN_C]),
        (geo[layout.DW_OUT_H], geo[layout.DW_OUT_W]),
        (geo[layout.DW_KH], geo[layout.DW_KW]),
        (geo[layout.DW_STRIDE_H], geo[layout.DW_STRIDE_W]),
        (geo[layout.DW_DILATION_H], geo[layout.DW_DILATION_W]),
        (geo[layout.DW_PAD_TOP], geo[layout.DW_PAD_LEFT]),
    )


def conv_int8(args):
    out, x, w, init, rq, acc, _, geo = args
    geo = _i32(geo)
    init = _i32(init)
    a32 = _i32(acc)
    channels, depth = geo[layout.CONV_OUT_C], geo[layout.CONV_DEPTH]
    per_group, pad = geo[layout.CONV_PER_GROUP], geo[layout.CONV_PAD_VALUE]
    size = geo[layout.CONV_KH] * geo[layout.CONV_KW] * depth
    for pixel, taps in conv_windows(geo):
        for o in range(channels):
            first = o // per_group * depth
            s = init[o]
            k = o * size
            for src in taps:
                for c in range(depth):
                    u = (x[src + first + c] ^ 0x80) if src is not None else pad
                    s += _s8(w[k]) * u
                    k += 1
            a32[o] = s
        requantize(acc, out, pixel * channels, channels, rq, 0)


conv_int8_one_lane = conv_int8  # (one row of accumulators, no patches: all this loop takes)


def depthwise_int8(args):
    out, x, w, init, rq, acc, _, geo = args
    geo = _i32(geo)
    init = _i32(init)
    a32 = _i32(acc)
    channels, multiplier = geo[layout.DW_OUT_C], geo[layout.DW_MULTIPLIER]
    pad = geo[layout.DW_PAD_VALUE]
    for pixel, taps in depthwise_windows(geo):
        for o in range(channels):
            s = init[o]
            for t, src in enumerate(taps):
                u = (x[src + o // multiplier] ^ 0x80) if src is not None else pad
                s += _s8(w[t * channels + o]) * u
            a32[o] = s
        requantize(acc, out, pixel * channels, channels, rq, 0)
