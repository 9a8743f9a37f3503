"""Convolution loops for MicroPython's viper emitter: CONV_2D (int8); on a scratch cut to
one lane in one_lane.py, DEPTHWISE_CONV_2D in depthwise.py, the weight sums prepare derives
in sums.py.

The conv and depthwise loops work on u = x ^ 0x80 = x + 128 (0..255) and per-channel init = bias - zp' * sum(w),
zp' = input_zp + 128 (see ulite.kernels.conv_common): then every tap adds w * u, and a tap
outside the input adds w * zp', which init cancels exactly. So there is no bounds branch per
multiply-accumulate: borders only change where a tap reads from.

Bound: an accumulator starts at |init| <= |bias| + 255 * 128 * K and adds at most
255 * 128 * K (K products, |w| <= 128, u <= 255); the kernels refuse models where
|bias| + 65280 * K reaches 2**31, so every sum fits a signed 32-bit word. Accumulators are
stored with ptr32 (the low 32 bits), so a 64-bit port keeps exactly what a board keeps.

Viper keeps only the first three locals of a function in registers (parameters first),
so the hot loops live in helpers whose first three parameters are their busiest variables
(callers pass 0). ptr8(address)[constant] loads compile to one instruction.

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
_CONV_GROUPS = const(10)
_CONV_STRIDE_H = const(11)
_CONV_STRIDE_W = const(12)
_CONV_DILATION_H = const(13)
_CONV_DILATION_W = const(14)
_CONV_PAD_TOP = const(15)
_CONV_PAD_LEFT = const(16)
_CONV_PAD_VALUE = const(17)
_CONV_TAPS_PER_CHUNK = const(18)
_CONV_PIXELS = const(19)
_CONV_ROWS = const(20)
_CONV_LANES = const(21)
_CONV_ARG_OUT = const(0)
_CONV_ARG_X = const(1)
_CONV_ARG_WEIGHTS = const(2)
_CONV_ARG_INIT = const(3)
_CONV_ARG_RQ = const(4)
_CONV_ARG_ACC = const(5)
_CONV_ARG_SCRATCH = const(6)
_CONV_ARG_GEOMETRY = const(7)


@micropython.viper
def conv_int8(args):
    """args = (out, x, weights, init, rq, acc, im2col, geometry)."""
    _conv(0, 0, 0, args)


@micropython.viper
def _conv(q: int, a: int, b: int, args):
    """All of CONV_2D in one call (viper calls cost more than a block's bookkeeping).

    Output pixels go in blocks of `lanes` (8, or 4 where 8 rows of accumulators would take
    too much memory), or of the pass's rows where fewer (a block of 3 or 4 pixels runs 4
    lanes, of 2 two, of one pixel one): for each group and chunk of taps the block's
    patches are gathered into im2col as u bytes, lanes interleaved (byte 8 * k + p is
    element k of lane p's patch; padding reads zp'), then every filter of the group runs
    over all lanes at once, two weights per step, into acc[pixel row * out_c + o].
    `requantize` turns each pass of acc rows into outputs.
    Registers: q walks the bytes being read, a and b hold the values or ends in use.
    """
    out = args[_CONV_ARG_OUT]
    xin = int(ptr8(args[_CONV_ARG_X]))
    weights = int(ptr8(args[_CONV_ARG_WEIGHTS]))
    init = ptr32(args[_CONV_ARG_INIT])
    rq = args[_CONV_ARG_RQ]
    acc_buf = args[_CONV_ARG_ACC]
    acc = ptr32(acc_buf)
    im2col = int(ptr8(args[_CONV_ARG_SCRATCH]))
    geo = ptr32(args[_CONV_ARG_GEOMETRY])
    k31 = 31
    sign = 1 << k31  # (v ^ sign) - sign sign-extends an int32 load on 64-bit ports
    in_h = geo[_CONV_IN_H]
    in_w = geo[_CONV_IN_W]
    in_c = geo[_CONV_IN_C]
    # pads and dilations may be negative (TRANSPOSE_CONV walks its taps backwards)
    pad_top = (geo[_CONV_PAD_TOP] ^ sign) - sign
    pad_left = (geo[_CONV_PAD_LEFT] ^ sign) - sign
    dil_h = (geo[_CONV_DILATION_H] ^ sign) - sign
    dil_w = (geo[_CONV_DILATION_W] ^ sign) - sign
    out_h = geo[_CONV_OUT_H]
    out_w = geo[_CONV_OUT_W]
    channels = geo[_CONV_OUT_C]
    kw = geo[_CONV_KW]
    depth = geo[_CONV_DEPTH]
    per_group = geo[_CONV_PER_GROUP]
    groups = geo[_CONV_GROUPS]
    pad = geo[_CONV_PAD_VALUE]
    per_chunk = geo[_CONV_TAPS_PER_CHUNK]
    pixels = geo[_CONV_PIXELS]
    rows = geo[_CONV_ROWS]
    lanes = geo[_CONV_LANES]
    taps = geo[_CONV_KH] * kw
    filter_size = taps * depth
    plane = out_h * out_w
    image_size = in_h * in_w * in_c
    pixel = 0
    while pixel < pixels:
        pass_end = pixel + rows
        if pass_end > pixels:
            pass_end = pixels
        block = pixel
        while block < pass_end:
            count = pass_end - block
            if count > lanes:
                count = lanes
            row0 = (block - pixel) * channels
            batch0 = block // plane
            oy0 = (block - batch0 * plane) // out_w
            ox0 = block - batch0 * plane - oy0 * out_w
            g = 0
            while g < groups:
                t0 = 0
                while t0 < taps:
                    t1 = t0 + per_chunk
                    if t1 > taps:
                        t1 = taps
                    # gather: lane p of the block is output pixel block + p
                    ky0 = t0 // kw
                    kx0 = t0 - ky0 * kw
                    batch = batch0
                    oy = oy0
                    ox = ox0
                    for p in range(count):
                        iy = oy * geo[_CONV_STRIDE_H] - pad_top + ky0 * dil_h
                        ix_left = ox * geo[_CONV_STRIDE_W] - pad_left
                        ix = ix_left + kx0 * dil_w
                        kx = kx0
                        image = xin + batch * image_size + g * depth
                        a = im2col + p
                        for t in range(t0, t1):
                            if iy >= 0 and iy < in_h and ix >= 0 and ix < in_w:
                                q = image + (iy * in_w + ix) * in_c
                                b = q + depth
                                while q < b:
                                    ptr8(a)[0] = ptr8(q)[0] ^ 0x80
                                    q += 1
                                    a += 8
                            else:
                                b = a + depth * 8
                                while a < b:
                                    ptr8(a)[0] = pad
                                    a += 8
                            kx += 1
                            ix += dil_w
                            if kx == kw:
                                kx = 0
                                ix = ix_left
                                iy += dil_h
                        ox += 1
                        if ox == out_w:
                            ox = 0
                            oy += 1
                            if oy == out_h:
                                oy = 0
                                batch += 1
                    # dot products: filters o of group g, taps t0 .. t1 - 1
                    k0 = t0 * depth
                    n = (t1 - t0) * depth
                    o = g * per_group
                    o_end = o + per_group
                    while o < o_end:
                        r = row0 + o
                        if k0 == 0:
                            s0 = (init[o] ^ sign) - sign
                            s1 = s0
                            s2 = s0
                            s3 = s0
                            s4 = s0
                            s5 = s0
                            s6 = s0
                            s7 = s0
                        else:
                            s0 = (acc[r] ^ sign) - sign
                            s1 = s0
                            s2 = s0
                            s3 = s0
                            if count > 1:
                                s1 = (acc[r + channels] ^ sign) - sign
                            if count > 2:
                                s2 = (acc[r + 2 * channels] ^ sign) - sign
                            if count > 3:
                                s3 = (acc[r + 3 * channels] ^ sign) - sign
                            s4 = s0
                            s5 = s0
                            s6 = s0
                            s7 = s0
                            if count > 4:
                                s4 = (acc[r + 4 * channels] ^ sign) - sign
                                s5 = (acc[r + 5 * channels] ^ sign) - sign
                                s6 = (acc[r + 6 * channels] ^ sign) - sign
                                s7 = (acc[r + 7 * channels] ^ sign) - sign
                        wa = weights + o * filter_size + k0
                        pair_end = wa + n - 1
                        q = im2col
                        # |s| <= |init| + 255 * 128 * filter_size < 2**31 (module docstring)
                        if count > 4:
                            while wa < pair_end:
                                a = (ptr8(wa)[0] ^ 0x80) - 0x80
                                b = (ptr8(wa)[1] ^ 0x80) - 0x80
                                s0 = a * ptr8(q)[0] + b * ptr8(q)[8] + s0
                                s1 = a * ptr8(q)[1] + b * ptr8(q)[9] + s1
                                s2 = a * ptr8(q)[2] + b * ptr8(q)[10] + s2
                                s3 = a * ptr8(q)[3] + b * ptr8(q)[11] + s3
                                s4 = a * ptr8(q)[4] + b * ptr8(q)[12] + s4
                                s5 = a * ptr8(q)[5] + b * ptr8(q)[13] + s5
                                s6 = a * ptr8(q)[6] + b * ptr8(q)[14] + s6
                                s7 = a * ptr8(q)[7] + b * ptr8(q)[15] + s7
                                q += 16
                                wa += 2
                            if wa == pair_end:  # an odd count leaves one weight
                                a = (ptr8(wa)[0] ^ 0x80) - 0x80
                                s0 = a * ptr8(q)[0] + s0
                                s1 = a * ptr8(q)[1] + s1
                                s2 = a * ptr8(q)[2] + s2
                                s3 = a * ptr8(q)[3] + s3
                                s4 = a * ptr8(q)[4] + s4
                                s5 = a * ptr8(q)[5] + s5
                                s6 = a * ptr8(q)[6] + s6
                                s7 = a * ptr8(q)[7] + s7
                        elif count == 2:  # (a pass cut to two rows)
                            while wa < pair_end:
                                a = (ptr8(wa)[0] ^ 0x80) - 0x80
                                b = (ptr8(wa)[1] ^ 0x80) - 0x80
                                s0 = a * ptr8(q)[0] + b * ptr8(q)[8] + s0
                                s1 = a * ptr8(q)[1] + b * ptr8(q)[9] + s1
                                q += 16
                                wa += 2
                            if wa == pair_end:
                                a = (ptr8(wa)[0] ^ 0x80) - 0x80
                                s0 = a * ptr8(q)[0] + s0
                                s1 = a * ptr8(q)[1] + s1
                        elif count == 1:  # (a last block of one pixel)
                            while wa < pair_end:
                                a = (ptr8(wa)[0] ^ 0x80) - 0x80
                                b = (ptr8(wa)[1] ^ 0x80) - 0x80
                                s0 = a * ptr8(q)[0] + b * ptr8(q)[8] + s0
                                q += 16
                                wa += 2
                            if wa == pair_end:
                                s0 = ((ptr8(wa)[0] ^ 0x80) - 0x80) * ptr8(q)[0] + s0
                        else:  # a short last block: lanes 4 .. 7 would be wasted work
                            while wa < pair_end:
                                a = (ptr8(wa)[0] ^ 0x80) - 0x80
                                b = (ptr8(wa)[1] ^ 0x80) - 0x80
                                s0 = a * ptr8(q)[0] + b * ptr8(q)[8] + s0
                                s1 = a * ptr8(q)[1] + b * ptr8(q)[9] + s1
                                s2 = a * ptr8(q)[2] + b * ptr8(q)[10] + s2
                                s3 = a * ptr8(q)[3] + b * ptr8(q)[11] + s3
                                q += 16
                                wa += 2
                            if wa == pair_end:
                                a = (ptr8(wa)[0] ^ 0x80) - 0x80
                                s0 = a * ptr8(q)[0] + s0
                                s1 = a * ptr8(q)[1] + s1
                                s2 = a * ptr8(q)[2] + s2
                                s3 = a * ptr8(q)[3] + s3
                        acc[r] = s0  # (the pass may have fewer rows than lanes)
                        if count > 1:
                            acc[r + channels] = s1
                        if count > 2:
                            acc[r + 2 * channels] = s2
                        if count > 3:
                            acc[r + 3 * channels] = s3
                        if count > 4:
                            acc[r + 4 * channels] = s4
                            acc[r + 5 * channels] = s5
                            acc[r + 6 * channels] = s6
                            acc[r + 7 * channels] = s7
                        o += 1
                    t0 = t1
                g += 1
            block += lanes
        requantize(acc_buf, out, pixel * channels, (pass_end - pixel) * channels, rq, 0)
        pixel = pass_end
