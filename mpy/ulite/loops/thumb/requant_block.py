"""The parameter block of the requant kernel (asm.requant) that the Thumb glue shares, and
set_requant, which fills it from an rq tuple.

Each kernel call does a block of work, so the glue here costs a small share of the time.
Kernels take a parameter block of 32-bit words: addresses, counts and constants written here
before each call (asm.py gives the layout of each); the blocks are allocated once, at import,
and shared by all ops (one op runs at a time, and each writes every word its kernels read
before calling them).
"""

import micropython
from micropython import const

# Fields of ulite.layouts (requant, thumb), restated for the compiler to fold (see
# ulite.layouts).
_RQ_TABLES = const(0)
_RQ_CHANNELS = const(1)
_RQ_ZERO_POINT = const(2)
_RQ_LO = const(3)
_RQ_HI = const(4)
_REQUANT_ROWS = const(2)
_REQUANT_COLS = const(3)
_REQUANT_STRIDE = const(4)
_REQUANT_MULTIPLIERS = const(5)
_REQUANT_SHIFTS = const(6)
_REQUANT_PER_CHANNEL = const(7)
_REQUANT_ZERO_POINT = const(8)
_REQUANT_LO = const(9)
_REQUANT_HI = const(10)
_REQUANT_COLUMN_BYTES = const(11)
_REQUANT_TABLE_MULTIPLIERS = const(12)
_REQUANT_TABLE_SHIFTS = const(13)
_REQUANT_BLOCK_WORDS = const(14)

_RQ = bytearray(4 * _REQUANT_BLOCK_WORDS)  # requant's block, shared: one op runs at a time


@micropython.viper
def set_requant(block, rq):
    """Constant words of a requant block for one row of outputs from an rq tuple: with
    per-channel multipliers one column per output, else one column. Words 12 and 13 keep
    the tables' addresses. requant moves words 0, 1, 5 and 6 on and counts word 3 down to
    0, so every call sets words 0-3 (and 5, 6 with per-channel multipliers) again."""
    p = ptr32(block)
    mult = int(ptr8(rq[_RQ_TABLES]))
    shift = mult + 4 * int(rq[_RQ_CHANNELS])
    if int(rq[_RQ_CHANNELS]) > 1:
        p[_REQUANT_ROWS] = 1
        p[_REQUANT_PER_CHANNEL] = 1
    else:
        p[_REQUANT_COLS] = 1
        p[_REQUANT_MULTIPLIERS] = mult
        p[_REQUANT_SHIFTS] = shift
        p[_REQUANT_PER_CHANNEL] = 0
    p[_REQUANT_STRIDE] = 1
    p[_REQUANT_ZERO_POINT] = int(rq[_RQ_ZERO_POINT])
    p[_REQUANT_LO] = int(rq[_RQ_LO])
    p[_REQUANT_HI] = int(rq[_RQ_HI])
    p[_REQUANT_COLUMN_BYTES] = 4
    p[_REQUANT_TABLE_MULTIPLIERS] = mult
    p[_REQUANT_TABLE_SHIFTS] = shift
