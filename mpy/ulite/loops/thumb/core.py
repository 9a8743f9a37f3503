"""Viper glue around the assembler kernels: FULLY_CONNECTED, ADD and requantization.

Each kernel call does a block of work (rows of a layer, a run of outputs), so the glue
here costs a small share of the time. Kernels take a parameter block of 32-bit words:
addresses, counts and constants written here before each call (asm.py gives the layout
of each); the blocks are allocated once, at import, and shared by all ops (one op runs at
a time, and each writes every word its kernels read before calling them).
"""

import micropython
from micropython import const

from ..viper.core import binary_int8 as _binary_words
from ..viper.core import requantize as _requantize_words
from .asm import add_rescaled, fc_rows, requant

# Fields of ulite.layouts.requant, restated for the compiler to fold
# (see ulite.layouts).
_RQ_TABLES = const(0)
_RQ_CHANNELS = const(1)
_RQ_ZERO_POINT = const(2)
_RQ_LO = const(3)
_RQ_HI = const(4)
_RQ_ITEMSIZE = const(5)
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
_BINARY_ARG_OUT = const(0)
_BINARY_ARG_X1 = const(1)
_BINARY_ARG_X2 = const(2)
_BINARY_ARG_TRANSFORM1 = const(3)
_BINARY_ARG_TRANSFORM2 = const(4)
_BINARY_ARG_DIMS = const(5)
_BINARY_ARG_STRIDES1 = const(6)
_BINARY_ARG_STRIDES2 = const(7)
_BINARY_ARG_ACC = const(8)
_BINARY_ARG_CHUNK = const(9)
_BINARY_ARG_RQ = const(10)
_BINARY_ARG_MODE = const(11)
_BINARY_SUM = const(0)
_TRANSFORM_ZERO_POINT = const(0)
_TRANSFORM_NEGATE = const(1)
_TRANSFORM_MULTIPLIER_HIGH = const(2)
_TRANSFORM_MULTIPLIER_LOW = const(3)
_TRANSFORM_RIGHT_SHIFT = const(4)
_BROADCAST_RANK = const(6)
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
_RESCALE_NEG_ZP = const(0)
_RESCALE_MULTIPLIER_LOW = const(1)
_RESCALE_MULTIPLIER_HIGH = const(2)
_RESCALE_SHIFT = const(3)
_ADD_RESCALED_X1 = const(0)
_ADD_RESCALED_X2 = const(1)
_ADD_RESCALED_ACC = const(2)
_ADD_RESCALED_COUNT = const(3)
_ADD_RESCALED_INPUT1 = const(4)
_ADD_RESCALED_INPUT2 = const(8)
_ADD_RESCALED_WORDS = const(12)

_FC = bytearray(4 * _FC_ROWS_WORDS)
_RQ = bytearray(4 * _REQUANT_BLOCK_WORDS)
_ADD = bytearray(4 * _ADD_RESCALED_WORDS)


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


@micropython.viper
def binary_int8(args):
    """The viper backend's binary_int8 (same args): ADD of two same-shape inputs runs
    add_rescaled then requant per chunk of acc; other ops and broadcasts go to viper."""
    t1 = args[_BINARY_ARG_TRANSFORM1]
    t2 = args[_BINARY_ARG_TRANSFORM2]
    dims = args[_BINARY_ARG_DIMS]
    n = int(dims[_BROADCAST_RANK - 1])  # the innermost dimension
    if (
        int(args[_BINARY_ARG_MODE]) != _BINARY_SUM
        or int(t1[_TRANSFORM_NEGATE]) or int(t2[_TRANSFORM_NEGATE])  # SUB
        or int(dims[0]) * int(dims[1]) * int(dims[2]) * int(dims[3]) * int(dims[4]) != 1
        or int(args[_BINARY_ARG_STRIDES1][_BROADCAST_RANK - 1]) != 1  # broadcast
        or int(args[_BINARY_ARG_STRIDES2][_BROADCAST_RANK - 1]) != 1
    ):  # fmt: skip
        _binary_words(args)
        return
    out = int(ptr8(args[_BINARY_ARG_OUT]))
    x1 = int(ptr8(args[_BINARY_ARG_X1]))
    x2 = int(ptr8(args[_BINARY_ARG_X2]))
    acc = int(ptr8(args[_BINARY_ARG_ACC]))
    chunk = int(args[_BINARY_ARG_CHUNK])
    add_block = _ADD
    requant_block = _RQ
    run_add = add_rescaled
    run_requant = requant
    a = ptr32(add_block)
    a[_ADD_RESCALED_INPUT1 + _RESCALE_NEG_ZP] = 0 - int(t1[_TRANSFORM_ZERO_POINT])
    a[_ADD_RESCALED_INPUT1 + _RESCALE_MULTIPLIER_LOW] = int(t1[_TRANSFORM_MULTIPLIER_LOW])
    a[_ADD_RESCALED_INPUT1 + _RESCALE_MULTIPLIER_HIGH] = int(t1[_TRANSFORM_MULTIPLIER_HIGH])
    a[_ADD_RESCALED_INPUT1 + _RESCALE_SHIFT] = int(t1[_TRANSFORM_RIGHT_SHIFT])
    a[_ADD_RESCALED_INPUT2 + _RESCALE_NEG_ZP] = 0 - int(t2[_TRANSFORM_ZERO_POINT])
    a[_ADD_RESCALED_INPUT2 + _RESCALE_MULTIPLIER_LOW] = int(t2[_TRANSFORM_MULTIPLIER_LOW])
    a[_ADD_RESCALED_INPUT2 + _RESCALE_MULTIPLIER_HIGH] = int(t2[_TRANSFORM_MULTIPLIER_HIGH])
    a[_ADD_RESCALED_INPUT2 + _RESCALE_SHIFT] = int(t2[_TRANSFORM_RIGHT_SHIFT])
    set_requant(requant_block, args[_BINARY_ARG_RQ])
    r = ptr32(requant_block)
    done = 0
    while done < n:
        k = n - done
        if k > chunk:
            k = chunk
        a[_ADD_RESCALED_X1] = x1 + done
        a[_ADD_RESCALED_X2] = x2 + done
        a[_ADD_RESCALED_ACC] = acc
        a[_ADD_RESCALED_COUNT] = k
        run_add(add_block)
        r[_REQUANT_ACC] = acc
        r[_REQUANT_OUT] = out + done
        r[_REQUANT_ROWS] = k
        r[_REQUANT_COLS] = 1
        run_requant(requant_block)
        done += k
