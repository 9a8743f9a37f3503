"""TRANSPOSE_CONV's scatter for viper, as TFLM's reference kernels compute it: every
input pixel's products added into accumulators of the whole output (the op's scratch),
which are then requantized. It takes the scratch TFLM takes, where the convolution over the
upsampled input (the kernel's other way) would take more.

The accumulators start at the bias. For each input pixel and each tap that lands in the
output, each output channel's accumulator gets the dot product of the pixel's channels
with the tap's weights: int8 (x - zp) * w, |product| <= 255 * 128, summed in a word
(prepare refuses depths whose sums could leave int32); 16x8 x * w, |product| <= 2**22,
summed in runs of _RUN in a word and added to the int64 accumulator limb by limb (as
wide._add_rows). Integer sums do not depend on their order, so these equal TFLM's.

Arguments: layouts.conv CONV_ARG_ order (no CONV_ARG_SCRATCH), the geometry TC_ fields.
transpose_conv_16x8 is in transpose_conv_wide.py, which loads the int64 requantization
only for the models that need it.
"""

import micropython
from micropython import const

from .requant import requantize

# Fields of ulite.layouts.conv, restated for the compiler to fold (see ulite.layouts).
_TC_BATCHES = const(0)
_TC_IN_H = const(1)
_TC_IN_W = const(2)
_TC_IN_C = const(3)
_TC_OUT_H = const(4)
_TC_OUT_W = const(5)
_TC_OUT_C = const(6)
_TC_KH = const(7)
_TC_KW = const(8)
_TC_STRIDE_H = const(9)
_TC_STRIDE_W = const(10)
_TC_PAD_TOP = const(11)
_TC_PAD_LEFT = const(12)
_TC_ZERO_POINT = const(13)
_CONV_ARG_OUT = const(0)
_CONV_ARG_X = const(1)
_CONV_ARG_WEIGHTS = const(2)
_CONV_ARG_INIT = const(3)
_CONV_ARG_RQ = const(4)
_CONV_ARG_ACC = const(5)
_CONV_ARG_GEOMETRY = const(7)

_RUN = const(511)  # 16x8 products x * w summed in a word: 511 * 2**22 < 2**31


@micropython.viper
def _start(acc, init, words: int, values: int, channels: int):
    """Each of `values` accumulators of `words` words (1: int32, 2: int64): its channel's
    init."""
    dst = ptr32(acc)
    src = ptr32(init)
    k = 0
    for i in range(values):
        at = (i % channels) * words
        for j in range(words):
            dst[k] = src[at + j]
            k += 1


@micropython.viper
def _landing(geo_buf, b: int, iy: int, ix: int, t: int) -> int:
    """The first accumulator of the output pixel that input pixel (iy, ix) of image b
    reaches through tap t, or -1 where that falls outside the output."""
    geo = ptr32(geo_buf)
    kw = geo[_TC_KW]
    oy = iy * geo[_TC_STRIDE_H] - geo[_TC_PAD_TOP] + t // kw
    ox = ix * geo[_TC_STRIDE_W] - geo[_TC_PAD_LEFT] + t % kw
    out_h = geo[_TC_OUT_H]
    out_w = geo[_TC_OUT_W]
    if oy < 0 or oy >= out_h or ox < 0 or ox >= out_w:
        return -1
    return ((b * out_h + oy) * out_w + ox) * geo[_TC_OUT_C]


@micropython.viper
def transpose_conv_int8(args):
    values = int(scatter(0, 0, 0, args, 1))
    requantize(args[_CONV_ARG_ACC], args[_CONV_ARG_OUT], 0, values, args[_CONV_ARG_RQ], 0)


@micropython.viper
def scatter(q: int, wa: int, s: int, args, itemsize: int) -> int:
    """The accumulators from their init, then every landing's dot products added in
    (int8: itemsize 1, int32 accumulators; 16x8: 2, int64); returns how many accumulators
    (output values) there are. Registers: q walks the input pixel, wa the weights, s the
    sum."""
    geo_buf = args[_CONV_ARG_GEOMETRY]
    geo = ptr32(geo_buf)
    acc_buf = args[_CONV_ARG_ACC]
    acc = ptr32(acc_buf)
    a = ptr16(acc_buf)
    x = int(ptr8(args[_CONV_ARG_X]))
    weights = int(ptr8(args[_CONV_ARG_WEIGHTS]))
    depth = geo[_TC_IN_C]
    out_c = geo[_TC_OUT_C]
    taps = geo[_TC_KH] * geo[_TC_KW]
    filter_step = taps * depth
    in_h = geo[_TC_IN_H]
    in_w = geo[_TC_IN_W]
    values = geo[_TC_BATCHES] * geo[_TC_OUT_H] * geo[_TC_OUT_W] * out_c
    _start(acc_buf, args[_CONV_ARG_INIT], itemsize, values, out_c)
    offset = 128 + geo[_TC_ZERO_POINT]  # int8: x - zp = (byte ^ 128) - offset
    pixel = x
    for b in range(geo[_TC_BATCHES]):
        for iy in range(in_h):
            for ix in range(in_w):
                for t in range(taps):
                    e = int(_landing(geo_buf, b, iy, ix, t))
                    if e < 0:
                        continue
                    for o in range(out_c):
                        wa = weights + o * filter_step + t * depth
                        end = wa + depth
                        q = pixel
                        if itemsize == 1:
                            s = 0
                            while wa < end:
                                s = ((ptr8(wa)[0] ^ 128) - 128) * ((ptr8(q)[0] ^ 128) - offset) + s
                                wa += 1
                                q += 1
                            acc[e + o] = acc[e + o] + s
                            continue
                        while wa < end:
                            run_end = wa + _RUN
                            if run_end > end:
                                run_end = end
                            s = 0
                            while wa < run_end:
                                s = ((ptr8(wa)[0] ^ 128) - 128) * ((ptr16(q)[0] ^ 0x8000) - 0x8000) + s
                                wa += 1
                                q += 2
                            ext = 0  # the sum's limbs above its 32 bits
                            if s < 0:
                                ext = 0xFFFF
                            k = (e + o) << 2
                            v = int(a[k]) + (s & 0xFFFF)
                            a[k] = v
                            v = (v >> 16) + int(a[k + 1]) + ((s >> 16) & 0xFFFF)
                            a[k + 1] = v
                            v = (v >> 16) + int(a[k + 2]) + ext
                            a[k + 2] = v
                            a[k + 3] = (v >> 16) + int(a[k + 3]) + ext
                pixel += depth * itemsize
    return values
