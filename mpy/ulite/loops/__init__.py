"""Inner loops of the kernels, in interchangeable backends with identical results.

- `thumb`: ARM ports (RP2040, RP2350, STM32): viper, with the heaviest inner loops in
  ARMv6-M assembler (`@micropython.asm_thumb`).
- `viper`: MicroPython's viper emitter (machine-word integers, raw pointers).
- `plain`: plain Python, for ports built without native emitters (e.g. WebAssembly).

Every backend package exports exactly the functions named in FUNCTIONS, with the same
arguments and results (tests/test_loops_contract.py checks the names); kernels get theirs
from `backend()`. The float32 loops are one copy (float32.py) that every backend exports.
The 16x8 loops (wide.py) and the int16 loops (int16.py) are imported on first use: a
backend's FAMILIES names the module of each (see function), so a board pays for their code
only when a model needs them.
"""

import sys

NAMES = ("thumb", "viper", "plain")
FUNCTIONS = (
    # core: requantization and the two-input and fully connected int8 loops
    "requantize",
    "fully_connected_int8",
    "binary_int8",
    # core: softmax's steps and fixed-point programs (ulite.fxp_ops)
    "widen",
    "diff_from_max_int8",
    "sum_int32",
    "narrow",
    "fxp_map",
    # shape: data movement and reduction
    "copy_strided",
    "fill",
    "mean_int8",
    # elementwise: one-input int8 ops as a table
    "lookup_int8",
    # conv
    "weight_sums",
    "conv_int8",
    "depthwise_int8",
    # pool
    "average_pool_int8",
    "max_pool_int8",
    # wide (loaded on first use): int16 x int8 products summed in int64 accumulators
    "requantize_wide",
    "fully_connected_16x8",
    "conv_16x8",
    "depthwise_16x8",
    # float32 (one copy for every backend)
    "conv_float32",
    # int16 (each backend's int16 module, imported on first use)
    "binary_int16",
    "leaky_relu_int16",
    "logistic_tanh_int16",
    "softmax_int16",
    "average_pool_int16",
    "max_pool_int16",
    "mean_int16",
)
ARM_ARCHS = (4, 5, 6, 7, 8)  # armv6m, armv7m, armv7em, armv7emsp, armv7emdp (py/persistentcode.h)


def native_arch():
    """The port's native-code architecture: bits 10..13 of sys.implementation._mpy (0: none)."""
    return (getattr(sys.implementation, "_mpy", 0) >> 10) & 0xF


def backend(name=None):
    """The loop module called `name`, or the fastest one this port can run."""
    if name not in (None,) + NAMES:
        raise ValueError("unknown loop backend %r; choose one of %s" % (name, ", ".join(NAMES)))
    if name == "thumb" or (name is None and native_arch() in ARM_ARCHS):
        try:
            from . import thumb

            return thumb
        except (SyntaxError, ImportError, ValueError):
            if name == "thumb":  # no inline assembler on this port
                raise
    if name in (None, "viper"):
        try:
            from . import viper

            return viper
        except (SyntaxError, ImportError, ValueError):
            # No native emitter on this port (or an .mpy built for another architecture).
            if name == "viper":
                raise
    from . import plain

    return plain


def function(package, families, name, namespace):
    """Function `name` of the backend package `package`: `families` maps each function
    loaded on first use to the module holding it (a path below ulite.loops); the function
    is then kept in `namespace`, the package's globals, so later lookups find it at once.
    Other names are the package's modules (`from ulite.loops.thumb import asm`)."""
    path = families.get(name)
    if path is None:
        try:
            return __import__(package + "." + name, None, None, (name,))
        except ImportError:
            raise AttributeError(name)
    fn = getattr(__import__("ulite.loops." + path, None, None, (name,)), name)
    namespace[name] = fn
    return fn
