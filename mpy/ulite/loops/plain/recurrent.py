"""Recurrent ops' loops in plain Python: the twin of viper/recurrent.py."""

import struct

from ...tensor import INT32_MAX, INT32_MIN
from ...views import int32_view as _i32
from ..float32_recurrent import svdf_float32  # noqa: F401
from .core import requantize

_SIGNED = {1: "<b", 2: "<h"}


def _wrap32(v):
    """v modulo 2**32 as an int32: C's int32 sums wrap, and a 32-bit board's words too."""
    if INT32_MIN <= v <= INT32_MAX:
        return v
    return ((v - INT32_MIN) & 0xFFFFFFFF) + INT32_MIN


def svdf_int8(args):
    (out, x, weights_feature, weights_time, bias, state, batches, input_size, filters,
     rank, memory, acc_buf, itemsize, input_zp, rq_feature, rq_output) = args  # fmt: skip
    fmt = _SIGNED[itemsize]
    acc = _i32(acc_buf)
    bias = _i32(bias)
    total = batches * filters * memory
    state[: (total - 1) * itemsize] = bytes(state[itemsize : total * itemsize])
    for b in range(batches):
        for f in range(filters):
            s = 0
            w_row, x_row = f * input_size, b * input_size
            for c in range(input_size):
                w = struct.unpack_from("<b", weights_feature, w_row + c)[0]
                s += w * (struct.unpack_from("<b", x, x_row + c)[0] - input_zp)
            acc[0] = s
            requantize(acc_buf, state, (b * filters + f) * memory + memory - 1, 1, rq_feature, 0)
    units = filters // rank
    for b in range(batches):
        for u in range(units):
            s = bias[u]
            for f in range(u * rank, (u + 1) * rank):
                row, state_row = f * memory * itemsize, (b * filters + f) * memory * itemsize
                for j in range(0, memory * itemsize, itemsize):
                    w = struct.unpack_from(fmt, weights_time, row + j)[0]
                    s += w * struct.unpack_from(fmt, state, state_row + j)[0]
                s = _wrap32(s)
            acc[b * units + u] = s
    requantize(acc_buf, out, 0, batches * units, rq_output, 0)

