"""SOFTMAX on int16: the arguments of the loops' softmax_int16 (TFLM's SoftmaxInt16)."""

from . import const

SOFTMAX16_ARG_X = const(0)
SOFTMAX16_ARG_OUT = const(1)  # also holds each row's scaled differences, then its exps
SOFTMAX16_ARG_ROWS = const(2)
SOFTMAX16_ARG_DEPTH = const(3)
SOFTMAX16_ARG_ACC = const(4)  # int32 accumulators (the interpreter's shared chunk)
SOFTMAX16_ARG_CHUNK = const(5)
SOFTMAX16_ARG_RQ = const(6)  # layouts.requant: the input rescale, zero point 32767
SOFTMAX16_ARG_EXP = const(7)  # ulite.softmax_luts tables: 513 int16, any alignment
SOFTMAX16_ARG_RECIPROCAL = const(8)
SOFTMAX16_ARGS = const(9)
