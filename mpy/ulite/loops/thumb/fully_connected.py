"""Viper glue of FULLY_CONNECTED (int8) around the assembler kernels fc_rows and requant.

Each kernel call does a block of work, so the glue here costs a small share of the time.
Kernels take a parameter block of 32-bit words: addresses, counts and constants written here
before each call (asm.py gives the layout of each); the blocks are allocated once, at import,
and shared by all ops (one op runs at a time, and each writes every word its kernels read
before calling them).
"""

import micropython
from micropython import const

from .asm import fc_rows, requant
from .requant_block import _RQ, set_requant

# Fields of ulite.layouts (requant, thumb and the op's), restated for the compiler to fold
# (see ulite.layouts).
_RQ_CHANNELS = const(1)
_FC_ARG_OUT = const(0)
_FC_ARG_X = const(1)
_FC_ARG_WEIGHTS = const(2)
_FC_ARG_BIAS = const(3)
_FC_ARG_HAS_BIAS = const(4)
_FC_ARG_ACC = const(5)
_FC_ARG_CHUNK = const(6)
_FC_ARG_BATCHES = const(7)
_FC_ARG_DEPTH = const(8)
_FC_ARG_UNITS = const(9)
_FC_ARG_INPUT_ZP = const(10)
_FC_ARG_RQ = const(11)
_FC_ROWS_X = const(0)
_FC_ROWS_WEIGHTS = const(1)
_FC_ROWS_DEPTH = const(2)
_FC_ROWS_ROWS = const(3)
_FC_ROWS_BIAS = const(4)
_FC_ROWS_ACC = const(5)
_FC_ROWS_NEG_ZP = const(6)
_FC_ROWS_WORDS = const(7)
_REQUANT_ACC = const(0)
_REQUANT_OUT = const(1)
_REQUANT_ROWS = const(2)
_REQUANT_COLS = const(3)
_REQUANT_MULTIPLIERS = const(5)
_REQUANT_SHIFTS = const(6)
_REQUANT_TABLE_MULTIPLIERS = const(12)
_REQUANT_TABLE_SHIFTS = const(13)

_FC = bytearray(4 * _FC_ROWS_WORDS)


@micropython.viper
def fully_connected_int8(args):
    """The viper backend's fully_connected_int8 (same args): fc_rows computes a chunk of
    units' accumulators, requant turns them into outputs."""
    out = int(ptr8(args[_FC_ARG_OUT]))
    x = int(ptr8(args[_FC_ARG_X]))
    weights = int(ptr8(args[_FC_ARG_WEIGHTS]))
    bias = int(ptr8(args[_FC_ARG_BIAS]))
    has_bias = int(args[_FC_ARG_HAS_BIAS])
    acc = int(ptr8(args[_FC_ARG_ACC]))
    chunk = int(args[_FC_ARG_CHUNK])
    batches = int(args[_FC_ARG_BATCHES])
    depth = int(args[_FC_ARG_DEPTH])
    units = int(args[_FC_ARG_UNITS])
    rq = args[_FC_ARG_RQ]
    per_channel = int(rq[_RQ_CHANNELS]) > 1
    # kernels and blocks in locals: a global lookup per call costs as much as the call
    fc_block = _FC
    requant_block = _RQ
    run_fc = fc_rows
    run_requant = requant
    set_requant(requant_block, rq)
    f = ptr32(fc_block)
    r = ptr32(requant_block)
    f[_FC_ROWS_DEPTH] = depth
    f[_FC_ROWS_NEG_ZP] = 0 - int(args[_FC_ARG_INPUT_ZP])
    for b in range(batches):
        u0 = 0
        while u0 < units:
            n = units - u0
            if n > chunk:
                n = chunk
            f[_FC_ROWS_X] = x + b * depth
            f[_FC_ROWS_WEIGHTS] = weights + u0 * depth
            f[_FC_ROWS_ROWS] = n
            f[_FC_ROWS_BIAS] = 0
            if has_bias:
                f[_FC_ROWS_BIAS] = bias + 4 * u0
            f[_FC_ROWS_ACC] = acc
            run_fc(fc_block)
            r[_REQUANT_ACC] = acc
            r[_REQUANT_OUT] = out + b * units + u0
            if per_channel:
                r[_REQUANT_COLS] = n
                r[_REQUANT_MULTIPLIERS] = r[_REQUANT_TABLE_MULTIPLIERS] + 4 * u0
                r[_REQUANT_SHIFTS] = r[_REQUANT_TABLE_SHIFTS] + u0
            else:
                r[_REQUANT_ROWS] = n
                r[_REQUANT_COLS] = 1
            run_requant(requant_block)
            u0 += n
