"""What the Thumb glue of CONV_2D and DEPTHWISE_CONV_2D shares: lanes8's block walking the
output pixels, and a requant block for a block's accumulators (eight lanes per channel).
"""

import micropython
from micropython import const

from .requant_block import set_requant

# Fields of ulite.layouts (requant, thumb and the op's), restated for the compiler to fold
# (see ulite.layouts).
_RQ_CHANNELS = const(1)
_REQUANT_STRIDE = const(4)
_REQUANT_COLUMN_BYTES = const(11)
_CONV_IN_H = const(0)
_CONV_IN_W = const(1)
_CONV_IN_C = const(2)
_CONV_OUT_H = const(3)
_CONV_OUT_W = const(4)
_THUMB_LANES = const(8)
_LANES8_RECORDS = const(0)
_LANES8_IMAGE = const(2)
_LANES8_OY = const(3)
_LANES8_OX = const(4)
_LANES8_OUT_H = const(5)
_LANES8_OUT_W = const(6)
_LANES8_STRIDE_H = const(7)
_LANES8_STRIDE_W = const(8)
_LANES8_PAD_TOP = const(9)
_LANES8_PAD_LEFT = const(10)
_LANES8_IMAGE_BYTES = const(11)
_LANES8_WORDS = const(12)

_WALK = bytearray(4 * _LANES8_WORDS)


@micropython.viper
def _set_walk(block, records: int, image, geometry, stride_h: int, pad_top: int):
    """_WALK, lanes8's block, at output pixel 0 of `image` (the op's input), with the lane
    records going to word `records` of a kernel's block on. `geometry` is a conv or a
    depthwise geometry (their first fields are the same); stride_h and pad_top are its
    fields' indices, and stride_w and pad_left follow them."""
    p = ptr32(_WALK)
    geo = ptr32(geometry)
    p[_LANES8_RECORDS] = int(ptr32(block)) + 4 * records
    p[_LANES8_IMAGE] = int(ptr8(image))
    p[_LANES8_OY] = 0
    p[_LANES8_OX] = 0
    p[_LANES8_OUT_H] = geo[_CONV_OUT_H]
    p[_LANES8_OUT_W] = geo[_CONV_OUT_W]
    p[_LANES8_STRIDE_H] = geo[stride_h]
    p[_LANES8_STRIDE_W] = geo[stride_h + 1]
    p[_LANES8_PAD_TOP] = geo[pad_top]
    p[_LANES8_PAD_LEFT] = geo[pad_top + 1]
    p[_LANES8_IMAGE_BYTES] = geo[_CONV_IN_H] * geo[_CONV_IN_W] * geo[_CONV_IN_C]


@micropython.viper
def _set_block_requant(block, rq, out_c: int) -> int:
    """A requant block for a block's accumulators (eight lanes per channel) written to
    output pixels out_c bytes apart; returns 1 if each channel has its multiplier."""
    set_requant(block, rq)
    r = ptr32(block)
    r[_REQUANT_STRIDE] = out_c
    r[_REQUANT_COLUMN_BYTES] = 4 * _THUMB_LANES
    return int(int(rq[_RQ_CHANNELS]) > 1)
