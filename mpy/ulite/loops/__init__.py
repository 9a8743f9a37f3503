"""Inner loops of the kernels, in interchangeable backends with identical results.

- `thumb`: ARM ports (RP2040, RP2350, STM32): viper, with the heaviest inner loops in
  ARMv6-M assembler (`@micropython.asm_thumb`).
- `viper`: MicroPython's viper emitter (machine-word integers, raw pointers).
- `plain`: plain Python, for ports built without native emitters (e.g. WebAssembly).

Every backend module exports the same functions; kernels get theirs from `backend()`.
"""

import sys

NAMES = ("thumb", "viper", "plain")
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
