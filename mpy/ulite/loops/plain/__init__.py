"""The plain-Python loop backend: one module per kernel family (ulite.loops.FUNCTIONS)."""

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
    """The 16x8 loops (wide.py) load on first use: only models with int16 activations pay
    for their code. A submodule not yet imported is looked up here too (`from . import`
    asks for it as an attribute first)."""
    from .. import FUNCTIONS

    if name in FUNCTIONS:
        return getattr(__import__("ulite.loops.plain.wide", None, None, ("",)), name)
    try:
        return __import__("ulite.loops.plain." + name, None, None, ("",))
    except ImportError:
        raise AttributeError(name)
