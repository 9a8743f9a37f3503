"""Viper glue of ADD (int8, same-shape inputs) around the assembler kernels add_rescaled and
requant; the other two-input ops and broadcasts run the viper loop.

Each kernel call does a block of work, so the glue here costs a small share of the time.
Kernels take a parameter block of 32-bit words: addresses, counts and constants written here
before each call (asm.py gives the layout of each); the blocks are allocated once, at import,
and shared by all ops (one op runs at a time, and each writes every word its kernels read
before calling them).
"""

import micropython
from micropython import const

from ..viper.binary import binary_int8 as _binary_words
from .asm import add_rescaled, requant
from .requant_block import _RQ, set_requant

# Fields of ulite.layouts (requant, thumb and the op's), restated for the compiler to fold
# (see ulite.layouts).
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
_REQUANT_ACC = const(0)
_REQUANT_OUT = const(1)
_REQUANT_ROWS = const(2)
_REQUANT_COLS = const(3)
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

_ADD = bytearray(4 * _ADD_RESCALED_WORDS)


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
