"""Which kernel module runs each builtin operator.

A kernel module provides:
- check(op): validate the op, raise UnsupportedOpError naming any variant it cannot run
  (dtype combinations, options), and reserve arena bytes with op.request_scratch(n) (live
  only during the op, planned with the activations) and op.request_persistent(n)
  (precomputed tables).
- prepare(op): once the arena exists (op.scratch, op.persistent are memoryviews), compute
  every constant and return (fn, args); invoke calls fn(args), which must not allocate.
Modules are imported on first use, so a model only pays RAM for the kernels it uses.
"""

# builtin code: kernel module name (in ulite.kernels)
KERNELS = {
    0: "add",  # ADD
    1: "pooling",  # AVERAGE_POOL_2D
    2: "concatenation",  # CONCATENATION
    3: "conv",  # CONV_2D
    4: "depthwise_conv",  # DEPTHWISE_CONV_2D
    6: "quantize",  # DEQUANTIZE
    9: "fully_connected",  # FULLY_CONNECTED
    14: "logistic_tanh",  # LOGISTIC
    17: "pooling",  # MAX_POOL_2D
    18: "mul",  # MUL
    19: "relu",  # RELU
    21: "relu",  # RELU6
    22: "reshape",  # RESHAPE
    25: "softmax",  # SOFTMAX
    28: "logistic_tanh",  # TANH
    34: "pad",  # PAD
    39: "transpose",  # TRANSPOSE
    40: "mean",  # MEAN
    41: "add",  # SUB
    43: "squeeze",  # SQUEEZE
    45: "strided_slice",  # STRIDED_SLICE
    55: "maximum_minimum",  # MAXIMUM
    57: "maximum_minimum",  # MINIMUM
    60: "pad",  # PADV2
    98: "relu",  # LEAKY_RELU
    114: "quantize",  # QUANTIZE
    117: "hard_swish",  # HARD_SWISH
}


def kernel_for(code):
    """The kernel module for a builtin code, or None when ulite has none."""
    name = KERNELS.get(code)
    if name is None:
        return None
    return __import__("ulite.kernels." + name, None, None, (name,))
