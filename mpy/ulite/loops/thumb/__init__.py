"""The Thumb loop backend, for ARM ports: the viper backend, with the innermost loops of the
heavy kernels in ARMv6-M assembler (asm.py) driven by viper glue (one module per family)."""

from .. import function as _function
from ..viper import (  # noqa: F401
    average_pool_int8,
    conv_float32,
    copy_strided,
    diff_from_max_int8,
    fill,
    fxp_map,
    lookup_int8,
    max_pool_int8,
    mean_int8,
    narrow,
    sum_int32,
    weight_sums,
    widen,
)
from .conv import conv_int8, depthwise_int8  # noqa: F401
from .core import binary_int8, fully_connected_int8, requantize  # noqa: F401


# function: the module holding it, below ulite.loops, imported on first use (the 16x8
# and int16 loops are viper's)
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
