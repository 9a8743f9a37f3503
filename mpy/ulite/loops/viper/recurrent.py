"""Recurrent ops' loops, viper emitter: SVDF's integer form (its float32 form is the one
copy in float32_recurrent.py).

Bounds on 32-bit words: a feature dot product is below 128 * 255 * input_size; a time
product of two int16 values is below 2**30, and the sums of them wrap modulo 2**32 as
TFLM's int32 sums do (a 64-bit port's word keeps the carries, dropped when the sum is
stored through a ptr32).
"""

import micropython
from micropython import const

from ..float32_recurrent import svdf_float32  # noqa: F401
from .core import requantize

# Fields of ulite.layouts.svdf, restated for the compiler to fold (see ulite.layouts).
_SVDF_ARG_OUT = const(0)
_SVDF_ARG_X = const(1)
_SVDF_ARG_WEIGHTS_FEATURE = const(2)
_SVDF_ARG_WEIGHTS_TIME = const(3)
_SVDF_ARG_BIAS = const(4)
_SVDF_ARG_STATE = const(5)
_SVDF_ARG_BATCHES = const(6)
_SVDF_ARG_INPUT_SIZE = const(7)
_SVDF_ARG_FILTERS = const(8)
_SVDF_ARG_RANK = const(9)
_SVDF_ARG_MEMORY = const(10)
_SVDF_ARG_ACC = const(11)
_SVDF_ARG_STATE_ITEMSIZE = const(12)
_SVDF_ARG_INPUT_ZP = const(13)
_SVDF_ARG_RQ_FEATURE = const(14)
_SVDF_ARG_RQ_OUTPUT = const(15)


@micropython.viper
def svdf_int8(args):
    """svdf_common.cc EvalIntegerSvdfReference: the state shifted one value left; each
    filter's dot product with the input (minus its zero point), requantized, as the
    filter's newest state value; then each unit's bias plus its filters' dot products of
    time weights and state, requantized into the output. args: ulite.layouts.svdf."""
    state_buf = args[_SVDF_ARG_STATE]
    state = int(ptr8(state_buf))
    x_base = int(ptr8(args[_SVDF_ARG_X]))
    w_base = int(ptr8(args[_SVDF_ARG_WEIGHTS_FEATURE]))
    time_base = int(ptr8(args[_SVDF_ARG_WEIGHTS_TIME]))
    bias = ptr32(args[_SVDF_ARG_BIAS])
    batches = int(args[_SVDF_ARG_BATCHES])
    input_size = int(args[_SVDF_ARG_INPUT_SIZE])
    filters = int(args[_SVDF_ARG_FILTERS])
    rank = int(args[_SVDF_ARG_RANK])
    memory = int(args[_SVDF_ARG_MEMORY])
    acc_buf = args[_SVDF_ARG_ACC]
    acc = ptr32(acc_buf)
    itemsize = int(args[_SVDF_ARG_STATE_ITEMSIZE])
    # (x ^ 0x80) + x_offset == signed x - input_zp
    x_offset = 0 - 0x80 - int(args[_SVDF_ARG_INPUT_ZP])
    rq_feature = args[_SVDF_ARG_RQ_FEATURE]
    requantize_into = requantize
    s8 = ptr8(state)
    shifted = (batches * filters * memory - 1) * itemsize
    for i in range(shifted):
        s8[i] = s8[i + itemsize]
    for b in range(batches):
        x_row = x_base + b * input_size
        x_end = x_row + input_size
        wp = w_base
        for f in range(filters):
            s = 0
            xp = x_row
            while xp < x_end:
                s += ((int(ptr8(wp)[0]) ^ 0x80) - 0x80) * ((int(ptr8(xp)[0]) ^ 0x80) + x_offset)
                wp += 1
                xp += 1
            acc[0] = s
            requantize_into(acc_buf, state_buf, (b * filters + f) * memory + memory - 1, 1, rq_feature, 0)
    units = filters // rank
    row_bytes = memory * itemsize
    for b in range(batches):
        for u in range(units):
            s = bias[u]
            f = u * rank
            while f < (u + 1) * rank:
                wp = time_base + f * row_bytes
                sp = state + (b * filters + f) * row_bytes
                end = sp + row_bytes
                if itemsize == 2:
                    while sp < end:
                        w = (int(ptr16(wp)[0]) ^ 0x8000) - 0x8000
                        s += w * ((int(ptr16(sp)[0]) ^ 0x8000) - 0x8000)
                        wp += 2
                        sp += 2
                else:
                    while sp < end:
                        s += ((int(ptr8(wp)[0]) ^ 0x80) - 0x80) * ((int(ptr8(sp)[0]) ^ 0x80) - 0x80)
                        wp += 1
                        sp += 1
                f += 1
            acc[b * units + u] = s
    requantize_into(acc_buf, args[_SVDF_ARG_OUT], 0, batches * units, args[_SVDF_ARG_RQ_OUTPUT], 0)
