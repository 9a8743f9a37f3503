"""MicroPython's native-code architectures (mpy-cross -march), as the host tools need them."""

# Their numbers, as in .mpy headers and sys.implementation._mpy.
MPY_ARCH = {
    "x86": 1,
    "x64": 2,
    "armv6": 3,
    "armv6m": 4,
    "armv7m": 5,
    "armv7em": 6,
    "armv7emsp": 7,
    "armv7emdp": 8,
    "xtensa": 9,
    "xtensawin": 10,
    "rv32imc": 11,
    "rv64imc": 12,
}
MPY_VERSION = 6
# The Thumb cores: they run the `thumb` loop backend's asm_thumb kernels (ulite/loops/thumb),
# which mpy-cross refuses for every other architecture (ulite.loops.ARM_ARCHS on the device).
THUMB = ("armv6m", "armv7m", "armv7em", "armv7emsp", "armv7emdp")
THUMB_ONLY = ("ulite", "loops", "thumb")  # the runtime's package for them alone
# Cores that also load .mpy files built for an older core. MicroPython on a Thumb core loads
# native code of any Thumb architecture from armv6m up to its own (MPY_FEATURE_ARCH_TEST in
# py/persistentcode.h); we allow only what a board definition needs: the ARM board's
# Cortex-M3 runs the armv6m code built for it (boards/qemu-arm.toml), as for a Pico. (Its
# firmware reports armv7em: MicroPython's name for a Thumb-2 core without an FPU.)
ALSO_RUNS = {"armv7em": ("armv6m",)}


def runs_module(arch, module_path):
    """True if a runtime module (its path relative to mpy/ or lib/, as parts or a Path)
    loads on `arch` ("host": the machine these tools run on, never a Thumb core here)."""
    parts = tuple(getattr(module_path, "parts", module_path))
    return arch in THUMB or parts[: len(THUMB_ONLY)] != THUMB_ONLY
