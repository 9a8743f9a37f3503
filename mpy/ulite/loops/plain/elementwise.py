"""Elementwise loops of the one-input int8 ops (activations) as a table, plain Python."""

def lookup_int8(args):
    x, out, count, table = args
    for i in range(count):
        out[i] = table[x[i]]
