"""The Thumb loop backend: the functions of ulite.loops.FUNCTIONS, one module
per kernel family, imported when a kernel first asks for one of them, so a model loads only
the loops it runs.

For ARM ports: the viper backend, with the innermost loops of the heavy kernels in
ARMv6-M assembler (asm.py) driven by viper glue (one module per op family).
"""

from .. import function as _function
from ..viper import FAMILIES as _VIPER

# function: the module holding it, below ulite.loops; viper's loops but where the
# assembler kernels run
FAMILIES = dict(
    _VIPER,
    requantize="thumb.requant",
    fully_connected_int8="thumb.fully_connected",
    binary_int8="thumb.binary",
    conv_int8="thumb.conv",
    depthwise_int8="thumb.depthwise",
)


def __getattr__(name):
    return _function(__name__, FAMILIES, name, globals())
