"""Requantization parameters (kernels/common.requant_params), the rq tuple every int8
kernel hands to the loops' requantize."""

from . import const

RQ_TABLES = const(0)  # RQ_CHANNELS int32 multipliers, then RQ_CHANNELS int8 shifts
RQ_CHANNELS = const(1)
RQ_ZERO_POINT = const(2)  # the output's
RQ_LO = const(3)  # clamp, in output units
RQ_HI = const(4)
RQ_ITEMSIZE = const(5)  # output bytes per value: 1, 2 or 4
RQ_FIELDS = const(6)
