"""TRANSPOSE_CONV's 16x8 scatter for viper: transpose_conv.py's scatter into int64
accumulators, then wide.py's int64 requantization (see transpose_conv.py)."""

import micropython
from micropython import const

from .transpose_conv import scatter
from .wide import requantize_wide

# Fields of ulite.layouts.conv, restated for the compiler to fold (see ulite.layouts).
_TC_BATCHES = const(0)
_TC_OUT_H = const(4)
_TC_OUT_W = const(5)
_TC_OUT_C = const(6)
_CONV_ARG_OUT = const(0)
_CONV_ARG_RQ = const(4)
_CONV_ARG_ACC = const(5)
_CONV_ARG_GEOMETRY = const(7)


@micropython.viper
def transpose_conv_16x8(args):
    scatter(0, 0, 0, args, 2)
    geo = ptr32(args[_CONV_ARG_GEOMETRY])
    values = geo[_TC_BATCHES] * geo[_TC_OUT_H] * geo[_TC_OUT_W] * geo[_TC_OUT_C]
    requantize_wide(args[_CONV_ARG_ACC], args[_CONV_ARG_OUT], 0, values, args[_CONV_ARG_RQ], 0)
