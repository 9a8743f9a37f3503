"""The viper loop backend: the functions of ulite.loops.FUNCTIONS, one module
per kernel family, imported when a kernel first asks for one of them, so a model loads only
the loops it runs (each native module costs its machine code in RAM on a board).
"""

from .. import function as _function

# function: the module holding it, below ulite.loops
FAMILIES = {
    "requantize": "viper.requant",
    "fully_connected_int8": "viper.fully_connected",
    "binary_int8": "viper.binary",
    "widen": "viper.fxp",
    "diff_from_max_int8": "viper.fxp",
    "sum_int32": "viper.fxp",
    "narrow": "viper.fxp",
    "fxp_map": "viper.fxp",
    "copy_strided": "viper.copy",
    "fill": "viper.copy",
    "move_bytes": "viper.copy",
    "mean_int8": "viper.mean",
    "lookup_int8": "viper.elementwise",
    "cast_integer": "viper.integer",
    "binary_int32": "viper.integer",
    "weight_sums": "viper.sums",
    "conv_int8": "viper.conv",
    "conv_int8_one_lane": "viper.one_lane",
    "depthwise_int8": "viper.depthwise",
    "average_pool_int8": "viper.pool",
    "max_pool_int8": "viper.pool",
    "requantize_wide": "viper.wide",
    "fully_connected_16x8": "viper.wide",
    "conv_16x8": "viper.wide",
    "depthwise_16x8": "viper.wide",
    "transpose_conv_int8": "viper.transpose_conv",
    "transpose_conv_16x8": "viper.transpose_conv_wide",
    "conv_float32": "float32",
    "transpose_conv_float32": "plain.scatter",
    "window_int16": "viper.signal",
    "fft_auto_scale_int16": "viper.signal",
    "rfft_int16": "viper.signal",
    "energy_int16": "viper.signal",
    "filter_bank_uint64": "viper.signal",
    "filter_bank_sqrt_uint64": "viper.signal",
    "spectral_subtraction_uint32": "viper.signal",
    "pcan_uint32": "viper.signal",
    "filter_bank_log_uint32": "viper.signal",
    "binary_int16": "viper.int16",
    "leaky_relu_int16": "viper.int16",
    "logistic_tanh_int16": "viper.sigmoid",
    "softmax_int16": "viper.int16",
    "average_pool_int16": "viper.int16",
    "max_pool_int16": "viper.int16",
    "mean_int16": "viper.int16",
    "svdf_int8": "viper.recurrent",
    "svdf_float32": "float32_recurrent",
    "lstm_int8": "viper.recurrent",
    "lstm_16x8": "viper.recurrent",
    "lstm_float32": "float32_recurrent",
}


def __getattr__(name):
    return _function(__name__, FAMILIES, name, globals())
