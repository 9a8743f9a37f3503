"""The Thumb loop backend, for ARM ports: the viper backend, with the innermost loops of the
heavy kernels in ARMv6-M assembler (asm.py) driven by viper glue (one module per family)."""

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


def __getattr__(name):
    """The int16 loops (the viper backend's int16.py), imported on first use: int8 models
    do not load their code. (By its full name: a relative import would ask this function
    for the module.)"""
    if name.endswith("_int16"):
        return getattr(__import__("ulite.loops.viper.int16", None, None, ("int16",)), name)
    raise AttributeError(name)
