"""Inner loops of the kernels, in interchangeable backends with identical results.

- `thumb`: ARM ports (RP2040, RP2350, STM32): viper, with the heaviest inner loops in
  ARMv6-M assembler (`@micropython.asm_thumb`).
- `viper`: MicroPython's viper emitter (machine-word integers, raw pointers).
- `plain`: plain Python, for ports built without native emitters (e.g. WebAssembly).

Every backend package exports exactly the functions named in FUNCTIONS, with the same
arguments and results (tests/test_loops_contract.py checks the names); kernels get theirs
from `backend()`, those of the LAZY families imported on first use. The float32 loops are
one copy (float32.py) that every backend exports.
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
    "depthwise_int8",
    # pool
    "average_pool_int8",
    "max_pool_int8",
    # float32 (one copy for every backend)
    "conv_float32",
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
    # recurrent: SVDF, UNIDIRECTIONAL_SEQUENCE_LSTM
    "svdf_int8",
    "svdf_float32",
    "lstm_int8",
    "lstm_float32",
)
# Families a backend loads on first use, for the models that run them: their native code
# costs a board RAM (the Signal loops and the integer ones, 30 KB on the ARM board; the
# recurrent ops').
LAZY = {
    "cast_integer": "integer",
    "binary_int32": "integer",
    "window_int16": "signal",
    "fft_auto_scale_int16": "signal",
    "rfft_int16": "signal",
    "energy_int16": "signal",
    "filter_bank_uint64": "signal",
    "filter_bank_sqrt_uint64": "signal",
    "spectral_subtraction_uint32": "signal",
    "pcan_uint32": "signal",
    "filter_bank_log_uint32": "signal",
    "svdf_int8": "recurrent",
    "svdf_float32": "recurrent",
    "lstm_int8": "recurrent",
    "lstm_float32": "recurrent",
}
ARM_ARCHS = (4, 5, 6, 7, 8)  # armv6m, armv7m, armv7em, armv7emsp, armv7emdp (py/persistentcode.h)


def lazy_function(package, name):
    """A LAZY family's function `name` from the backend `package` (a module __getattr__)."""
    family = LAZY.get(name)
    if family is None:
        raise AttributeError(name)
    return getattr(__import__(package + "." + family, None, None, (family,)), name)


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
