"""SVDF (kernels/svdf.py): the arguments of the loops' svdf_int8 and svdf_float32."""

from . import const

SVDF_ARG_OUT = const(0)  # int8 or float32 [batches, units]
SVDF_ARG_X = const(1)  # int8 or float32 [batches, input_size]
SVDF_ARG_WEIGHTS_FEATURE = const(2)  # int8 or float32 [filters, input_size]
SVDF_ARG_WEIGHTS_TIME = const(3)  # the state's type, [filters, memory]
SVDF_ARG_BIAS = const(4)  # int32 or float32 per unit
SVDF_ARG_STATE = const(5)  # [batches, filters, memory] of int16, int8 or float32, kept across invokes
SVDF_ARG_BATCHES = const(6)
SVDF_ARG_INPUT_SIZE = const(7)
SVDF_ARG_FILTERS = const(8)
SVDF_ARG_RANK = const(9)  # filters per unit
SVDF_ARG_MEMORY = const(10)
SVDF_ARG_ACC = const(11)  # int8: int32 scratch, one per filter or output; float32: float32 array of 3

# svdf_int8 (int8 input and output, the state int16 or int8 with zero point 0)
SVDF_ARG_STATE_ITEMSIZE = const(12)
SVDF_ARG_INPUT_ZP = const(13)
SVDF_ARG_RQ_FEATURE = const(14)  # layouts.requant: a filter's dot product into the state
SVDF_ARG_RQ_OUTPUT = const(15)  # layouts.requant: a unit's sum into the output
SVDF_ARG_NEWEST = const(16)  # scratch: a batch row's filters' newest values, the state's type
SVDF_ARGS = const(17)

# svdf_float32: the fused activation's clamp, min(max(v, lo), hi)
SVDF_ARG_LO = const(12)
SVDF_ARG_HI = const(13)
SVDF_FLOAT_ARGS = const(14)
