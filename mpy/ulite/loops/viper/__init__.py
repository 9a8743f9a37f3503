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
from .elementwise import binary_int32, cast_integer, lookup_int8  # noqa: F401
from .pool import average_pool_int8, max_pool_int8  # noqa: F401
from .shape import copy_strided, fill, mean_int8, move_bytes  # noqa: F401
from .signal import (  # noqa: F401
    energy_int16,
    fft_auto_scale_int16,
    filter_bank_log_uint32,
    filter_bank_sqrt_uint64,
    filter_bank_uint64,
    pcan_uint32,
    rfft_int16,
    spectral_subtraction_uint32,
    window_int16,
)
