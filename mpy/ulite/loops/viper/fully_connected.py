"""FULLY_CONNECTED (int8) for MicroPython's viper emitter.

In viper an `int` is a machine word; every intermediate stays inside a signed 32-bit word
(see ulite.loops.viper.requant for the rules that keep a 64-bit host exact).
"""

import micropython
from micropython import const

from .requant import requantize

# Fields of ulite.layouts, restated for the compiler to fold (see ulite.layouts).
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


@micropython.viper
def fully_connected_int8(args):
    """int8 FULLY_CONNECTED: bias + sum(w * (x - input_zp)) per unit, requantized in chunks.

    args: ulite.layouts.fully_connected. Bound: |bias| + depth * 128 * 255 < 2**31, checked in
    prepare. The dot product walks raw addresses four bytes at a time (one expression per
    step keeps viper's intermediates in registers).
    """
    out = args[_FC_ARG_OUT]
    x_base = int(ptr8(args[_FC_ARG_X]))
    w_base = int(ptr8(args[_FC_ARG_WEIGHTS]))
    bias = ptr16(args[_FC_ARG_BIAS])
    has_bias = int(args[_FC_ARG_HAS_BIAS])
    acc_buf = args[_FC_ARG_ACC]
    acc = ptr32(acc_buf)
    chunk = int(args[_FC_ARG_CHUNK])
    batches = int(args[_FC_ARG_BATCHES])
    depth = int(args[_FC_ARG_DEPTH])
    units = int(args[_FC_ARG_UNITS])
    # (x ^ 0x80) + x_offset == signed x - input_zp
    x_offset = 0 - 0x80 - int(args[_FC_ARG_INPUT_ZP])
    rq = args[_FC_ARG_RQ]
    depth4 = depth & ~3
    for b in range(batches):
        x_row = x_base + b * depth
        u0 = 0
        while u0 < units:
            n = units - u0
            if n > chunk:
                n = chunk
            wp = w_base + u0 * depth
            for j in range(n):
                s = 0
                if has_bias:
                    u = u0 + j
                    s = (((int(bias[2 * u + 1]) ^ 0x8000) - 0x8000) << 16) | int(bias[2 * u])
                xp = x_row
                x_end = x_row + depth4
                while xp < x_end:
                    w = ptr8(wp)
                    x = ptr8(xp)
                    s += (
                        ((int(w[0]) ^ 0x80) - 0x80) * ((int(x[0]) ^ 0x80) + x_offset)
                        + ((int(w[1]) ^ 0x80) - 0x80) * ((int(x[1]) ^ 0x80) + x_offset)
                        + ((int(w[2]) ^ 0x80) - 0x80) * ((int(x[2]) ^ 0x80) + x_offset)
                        + ((int(w[3]) ^ 0x80) - 0x80) * ((int(x[3]) ^ 0x80) + x_offset)
                    )
                    wp += 4
                    xp += 4
                x_end = x_row + depth
                while xp < x_end:
                    s += ((int(ptr8(wp)[0]) ^ 0x80) - 0x80) * ((int(ptr8(xp)[0]) ^ 0x80) + x_offset)
                    wp += 1
                    xp += 1
                acc[j] = s
            requantize(acc_buf, out, b * units + u0, n, rq, u0)
            u0 += n
