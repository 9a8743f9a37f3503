"""Viper glue of CONV_2D and DEPTHWISE_CONV_2D (int8) around the assembler kernels.

Same arguments and results as the viper backend's conv_int8 and depthwise_int8 (geometry
layouts in loops/viper/conv.py). Output pixels go in blocks of eight lanes; the kernels
leave a block's int32 sums channel by channel, eight lanes each (acc[8 * o + p]), and
requant writes them out as int8. The accumulators live in the op's scratch, which the
kernels size for the viper loops (4 * rows * out_c bytes): channels are taken in chunks
whose eight lanes fit there, so the thumb backend needs no more arena than viper.

CONV_2D, per block and chunk of channels: for each group and chunk of taps, gather8 lays
the block's patches out as u = x + 128 bytes (lanes interleaved, padding reading zp') and
dot8 runs the chunk's filters over them; then one requant.
DEPTHWISE_CONV_2D: the input is flipped to u in place for the op (flip_bytes); per block
and chunk of channels, dw8 sums every tap (taps outside the input read the pad row of zp'
bytes), in runs of kernel rows of at most 25 taps, then one requant. A depthwise op whose
kernel rows are wider than 25 taps, or whose scratch holds fewer than eight lanes of one
input channel's outputs, runs the viper loop.

Bounds: as the viper loops (see there): every sum is init + products of |w| <= 128 and
u <= 255 over the filter, |sum| < 2**31 by the kernels' check; the glue's own arithmetic is
addresses and counts.
"""

import micropython
from micropython import const

from ..viper.conv import depthwise_int8 as _depthwise_words
from ..viper.conv import flip_sign_bits
from .asm import dot8, dw8, flip_bytes, gather8, lanes8, requant
from .core import _RQ, set_requant

_LANES = const(8)
_DW_TAPS = const(25)  # dw8's tap table
_GATHER = bytearray(4 * (17 + 3 * _LANES))
_DOT = bytearray(4 * 7)
_DW = bytearray(4 * (44 + 9 * _DW_TAPS))
_WALK = bytearray(4 * 12)


@micropython.viper
def _set_walk(block, first: int, image, geometry, strides: int):
    """_WALK, lanes8's block, at output pixel 0 of `image` (the op's input), with the lane
    records going to word `first` of a kernel's block on; geometry's words from `strides`
    on are stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left (both layouts)."""
    p = ptr32(_WALK)
    geo = ptr32(geometry)
    p[0] = int(ptr32(block)) + 4 * first
    p[2] = int(ptr8(image))
    p[3] = 0
    p[4] = 0
    p[5] = geo[3]
    p[6] = geo[4]
    p[7] = geo[strides]
    p[8] = geo[strides + 1]
    p[9] = geo[strides + 4]
    p[10] = geo[strides + 5]
    p[11] = geo[0] * geo[1] * geo[2]


@micropython.viper
def _set_block_requant(block, rq, out_c: int) -> int:
    """A requant block for a block's accumulators (eight lanes per channel) written to
    output pixels out_c bytes apart; returns 1 if each channel has its multiplier."""
    set_requant(block, rq)
    r = ptr32(block)
    r[4] = out_c
    r[11] = 4 * _LANES
    return int(int(rq[1]) > 1)


@micropython.viper
def conv_int8(args):
    """args = (out, x, weights, init, rq, acc, im2col, geometry), as viper's conv_int8."""
    out = int(ptr8(args[0]))
    weights = int(ptr8(args[2]))
    init = int(ptr8(args[3]))
    acc = int(ptr8(args[5]))
    im2col = int(ptr8(args[6]))
    geo = ptr32(args[7])
    in_c = geo[2]
    out_c = geo[5]
    kw = geo[7]
    depth = geo[8]
    per_group = geo[9]
    per_chunk = geo[18]
    pixels = geo[19]
    taps = geo[6] * kw
    filter_size = taps * depth
    chunk = (geo[20] * out_c) >> 3  # channels whose eight lanes fit the accumulator rows
    if chunk > out_c:
        chunk = out_c
    # kernels and blocks in locals: a global lookup per call costs as much as the call
    walk_block = _WALK
    gather_block = _GATHER
    dot_block = _DOT
    requant_block = _RQ
    run_lanes = lanes8
    run_gather = gather8
    run_dot = dot8
    run_requant = requant
    g = ptr32(gather_block)
    g[2] = depth
    g[6] = kw
    g[7] = geo[0]
    g[8] = geo[1]
    g[9] = geo[13]
    g[10] = geo[14]
    g[11] = geo[1] * in_c
    g[12] = in_c
    g[13] = geo[17]
    d = ptr32(dot_block)
    d[0] = im2col
    d[5] = filter_size
    per_channel = int(_set_block_requant(requant_block, args[4], out_c))
    r = ptr32(requant_block)
    _set_walk(gather_block, 17, args[1], args[7], 11)
    k = ptr32(walk_block)
    pixel = 0
    while pixel < pixels:
        count = pixels - pixel
        if count > _LANES:
            count = _LANES
        k[1] = count
        run_lanes(walk_block)
        c0 = 0
        while c0 < out_c:
            c1 = c0 + chunk
            if c1 > out_c:
                c1 = out_c
            group = c0 // per_group
            o = c0
            while o < c1:
                o1 = (group + 1) * per_group
                if o1 > c1:
                    o1 = c1
                g[16] = group * depth
                ky0 = 0
                kx0 = 0
                t0 = 0
                while t0 < taps:
                    t1 = t0 + per_chunk
                    if t1 > taps:
                        t1 = taps
                    g[0] = im2col
                    g[1] = count
                    g[3] = ky0
                    g[4] = kx0
                    g[5] = t1 - t0
                    run_gather(gather_block)
                    d[1] = weights + o * filter_size + t0 * depth
                    d[2] = (t1 - t0) * depth
                    d[3] = o1 - o
                    d[4] = acc + 32 * (o - c0)
                    d[6] = 0
                    if t0 == 0:
                        d[6] = init + 4 * o
                    run_dot(dot_block)
                    kx0 += t1 - t0
                    while kx0 >= kw:
                        kx0 -= kw
                        ky0 += 1
                    t0 = t1
                o = o1
                group += 1
            r[0] = acc
            r[1] = out + pixel * out_c + c0
            r[2] = count
            r[3] = c1 - c0
            if per_channel:
                r[5] = r[12] + 4 * c0
                r[6] = r[13] + c0
            run_requant(requant_block)
            c0 = c1
        pixel += count


@micropython.viper
def depthwise_int8(args):
    """args = (out, x, weights, init, rq, acc, pad row, geometry), as viper's
    depthwise_int8."""
    geo = ptr32(args[7])
    in_c = geo[2]
    out_c = geo[5]
    kh = geo[6]
    kw = geo[7]
    m = geo[8]
    rows_per_call = _DW_TAPS // kw
    chunk = (geo[17] * in_c) >> 3  # input channels whose m * 8 lanes fit the accumulator rows
    if rows_per_call == 0 or chunk == 0:
        _depthwise_words(args)
        return
    if chunk > in_c:
        chunk = in_c
    out = int(ptr8(args[0]))
    xbuf = args[1]
    x = int(ptr8(xbuf))
    weights = int(ptr8(args[2]))
    init = int(ptr8(args[3]))
    acc = int(ptr8(args[5]))
    pad_row = ptr8(args[6])
    for c in range(in_c):
        pad_row[c] = geo[15]
    size = int(len(xbuf))
    aligned = (x & 3) == 0  # flip_bytes goes a word at a time (the arena pads tensors to 4)
    if aligned:
        flip_bytes(xbuf, (size + 3) & ~3)
    else:
        flip_sign_bits(xbuf, size)
    pixels = geo[16]
    walk_block = _WALK
    dw_block = _DW
    requant_block = _RQ
    run_lanes = lanes8
    run_dw = dw8
    run_requant = requant
    w = ptr32(dw_block)
    w[0] = acc
    w[6] = kw
    w[7] = geo[0]
    w[8] = geo[1]
    w[9] = geo[11]
    w[10] = geo[12]
    w[11] = geo[1] * in_c
    w[12] = int(pad_row)
    w[13] = m
    w[16] = in_c
    w[17] = out_c
    per_channel = int(_set_block_requant(requant_block, args[4], out_c))
    r = ptr32(requant_block)
    _set_walk(dw_block, 20, xbuf, args[7], 9)
    k = ptr32(walk_block)
    pixel = 0
    while pixel < pixels:
        count = pixels - pixel
        if count > _LANES:
            count = _LANES
        k[1] = count
        run_lanes(walk_block)
        c0 = 0
        while c0 < in_c:
            c1 = c0 + chunk
            if c1 > in_c:
                c1 = in_c
            w[2] = c1 - c0
            w[19] = c0
            ky0 = 0
            while ky0 < kh:
                ky1 = ky0 + rows_per_call
                if ky1 > kh:
                    ky1 = kh
                w[1] = count
                w[3] = weights + ky0 * kw * out_c + c0 * m
                w[4] = 0
                if ky0 == 0:
                    w[4] = init + 4 * c0 * m
                w[5] = ky1
                w[18] = ky0
                run_dw(dw_block)
                ky0 = ky1
            r[0] = acc
            r[1] = out + pixel * out_c + c0 * m
            r[2] = count
            r[3] = (c1 - c0) * m
            if per_channel:
                r[5] = r[12] + 4 * c0 * m
                r[6] = r[13] + c0 * m
            run_requant(requant_block)
            c0 = c1
        pixel += count
    if aligned:
        flip_bytes(xbuf, (size + 3) & ~3)
    else:
        flip_sign_bits(xbuf, size)
