"""Which kernel module runs each builtin operator.

A kernel module provides:
- check(op): validate the op, raise UnsupportedOpError naming any variant it cannot run
  (dtype combinations, options), and reserve arena bytes with op.request_scratch(n) (live
  only during the op), op.request_persistent(n) (precomputed tables) and
  op.request_work(n) (a region all ops share, outside the activation plan).
- prepare(op): once the arena exists (op.scratch, op.persistent are memoryviews), compute
  every constant and return (fn, args); invoke calls fn(args), which must not allocate.
Modules are imported on first use, so a model only pays RAM for the kernels it uses.
"""

# builtin code: kernel module name (in ulite.kernels)
KERNELS = {
    0: "add",  # ADD
    1: "pooling",  # AVERAGE_POOL_2D
    3: "conv",  # CONV_2D
    4: "depthwise_conv",  # DEPTHWISE_CONV_2D
    6: "quantize",  # DEQUANTIZE
    9: "fully_connected",  # FULLY_CONNECTED
    17: "pooling",  # MAX_POOL_2D
    22: "reshape",  # RESHAPE
    25: "softmax",  # SOFTMAX
    114: "quantize",  # QUANTIZE
}


def kernel_for(code):
    """The kernel module for a builtin code, or None when ulite has none."""
    name = KERNELS.get(code)
    if name is None:
        return None
    return __import__("ulite.kernels." + name, None, None, (name,))
