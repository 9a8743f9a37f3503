"""The Thumb loop backend, for ARM ports: the viper backend, with the innermost loops of the
heavy kernels in ARMv6-M assembler (asm.py) driven by viper glue (one module per family)."""

from ..viper import (  # noqa: F401
    average_pool_int8,
    average_pool_int16,
    binary_int16,
    conv_float32,
    copy_strided,
    diff_from_max_int8,
    fill,
    fxp_map,
    leaky_relu_int16,
    logistic_tanh_int16,
    lookup_int8,
    max_pool_int8,
    max_pool_int16,
    mean_int8,
    mean_int16,
    narrow,
    softmax_int16,
    sum_int32,
    weight_sums,
    widen,
)
from .conv import conv_int8, depthwise_int8  # noqa: F401
from .core import binary_int8, fully_connected_int8, requantize  # noqa: F401
