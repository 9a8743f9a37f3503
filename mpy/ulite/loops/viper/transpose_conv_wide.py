"""TRANSPOSE_CONV's 16x8 scatter for viper: transpose_conv.py's scatter into int64
accumulators, then wide.py's int64 requantization (see transpose_conv.py)."""

import micropython
from micropython import const

from .transpose_conv import scatter
from .wide import requantize_wide

# Fields of ulite.layouts.conv, restated for the compiler to fold (see ulite.layouts).
_CONV_ARG_OUT = const(0)
_CONV_ARG_RQ = const(4)
_CONV_ARG_ACC = const(5)


@micropython.viper
def transpose_conv_16x8(args):
    values = int(scatter(0, 0, 0, args, 2))
    requantize_wide(args[_CONV_ARG_ACC], args[_CONV_ARG_OUT], 0, values, args[_CONV_ARG_RQ], 0)
