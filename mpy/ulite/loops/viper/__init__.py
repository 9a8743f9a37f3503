"""The viper loop backend: one module per kernel family (ulite.loops.FUNCTIONS)."""

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


def __getattr__(name):
    """The int16 loops (int16.py), imported on first use: int8 models do not load their
    code. (By its full name: `from . import` would ask this function for the module.)"""
    if name.endswith("_int16"):
        return getattr(__import__("ulite.loops.viper.int16", None, None, ("int16",)), name)
    raise AttributeError(name)
