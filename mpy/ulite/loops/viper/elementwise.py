"""Elementwise loops for one-input int8 ops (activations), viper emitter."""

import micropython
from micropython import const

# Fields of ulite.layouts.unary, restated for the compiler to fold (see ulite.layouts).
_LOOKUP_ARG_X = const(0)
_LOOKUP_ARG_OUT = const(1)
_LOOKUP_ARG_COUNT = const(2)
_LOOKUP_ARG_TABLE = const(3)


@micropython.viper
def lookup_int8(args):
    """out[i] = table[x[i]]: an int8 op whose result depends only on the input byte.

    args = (x, out, count, table); table holds the 256 output bytes, indexed by the input
    byte read as unsigned. Only bytes move: no arithmetic, nothing to overflow.
    """
    x = ptr8(args[_LOOKUP_ARG_X])
    out = ptr8(args[_LOOKUP_ARG_OUT])
    count = int(args[_LOOKUP_ARG_COUNT])
    table = ptr8(args[_LOOKUP_ARG_TABLE])
    for i in range(count):
        out[i] = table[x[i]]
