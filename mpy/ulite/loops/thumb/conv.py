"""Viper glue of CONV_2D (int8) around the assembler kernels.

Same arguments and results as the viper backend's conv_int8
(ulite.layouts.conv); the kernels' parameter blocks are ulite.layouts.thumb. Output
pixels go in blocks of eight lanes; the kernels leave a block's int32 sums channel by
channel, eight lanes each (acc[8 * o + p]), and requant writes them out as int8. The
accumulators live in the op's scratch, which the kernels size for the viper loops
(4 * rows * out_c bytes): channels are taken in chunks whose eight lanes fit there, so the
thumb backend needs no more arena than viper. (On a scratch the plan cut to one lane,
the kernels run conv_int8_one_lane: the viper loop.)

CONV_2D, per block and chunk of channels: for each group and chunk of taps, gather8 lays
the block's patches out as u = x + 128 bytes (lanes interleaved, padding reading zp') and
dot8 runs the chunk's filters over them; then one requant. Where the taps are one chunk,
the next chunk of channels of the same group reuses the patches gathered.
DEPTHWISE_CONV_2D's glue is depthwise.py, what the two share walk.py.

Bounds: as the viper loops (see there): every sum is init + products of |w| <= 128 and
u <= 255 over the filter, |sum| < 2**31 by the kernels' check; the glue's own arithmetic is
addresses and counts.
"""

import micropython
from micropython import const

from .asm import dot8, gather8, lanes8, requant
from .requant_block import _RQ
from .walk import _WALK, _set_block_requant, _set_walk

# Fields of ulite.layouts (requant, thumb and the op's), restated for the compiler to fold
# (see ulite.layouts).
_REQUANT_ACC = const(0)
_REQUANT_OUT = const(1)
_REQUANT_ROWS = const(2)
_REQUANT_COLS = const(3)
_REQUANT_MULTIPLIERS = const(5)
_REQUANT_SHIFTS = const(6)
_REQUANT_TABLE_MULTIPLIERS = const(12)
_REQUANT_TABLE_SHIFTS = const(13)
_CONV_IN_H = const(0)
_CONV_IN_W = const(1)
_CONV_IN_C = const(2)
_CONV_OUT_C = const(5)
_CONV_KH = const(6)
_CONV_KW = const(7)
_CONV_DEPTH = const(8)
_CONV_PER_GROUP = const(9)
_CONV_STRIDE_H = const(11)
_CONV_DILATION_H = const(13)
_CONV_DILATION_W = const(14)
_CONV_PAD_TOP = const(15)
_CONV_PAD_VALUE = const(17)
_CONV_TAPS_PER_CHUNK = const(18)
_CONV_PIXELS = const(19)
_CONV_ROWS = const(20)
_CONV_ARG_OUT = const(0)
_CONV_ARG_X = const(1)
_CONV_ARG_WEIGHTS = const(2)
_CONV_ARG_INIT = const(3)
_CONV_ARG_RQ = const(4)
_CONV_ARG_ACC = const(5)
_CONV_ARG_SCRATCH = const(6)
_CONV_ARG_GEOMETRY = const(7)
_THUMB_LANES = const(8)
_DOT8_Q = const(0)
_DOT8_WEIGHTS = const(1)
_DOT8_N = const(2)
_DOT8_CHANNELS = const(3)
_DOT8_ACC = const(4)
_DOT8_WEIGHT_STEP = const(5)
_DOT8_INIT = const(6)
_DOT8_WORDS = const(7)
_LANES8_LANES = const(1)
_GATHER8_DST = const(0)
_GATHER8_LANES = const(1)
_GATHER8_DEPTH = const(2)
_GATHER8_KY0 = const(3)
_GATHER8_KX0 = const(4)
_GATHER8_TAPS = const(5)
_GATHER8_KW = const(6)
_GATHER8_IN_H = const(7)
_GATHER8_IN_W = const(8)
_GATHER8_DILATION_H = const(9)
_GATHER8_DILATION_W = const(10)
_GATHER8_ROW_BYTES = const(11)
_GATHER8_PIXEL_BYTES = const(12)
_GATHER8_PAD = const(13)
_GATHER8_FIRST_CHANNEL = const(16)
_GATHER8_RECORDS = const(17)
_GATHER8_WORDS = const(41)

_GATHER = bytearray(4 * _GATHER8_WORDS)
_DOT = bytearray(4 * _DOT8_WORDS)


@micropython.viper
def conv_int8(args):
    """args = (out, x, weights, init, rq, acc, im2col, geometry), as viper's conv_int8."""
    out = int(ptr8(args[_CONV_ARG_OUT]))
    weights = int(ptr8(args[_CONV_ARG_WEIGHTS]))
    init = int(ptr8(args[_CONV_ARG_INIT]))
    acc = int(ptr8(args[_CONV_ARG_ACC]))
    im2col = int(ptr8(args[_CONV_ARG_SCRATCH]))
    geo = ptr32(args[_CONV_ARG_GEOMETRY])
    in_c = geo[_CONV_IN_C]
    out_c = geo[_CONV_OUT_C]
    # channels whose eight lanes fit the accumulator rows
    chunk = (geo[_CONV_ROWS] * out_c) >> 3
    if chunk > out_c:
        chunk = out_c
    kw = geo[_CONV_KW]
    depth = geo[_CONV_DEPTH]
    per_group = geo[_CONV_PER_GROUP]
    per_chunk = geo[_CONV_TAPS_PER_CHUNK]
    pixels = geo[_CONV_PIXELS]
    taps = geo[_CONV_KH] * kw
    filter_size = taps * depth
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
    g[_GATHER8_DEPTH] = depth
    g[_GATHER8_KW] = kw
    g[_GATHER8_IN_H] = geo[_CONV_IN_H]
    g[_GATHER8_IN_W] = geo[_CONV_IN_W]
    g[_GATHER8_DILATION_H] = geo[_CONV_DILATION_H]
    g[_GATHER8_DILATION_W] = geo[_CONV_DILATION_W]
    g[_GATHER8_ROW_BYTES] = geo[_CONV_IN_W] * in_c
    g[_GATHER8_PIXEL_BYTES] = in_c
    g[_GATHER8_PAD] = geo[_CONV_PAD_VALUE]
    d = ptr32(dot_block)
    d[_DOT8_Q] = im2col
    d[_DOT8_WEIGHT_STEP] = filter_size
    per_channel = int(_set_block_requant(requant_block, args[_CONV_ARG_RQ], out_c))
    r = ptr32(requant_block)
    _set_walk(
        gather_block,
        _GATHER8_RECORDS,
        args[_CONV_ARG_X],
        args[_CONV_ARG_GEOMETRY],
        _CONV_STRIDE_H,
        _CONV_PAD_TOP,
    )
    k = ptr32(walk_block)
    pixel = 0
    while pixel < pixels:
        count = pixels - pixel
        if count > _THUMB_LANES:
            count = _THUMB_LANES
        k[_LANES8_LANES] = count
        run_lanes(walk_block)
        gathered = -1  # the group whose whole patches im2col holds for this block
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
                g[_GATHER8_FIRST_CHANNEL] = group * depth
                ky0 = 0
                kx0 = 0
                t0 = 0
                while t0 < taps:
                    t1 = t0 + per_chunk
                    if t1 > taps:
                        t1 = taps
                    if group != gathered:
                        g[_GATHER8_DST] = im2col
                        g[_GATHER8_LANES] = count
                        g[_GATHER8_KY0] = ky0
                        g[_GATHER8_KX0] = kx0
                        g[_GATHER8_TAPS] = t1 - t0
                        run_gather(gather_block)
                        if per_chunk >= taps:
                            gathered = group
                    d[_DOT8_WEIGHTS] = weights + o * filter_size + t0 * depth
                    d[_DOT8_N] = (t1 - t0) * depth
                    d[_DOT8_CHANNELS] = o1 - o
                    d[_DOT8_ACC] = acc + 32 * (o - c0)
                    d[_DOT8_INIT] = 0
                    if t0 == 0:
                        d[_DOT8_INIT] = init + 4 * o
                    run_dot(dot_block)
                    kx0 += t1 - t0
                    while kx0 >= kw:
                        kx0 -= kw
                        ky0 += 1
                    t0 = t1
                o = o1
                group += 1
            r[_REQUANT_ACC] = acc
            r[_REQUANT_OUT] = out + pixel * out_c + c0
            r[_REQUANT_ROWS] = count
            r[_REQUANT_COLS] = c1 - c0
            if per_channel:
                r[_REQUANT_MULTIPLIERS] = r[_REQUANT_TABLE_MULTIPLIERS] + 4 * c0
                r[_REQUANT_SHIFTS] = r[_REQUANT_TABLE_SHIFTS] + c0
            run_requant(requant_block)
            c0 = c1
        pixel += count
