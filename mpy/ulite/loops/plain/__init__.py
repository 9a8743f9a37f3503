"""The plain-Python loop backend: one module per kernel family (ulite.loops.FUNCTIONS)."""

from ..float32 import conv_float32  # noqa: F401
from .conv import conv_int8, depthwise_int8, weight_sums  # noqa: F401
from .core import (  # noqa: F401
    binary_int16,
    binary_int8,
    diff_from_max_int8,
    fully_connected_int8,
    fxp_map,
    narrow,
    requantize,
    softmax_int16,
    sum_int32,
    widen,
)
from .elementwise import leaky_relu_int16, logistic_tanh_int16, lookup_int8  # noqa: F401
from .pool import average_pool_int8, average_pool_int16, max_pool_int8, max_pool_int16  # noqa: F401
from .shape import copy_strided, fill, mean_int8, mean_int16  # noqa: F401
