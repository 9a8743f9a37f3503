"""Convolution loops in plain Python: the twins of viper's conv (same arguments and results).

They compute TFLM's sums directly: acc = init + sum over taps of w * u, with u = x + 128 for
taps inside the input and u = zp' outside (see ulite.kernels.conv_common for why that
equals bias + sum(w * (x - input_zp)) over the in-bounds taps).
"""

from ...views import int32_view as _i32
from .core import requantize


def words(buf):
    """The int32 words of a byte buffer (a loop's geometry in the arena), as a list."""
    view = _i32(buf)
    return [view[i] for i in range(len(buf) // 4)]


def _s8(v):
    return (v ^ 0x80) - 0x80


def weight_sums(weights, channels, length, channel_step, step, sums):
    s32 = _i32(sums)
    for c in range(channels):
        s32[c] = sum(_s8(weights[c * channel_step + k * step]) for k in range(length))


def _windows(geo, pixels, stride, dilation, pad):
    """For each output pixel, the input offset of each tap's channel 0 (None outside)."""
    in_h, in_w, in_c, out_h, out_w, kh, kw = geo[0], geo[1], geo[2], geo[3], geo[4], geo[6], geo[7]
    for pixel in range(pixels):
        batch, rest = divmod(pixel, out_h * out_w)
        oy, ox = divmod(rest, out_w)
        taps = []
        for ky in range(kh):
            iy = oy * stride[0] - pad[0] + ky * dilation[0]
            for kx in range(kw):
                ix = ox * stride[1] - pad[1] + kx * dilation[1]
                inside = 0 <= iy < in_h and 0 <= ix < in_w
                taps.append(((batch * in_h + iy) * in_w + ix) * in_c if inside else None)
        yield pixel, taps


def conv_int8(args):
    out, x, w, init, rq, acc, _, geo = args
    geo = words(geo)
    init = _i32(init)
    a32 = _i32(acc)
    channels, depth, per_group, pad = geo[5], geo[8], geo[9], geo[17]
    size = geo[6] * geo[7] * depth
    for pixel, taps in _windows(geo, geo[19], geo[11:13], geo[13:15], geo[15:17]):
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


def depthwise_int8(args):
    out, x, w, init, rq, acc, _, geo = args
    geo = words(geo)
    init = _i32(init)
    a32 = _i32(acc)
    channels, multiplier, pad = geo[5], geo[8], geo[15]
    for pixel, taps in _windows(geo, geo[16], geo[9:11], geo[11:13], geo[13:15]):
        for o in range(channels):
            s = init[o]
            for t, src in enumerate(taps):
                u = (x[src + o // multiplier] ^ 0x80) if src is not None else pad
                s += _s8(w[t * channels + o]) * u
            a32[o] = s
        requantize(acc, out, pixel * channels, channels, rq, 0)
