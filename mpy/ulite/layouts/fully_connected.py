"""FULLY_CONNECTED: the arguments of the loops' fully_connected_int8 and
fully_connected_16x8."""

from . import const

FC_ARG_OUT = const(0)  # int8 (int16 for 16x8) outputs
FC_ARG_X = const(1)  # int8 (int16) inputs
FC_ARG_WEIGHTS = const(2)  # int8 [units, depth]
FC_ARG_BIAS = const(3)  # int32 per unit (any int32 buffer when FC_ARG_HAS_BIAS is 0); 16x8:
# int64 bias - (input zero point + 32768) * sum(weights) per unit (kernels/wide.py)
FC_ARG_HAS_BIAS = const(4)  # (16x8: always 1)
FC_ARG_ACC = const(5)  # int32 accumulators (the interpreter's shared chunk); 16x8: FC_ARG_CHUNK
# int64 accumulators, then as many int32 sums
FC_ARG_CHUNK = const(6)  # units computed before each requantization
FC_ARG_BATCHES = const(7)
FC_ARG_DEPTH = const(8)
FC_ARG_UNITS = const(9)
FC_ARG_INPUT_ZP = const(10)  # (16x8: in FC_ARG_BIAS)
FC_ARG_RQ = const(11)  # layouts.requant
FC_ARGS = const(12)
