"""AVERAGE_POOL_2D and MAX_POOL_2D: the geometry array (int32; the float loop reads it as
a list) and the arguments of the loops' average_pool_int8 and max_pool_int8."""

from . import const

POOL_IN_H = const(0)
POOL_IN_W = const(1)
POOL_CHANNELS = const(2)
POOL_OUT_H = const(3)
POOL_OUT_W = const(4)
POOL_FILTER_H = const(5)
POOL_FILTER_W = const(6)
POOL_STRIDE_H = const(7)
POOL_STRIDE_W = const(8)
POOL_PAD_TOP = const(9)
POOL_PAD_LEFT = const(10)
POOL_LO = const(11)  # integer clamp of the fused activation
POOL_HI = const(12)
POOL_PIXELS = const(13)  # output pixels, over the batch
POOL_FIELDS = const(14)

POOL_ARG_OUT = const(0)
POOL_ARG_X = const(1)
POOL_ARG_GEOMETRY = const(2)
POOL_ARGS = const(3)
