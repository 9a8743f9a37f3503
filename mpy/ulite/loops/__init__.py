"""Inner loops of the kernels, in interchangeable backends with identical results.

- `viper`: MicroPython's viper emitter (machine-word integers, raw pointers).
- `plain`: plain Python, for ports built without native emitters (e.g. WebAssembly).

Every backend module exports the same functions; kernels get theirs from `backend()`.
"""

NAMES = ("viper", "plain")


def backend(name=None):
    """The loop module called `name`, or the fastest one this port can run."""
    if name not in (None,) + NAMES:
        raise ValueError("unknown loop backend %r; choose one of %s" % (name, ", ".join(NAMES)))
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
