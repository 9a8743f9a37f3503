"""Viper glue around the assembler kernels: FULLY_CONNECTED, ADD and requantization.

Each kernel call does a block of work (rows of a layer, a run of outputs), so the glue
here costs a small share of the time. Kernels take a parameter block of 32-bit words:
addresses, counts and constants written here before each call (asm.py gives the layout
of each); the blocks are allocated once, at import, and shared by all ops (one op runs at
a time, and each writes every word its kernels read before calling them).
"""

import micropython

from ..viper.core import binary_int8 as _binary_words
from ..viper.core import requantize as _requantize_words
from .asm import add_rescaled, fc_rows, requant

_FC = bytearray(4 * 7)
_RQ = bytearray(4 * 14)  # requant's 12 words, then the tables' addresses
_ADD = bytearray(4 * 12)


@micropython.viper
def requantize(acc, out, out_start: int, count: int, rq, first_channel: int):
    """The viper backend's requantize (same arguments), in assembler for int8 outputs whose
    channels do not wrap around within the call; other cases go to the viper loop."""
    channels = int(rq[1])
    if int(rq[5]) != 1 or (channels > 1 and first_channel % channels + count > channels):
        _requantize_words(acc, out, out_start, count, rq, first_channel)
        return
    set_requant(_RQ, rq)
    p = ptr32(_RQ)
    p[0] = int(ptr8(acc))
    p[1] = int(ptr8(out)) + out_start
    c = first_channel % channels
    if channels > 1:
        p[3] = count
        p[5] = p[12] + 4 * c
        p[6] = p[13] + c
    else:
        p[2] = count
    requant(_RQ)


@micropython.viper
def set_requant(block, rq):
    """Constant words of a requant block for one row of outputs from an rq tuple: with
    per-channel multipliers one column per output, else one column. Words 12 and 13 keep
    the tables' addresses. requant moves words 0, 1, 5 and 6 on and counts word 3 down to
    0, so every call sets words 0-3 (and 5, 6 with per-channel multipliers) again."""
    p = ptr32(block)
    mult = int(ptr8(rq[0]))
    shift = mult + 4 * int(rq[1])
    if int(rq[1]) > 1:
        p[2] = 1
        p[7] = 1
    else:
        p[3] = 1
        p[5] = mult
        p[6] = shift
        p[7] = 0
    p[4] = 1
    p[8] = int(rq[2])
    p[9] = int(rq[3])
    p[10] = int(rq[4])
    p[11] = 4
    p[12] = mult
    p[13] = shift


@micropython.viper
def fully_connected_int8(args):
    """The viper backend's fully_connected_int8 (same args): fc_rows computes a chunk of
    units' accumulators, requant turns them into outputs."""
    out = int(ptr8(args[0]))
    x = int(ptr8(args[1]))
    weights = int(ptr8(args[2]))
    bias = int(ptr8(args[3]))
    has_bias = int(args[4])
    acc = int(ptr8(args[5]))
    chunk = int(args[6])
    batches = int(args[7])
    depth = int(args[8])
    units = int(args[9])
    rq = args[11]
    per_channel = int(rq[1]) > 1
    # kernels and blocks in locals: a global lookup per call costs as much as the call
    fc_block = _FC
    requant_block = _RQ
    run_fc = fc_rows
    run_requant = requant
    set_requant(requant_block, rq)
    f = ptr32(fc_block)
    r = ptr32(requant_block)
    f[2] = depth
    f[6] = 0 - int(args[10])
    for b in range(batches):
        u0 = 0
        while u0 < units:
            n = units - u0
            if n > chunk:
                n = chunk
            f[0] = x + b * depth
            f[1] = weights + u0 * depth
            f[3] = n
            f[4] = 0
            if has_bias:
                f[4] = bias + 4 * u0
            f[5] = acc
            run_fc(fc_block)
            r[0] = acc
            r[1] = out + b * units + u0
            if per_channel:
                r[3] = n
                r[5] = r[12] + 4 * u0
                r[6] = r[13] + u0
            else:
                r[2] = n
                r[3] = 1
            run_requant(requant_block)
            u0 += n


@micropython.viper
def binary_int8(args):
    """The viper backend's binary_int8 (same args): ADD of two same-shape inputs runs
    add_rescaled then requant per chunk of acc; other ops and broadcasts go to viper."""
    t1 = args[3]
    t2 = args[4]
    dims = args[5]
    n = int(dims[5])
    if (
        int(args[11]) != 0  # not a sum
        or int(t1[1]) or int(t2[1])  # SUB
        or int(dims[0]) * int(dims[1]) * int(dims[2]) * int(dims[3]) * int(dims[4]) != 1
        or int(args[6][5]) != 1 or int(args[7][5]) != 1  # broadcast
    ):  # fmt: skip
        _binary_words(args)
        return
    out = int(ptr8(args[0]))
    x1 = int(ptr8(args[1]))
    x2 = int(ptr8(args[2]))
    acc = int(ptr8(args[8]))
    chunk = int(args[9])
    add_block = _ADD
    requant_block = _RQ
    run_add = add_rescaled
    run_requant = requant
    a = ptr32(add_block)
    a[4] = 0 - int(t1[0])
    a[5] = int(t1[3])
    a[6] = int(t1[2])
    a[7] = int(t1[4])
    a[8] = 0 - int(t2[0])
    a[9] = int(t2[3])
    a[10] = int(t2[2])
    a[11] = int(t2[4])
    set_requant(requant_block, args[10])
    r = ptr32(requant_block)
    done = 0
    while done < n:
        k = n - done
        if k > chunk:
            k = chunk
        a[0] = x1 + done
        a[1] = x2 + done
        a[2] = acc
        a[3] = k
        run_add(add_block)
        r[0] = acc
        r[1] = out + done
        r[2] = k
        r[3] = 1
        run_requant(requant_block)
        done += k
