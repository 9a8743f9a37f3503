"""The viper loop backend: one module per kernel family (ulite.loops.FUNCTIONS)."""

from .. import function as _function
from ..float32 import conv_float32  # noqa: F401
from .conv import conv_int8, depthwise_int8, weight_sums  # noqa: F401
from .core import (  # noqa: F401
    binary_int8,
    diff_from_max_int8,
    fully_connected_int8,
    fxp_map,
    narrow,
    requantize,
    sum_int32,
    widen,
)
from .elementwise import lookup_int8  # noqa: F401
from .pool import average_pool_int8, max_pool_int8  # noqa: F401
from .shape import copy_strided, fill, mean_int8  # noqa: F401


# function: the module holding it, below ulite.loops, imported on first use
FAMILIES = {
    "requantize_wide": "viper.wide",
    "fully_connected_16x8": "viper.wide",
    "conv_16x8": "viper.wide",
    "depthwise_16x8": "viper.wide",
    "binary_int16": "viper.int16",
    "leaky_relu_int16": "viper.int16",
    "logistic_tanh_int16": "viper.int16",
    "softmax_int16": "viper.int16",
    "average_pool_int16": "viper.int16",
    "max_pool_int16": "viper.int16",
    "mean_int16": "viper.int16",
}


def __getattr__(name):
    return _function(__name__, FAMILIES, name, globals())
