"""Viper glue of DEPTHWISE_CONV_2D (int8) around the assembler kernels (see conv.py for the
blocks of lanes and the accumulators): the input is flipped to u in place for the op
(flip_bytes); per block and chunk of channels, dw8 sums every tap (taps outside the input read the pad row of zp'
bytes), in runs of kernel rows of at most 25 taps, then one requant. A depthwise op whose
kernel rows are wider than 25 taps, or whose scratch holds fewer than eight lanes of one
input channel's outputs, runs the viper loop.
"""

import micropython
from micropython import const

from ..viper.depthwise import depthwise_int8 as _depthwise_words
from ..viper.depthwise import flip_sign_bits
from .asm import dw8, flip_bytes, lanes8, requant
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
_DW_IN_H = const(0)
_DW_IN_W = const(1)
_DW_IN_C = const(2)
_DW_OUT_C = const(5)
_DW_KH = const(6)
_DW_KW = const(7)
_DW_MULTIPLIER = const(8)
_DW_STRIDE_H = const(9)
_DW_DILATION_H = const(11)
_DW_DILATION_W = const(12)
_DW_PAD_TOP = const(13)
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
_THUMB_LANES = const(8)
_LANES8_LANES = const(1)
_DW8_ACC = const(0)
_DW8_LANES = const(1)
_DW8_CHANNELS = const(2)
_DW8_WEIGHTS = const(3)
_DW8_INIT = const(4)
_DW8_KY_END = const(5)
_DW8_KW = const(6)
_DW8_IN_H = const(7)
_DW8_IN_W = const(8)
_DW8_DILATION_H = const(9)
_DW8_DILATION_W = const(10)
_DW8_ROW_BYTES = const(11)
_DW8_PAD_ROW = const(12)
_DW8_MULTIPLIER = const(13)
_DW8_PIXEL_BYTES = const(16)
_DW8_TAP_BYTES = const(17)
_DW8_KY0 = const(18)
_DW8_FIRST_CHANNEL = const(19)
_DW8_RECORDS = const(20)
_DW8_TABLE_TAPS = const(25)
_DW8_WORDS = const(269)

_DW = bytearray(4 * _DW8_WORDS)


@micropython.viper
def depthwise_int8(args):
    """args = (out, x, weights, init, rq, acc, pad row, geometry), as viper's
    depthwise_int8."""
    geo = ptr32(args[_CONV_ARG_GEOMETRY])
    in_c = geo[_DW_IN_C]
    out_c = geo[_DW_OUT_C]
    kh = geo[_DW_KH]
    kw = geo[_DW_KW]
    m = geo[_DW_MULTIPLIER]
    rows_per_call = _DW8_TABLE_TAPS // kw
    # input channels whose m * 8 lanes fit the accumulator rows
    chunk = (geo[_DW_ROWS] * in_c) >> 3
    if rows_per_call == 0 or chunk == 0:
        _depthwise_words(args)
        return
    if chunk > in_c:
        chunk = in_c
    out = int(ptr8(args[_CONV_ARG_OUT]))
    xbuf = args[_CONV_ARG_X]
    x = int(ptr8(xbuf))
    weights = int(ptr8(args[_CONV_ARG_WEIGHTS]))
    init = int(ptr8(args[_CONV_ARG_INIT]))
    acc = int(ptr8(args[_CONV_ARG_ACC]))
    pad_row = ptr8(args[_CONV_ARG_SCRATCH])
    for c in range(in_c):
        pad_row[c] = geo[_DW_PAD_VALUE]
    size = int(len(xbuf))
    aligned = (x & 3) == 0  # flip_bytes goes a word at a time (the arena pads tensors to 4)
    if aligned:
        flip_bytes(xbuf, (size + 3) & ~3)
    else:
        flip_sign_bits(xbuf, size)
    pixels = geo[_DW_PIXELS]
    walk_block = _WALK
    dw_block = _DW
    requant_block = _RQ
    run_lanes = lanes8
    run_dw = dw8
    run_requant = requant
    w = ptr32(dw_block)
    w[_DW8_ACC] = acc
    w[_DW8_KW] = kw
    w[_DW8_IN_H] = geo[_DW_IN_H]
    w[_DW8_IN_W] = geo[_DW_IN_W]
    w[_DW8_DILATION_H] = geo[_DW_DILATION_H]
    w[_DW8_DILATION_W] = geo[_DW_DILATION_W]
    w[_DW8_ROW_BYTES] = geo[_DW_IN_W] * in_c
    w[_DW8_PAD_ROW] = int(pad_row)
    w[_DW8_MULTIPLIER] = m
    w[_DW8_PIXEL_BYTES] = in_c
    w[_DW8_TAP_BYTES] = out_c
    per_channel = int(_set_block_requant(requant_block, args[_CONV_ARG_RQ], out_c))
    r = ptr32(requant_block)
    _set_walk(dw_block, _DW8_RECORDS, xbuf, args[_CONV_ARG_GEOMETRY], _DW_STRIDE_H, _DW_PAD_TOP)
    k = ptr32(walk_block)
    pixel = 0
    while pixel < pixels:
        count = pixels - pixel
        if count > _THUMB_LANES:
            count = _THUMB_LANES
        k[_LANES8_LANES] = count
        run_lanes(walk_block)
        c0 = 0
        while c0 < in_c:
            c1 = c0 + chunk
            if c1 > in_c:
                c1 = in_c
            w[_DW8_CHANNELS] = c1 - c0
            w[_DW8_FIRST_CHANNEL] = c0
            ky0 = 0
            while ky0 < kh:
                ky1 = ky0 + rows_per_call
                if ky1 > kh:
                    ky1 = kh
                w[_DW8_LANES] = count
                w[_DW8_WEIGHTS] = weights + ky0 * kw * out_c + c0 * m
                w[_DW8_INIT] = 0
                if ky0 == 0:
                    w[_DW8_INIT] = init + 4 * c0 * m
                w[_DW8_KY_END] = ky1
                w[_DW8_KY0] = ky0
                run_dw(dw_block)
                ky0 = ky1
            r[_REQUANT_ACC] = acc
            r[_REQUANT_OUT] = out + pixel * out_c + c0 * m
            r[_REQUANT_ROWS] = count
            r[_REQUANT_COLS] = (c1 - c0) * m
            if per_channel:
                r[_REQUANT_MULTIPLIERS] = r[_REQUANT_TABLE_MULTIPLIERS] + 4 * c0 * m
                r[_REQUANT_SHIFTS] = r[_REQUANT_TABLE_SHIFTS] + c0 * m
            run_requant(requant_block)
            c0 = c1
        pixel += count
    if aligned:
        flip_bytes(xbuf, (size + 3) & ~3)
    else:
        flip_sign_bits(xbuf, size)
