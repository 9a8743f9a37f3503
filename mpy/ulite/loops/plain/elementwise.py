"""Elementwise loops for one-input int8 ops (activations), plain Python."""


def lookup_int8(args):
    x, out, count, table = args
    for i in range(count):
        out[i] = table[x[i]]
