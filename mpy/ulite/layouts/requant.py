"""Requantization parameters (kernels/common.requant_params), the rq tuple every int8
kernel hands to the loops' requantize; the 16x8 kernels' (kernels/wide.tables) add the
accumulator's width for requantize_wide."""

from . import const

RQ_TABLES = const(0)  # RQ_CHANNELS int32 multipliers, then RQ_CHANNELS int8 shifts
RQ_CHANNELS = const(1)
RQ_ZERO_POINT = const(2)  # the output's
RQ_LO = const(3)  # clamp, in output units
RQ_HI = const(4)
RQ_ITEMSIZE = const(5)  # output bytes per value: 1, 2 or 4
RQ_FIELDS = const(6)
# requantize_wide (int64 accumulators): 64 = TFLM's int64 MultiplyByQuantizedMultiplier on
# the whole accumulator, the tables holding reduced multipliers and right shifts
# (quant.reduced_multiplier); 32 = int32 accumulation, wrapped as TFLM's int32 sums wrap:
# the low words, requantized as requantize does, the tables holding (multiplier, shift)
RQ_ACC_BITS = const(6)
RQ_WIDE_FIELDS = const(7)
