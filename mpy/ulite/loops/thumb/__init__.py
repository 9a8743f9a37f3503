"""The Thumb loop backend: the functions of ulite.loops.FUNCTIONS, one module
per kernel family, imported when a kernel first asks for one of them, so a model loads only
the loops it runs.

For ARM ports: the viper backend, with the innermost loops of the heavy kernels in
ARMv6-M assembler (asm.py) driven by viper glue (one module per op family).
"""

from .. import FUNCTIONS as _FUNCTIONS
from .. import function as _function

# function: the module holding it, below ulite.loops, for the loops in assembler; the
# others are viper's (ulite.loops.viper.FAMILIES), whose table is imported only when a
# model asks for one of them (a model of these alone, e.g. FULLY_CONNECTED's, never does)
ASSEMBLER_FAMILIES = {
    "requantize": "thumb.requant",
    "fully_connected_int8": "thumb.fully_connected",
    "binary_int8": "thumb.binary",
    "conv_int8": "thumb.conv",
    "depthwise_int8": "thumb.depthwise",
}


def __getattr__(name):
    if name in ASSEMBLER_FAMILIES:
        return _function(__name__, ASSEMBLER_FAMILIES, name, globals())
    if name != "FAMILIES" and name not in _FUNCTIONS:
        return _function(__name__, {}, name, globals())  # a module of the package
    from ..viper import FAMILIES as viper_families

    if name == "FAMILIES":
        families = dict(viper_families, **ASSEMBLER_FAMILIES)
        globals()[name] = families
        return families
    return _function(__name__, viper_families, name, globals())
