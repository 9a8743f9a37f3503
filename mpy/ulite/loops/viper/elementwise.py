"""Elementwise loops for one-input int8 ops (activations), viper emitter."""

import micropython


@micropython.viper
def lookup_int8(args):
    """out[i] = table[x[i]]: an int8 op whose result depends only on the input byte.

    args = (x, out, count, table); table holds the 256 output bytes, indexed by the input
    byte read as unsigned. Only bytes move: no arithmetic, nothing to overflow.
    """
    x = ptr8(args[0])
    out = ptr8(args[1])
    count = int(args[2])
    table = ptr8(args[3])
    for i in range(count):
        out[i] = table[x[i]]
