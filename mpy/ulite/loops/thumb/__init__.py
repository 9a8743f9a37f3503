"""The Thumb loop backend, for ARM ports: the viper backend, with the innermost loops of the
heavy kernels in ARMv6-M assembler (asm.py) driven by viper glue (one module per family)."""

from ..viper import (  # noqa: F401
    average_pool_int8,
    binary_int32,
    cast_integer,
    conv_float32,
    copy_strided,
    diff_from_max_int8,
    energy_int16,
    fft_auto_scale_int16,
    fill,
    filter_bank_log_uint32,
    filter_bank_sqrt_uint64,
    filter_bank_uint64,
    fxp_map,
    lookup_int8,
    max_pool_int8,
    mean_int8,
    move_bytes,
    narrow,
    pcan_uint32,
    rfft_int16,
    spectral_subtraction_uint32,
    sum_int32,
    weight_sums,
    widen,
    window_int16,
)
from .conv import conv_int8, depthwise_int8  # noqa: F401
from .core import binary_int8, fully_connected_int8, requantize  # noqa: F401
