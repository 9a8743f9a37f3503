"""The plain-Python loop backend: the functions of ulite.loops.FUNCTIONS, one module
per kernel family, imported when a kernel first asks for one of them, so a model loads only
the loops it runs.
"""

from .. import function as _function

# function: the module holding it, below ulite.loops
FAMILIES = {
    "requantize": "plain.core",
    "fully_connected_int8": "plain.core",
    "binary_int8": "plain.core",
    "widen": "plain.core",
    "diff_from_max_int8": "plain.core",
    "sum_int32": "plain.core",
    "narrow": "plain.core",
    "fxp_map": "plain.core",
    "copy_strided": "plain.shape",
    "fill": "plain.shape",
    "move_bytes": "plain.shape",
    "mean_int8": "plain.shape",
    "lookup_int8": "plain.elementwise",
    "cast_integer": "plain.integer",
    "binary_int32": "plain.integer",
    "weight_sums": "plain.conv",
    "conv_int8": "plain.conv",
    "conv_int8_one_lane": "plain.conv",
    "depthwise_int8": "plain.conv",
    "average_pool_int8": "plain.pool",
    "max_pool_int8": "plain.pool",
    "requantize_wide": "plain.wide",
    "fully_connected_16x8": "plain.wide",
    "conv_16x8": "plain.wide",
    "depthwise_16x8": "plain.wide",
    "transpose_conv_int8": "plain.transpose_conv",
    "transpose_conv_16x8": "plain.transpose_conv",
    "conv_float32": "float32",
    "transpose_conv_float32": "plain.scatter",
    "window_int16": "plain.signal",
    "fft_auto_scale_int16": "plain.signal",
    "rfft_int16": "plain.signal",
    "energy_int16": "plain.signal",
    "filter_bank_uint64": "plain.signal",
    "filter_bank_sqrt_uint64": "plain.signal",
    "spectral_subtraction_uint32": "plain.signal",
    "pcan_uint32": "plain.signal",
    "filter_bank_log_uint32": "plain.signal",
    "binary_int16": "plain.int16",
    "leaky_relu_int16": "plain.int16",
    "logistic_tanh_int16": "plain.sigmoid",
    "softmax_int16": "plain.int16",
    "average_pool_int16": "plain.int16",
    "max_pool_int16": "plain.int16",
    "mean_int16": "plain.int16",
    "svdf_int8": "plain.recurrent",
    "svdf_float32": "float32_recurrent",
    "lstm_int8": "plain.recurrent",
    "lstm_16x8": "plain.recurrent",
    "lstm_float32": "float32_recurrent",
}


def __getattr__(name):
    return _function(__name__, FAMILIES, name, globals())
