"""The Thumb loop backend, for ARM ports: the viper backend, with the innermost loops of the
heavy kernels in ARMv6-M assembler (asm.py) driven by viper glue (one module per family)."""

from ..viper import *  # noqa: F401,F403
from .core import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
