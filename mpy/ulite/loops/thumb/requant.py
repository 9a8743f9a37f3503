"""Requantization in assembler (asm.requant) for the Thumb backend: the viper backend's
requantize (same arguments), for int8 outputs whose channels do not wrap within a call;
the other cases run the viper loop.
"""

import micropython
from micropython import const

from ..viper.requant import requantize as _requantize_words
from .asm import requant
from .requant_block import _RQ, set_requant

# Fields of ulite.layouts (requant, thumb), restated for the compiler to fold (see
# ulite.layouts).
_RQ_CHANNELS = const(1)
_RQ_ITEMSIZE = const(5)
_REQUANT_ACC = const(0)
_REQUANT_OUT = const(1)
_REQUANT_ROWS = const(2)
_REQUANT_COLS = const(3)
_REQUANT_MULTIPLIERS = const(5)
_REQUANT_SHIFTS = const(6)
_REQUANT_TABLE_MULTIPLIERS = const(12)
_REQUANT_TABLE_SHIFTS = const(13)


@micropython.viper
def requantize(acc, out, out_start: int, count: int, rq, first_channel: int):
    """The viper backend's requantize (same arguments), in assembler for int8 outputs whose
    channels do not wrap around within the call; other cases go to the viper loop."""
    channels = int(rq[_RQ_CHANNELS])
    if int(rq[_RQ_ITEMSIZE]) != 1 or (
        channels > 1 and first_channel % channels + count > channels
    ):
        _requantize_words(acc, out, out_start, count, rq, first_channel)
        return
    set_requant(_RQ, rq)
    p = ptr32(_RQ)
    p[_REQUANT_ACC] = int(ptr8(acc))
    p[_REQUANT_OUT] = int(ptr8(out)) + out_start
    c = first_channel % channels
    if channels > 1:
        p[_REQUANT_COLS] = count
        p[_REQUANT_MULTIPLIERS] = p[_REQUANT_TABLE_MULTIPLIERS] + 4 * c
        p[_REQUANT_SHIFTS] = p[_REQUANT_TABLE_SHIFTS] + c
    else:
        p[_REQUANT_ROWS] = count
    requant(_RQ)
