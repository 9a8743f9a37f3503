"""Inner loops of the kernels, in interchangeable backends with identical results.

- `thumb`: ARM ports (RP2040, RP2350, STM32): viper, with the heaviest inner loops in
  ARMv6-M assembler (`@micropython.asm_thumb`).
- `viper`: MicroPython's viper emitter (machine-word integers, raw pointers).
- `plain`: plain Python, for ports built without native emitters (e.g. WebAssembly).

Every backend package exports exactly the functions named in FUNCTIONS, with the same
arguments and results (tests/test_loops_contract.py checks the names); kernels get theirs
from `backend()`. A backend's FAMILIES names the module holding each function, imported on
first use: a model loads only the loops it runs. The float32 loops are one copy
(float32.py; TRANSPOSE_CONV's in plain/scatter.py) that every backend exports.
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
    "move_bytes",
    "mean_int8",
    # elementwise: one-input int8 ops as a table, integer CAST, int32 two-input ops
    "lookup_int8",
    "cast_integer",
    "binary_int32",
    # conv
    "weight_sums",
    "conv_int8",
    "conv_int8_one_lane",
    "depthwise_int8",
    "transpose_conv_int8",
    # pool
    "average_pool_int8",
    "max_pool_int8",
    # wide: int16 x int8 products summed in int64 accumulators (16x8 ops)
    "requantize_wide",
    "fully_connected_16x8",
    "conv_16x8",
    "depthwise_16x8",
    "transpose_conv_16x8",
    # float32 (one copy for every backend)
    "conv_float32",
    "transpose_conv_float32",
    # signal: the Signal library's audio front end ops
    "window_int16",
    "fft_auto_scale_int16",
    "rfft_int16",
    "energy_int16",
    "filter_bank_uint64",
    "filter_bank_sqrt_uint64",
    "spectral_subtraction_uint32",
    "pcan_uint32",
    "filter_bank_log_uint32",
    # int16: int16 activations (each backend's int16.py)
    "binary_int16",
    "leaky_relu_int16",
    "logistic_tanh_int16",
    "softmax_int16",
    "average_pool_int16",
    "max_pool_int16",
    "mean_int16",
    # recurrent: SVDF, UNIDIRECTIONAL_SEQUENCE_LSTM
    "svdf_int8",
    "svdf_float32",
    "lstm_int8",
    "lstm_16x8",
    "lstm_float32",
)
ARM_ARCHS = (4, 5, 6, 7, 8)  # armv6m, armv7m, armv7em, armv7emsp, armv7emdp (py/persistentcode.h)
_CANNOT = "loops=%r needs %s: leave loops unset for the fastest loops this port runs"


def native_arch():
    """The port's native-code architecture: bits 10..13 of sys.implementation._mpy (0: none)."""
    return (getattr(sys.implementation, "_mpy", 0) >> 10) & 0xF


def backend(name=None):
    """The loop backend package called `name`, or the fastest one this port can run.

    A backend's functions are imported when a kernel first asks for one (see function), so
    a model loads only the loops it runs; choosing one imports the module that shows the
    port can run it (thumb's assembler kernels, viper's requantization). ValueError if
    `name` is unknown or this port cannot run it."""
    if name not in (None,) + NAMES:
        raise ValueError("unknown loop backend %r; choose one of %s" % (name, ", ".join(NAMES)))
    arch = native_arch()
    if name == "thumb" or (name is None and arch in ARM_ARCHS):
        try:
            from .thumb import asm  # noqa: F401
            from . import thumb

            return thumb
        except (SyntaxError, ImportError, ValueError):
            if name == "thumb":
                raise ValueError(_CANNOT % ("thumb", "an ARM port with MicroPython's inline assembler"))
    if name in (None, "viper"):
        try:
            from .viper import requant  # noqa: F401
            from . import viper

            return viper
        except (SyntaxError, ImportError, ValueError):
            # No native emitter on this port (or an .mpy built for another architecture).
            if name == "viper":
                raise ValueError(_CANNOT % ("viper", "a port with MicroPython's viper emitter"))
    from . import plain

    return plain


def function(package, families, name, namespace):
    """Function `name` of the backend package `package`: `families` maps each function to
    the module holding it (a path below ulite.loops), imported on first use; the function
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
