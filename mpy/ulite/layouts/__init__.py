"""Named layouts: the field indices of every int32 geometry array and argument tuple that
kernels hand to the loops, and of the Thumb kernels' parameter blocks; one module per
kernel family, so a model loads only the layouts of the kernels it runs.

The names here are the one definition: the host (the RP2040 estimator, the emulator's
block builder), the tests, the plain loops and the float32 loop import them. Code that
every int8 model loads on a board does not: MicroPython folds a const() only inside the
module that defines it, and a name it keeps costs RAM (about 20 bytes for its qstr and
dict entry, and a new qstr pool of several KB when the last one fills; importing these
layouts into the kernels cost person_detect 7 KB on the ARM board). An imported name read
from viper code also costs about 25 bytes of native code (copied to the heap) and 70 to
160 instructions per read, against one instruction for a folded constant. So the kernels
and the viper and Thumb glue modules restate, as private const()s named after the fields
(`_CONV_KW` for CONV_KW), the fields they index; tests/test_layouts.py checks every such
value against this package, and that no other device module imports it. The inline
assembler (loops/thumb/asm.py) keeps literal offsets: the emulator tests build its blocks
from these names.

Field names carry their family's prefix, so a name means the same field wherever it is
read. A record's fields come in order; `<FAMILY>_FIELDS` (or `_ARGS`, `_WORDS`) is its
length.
"""

try:
    from micropython import const
except ImportError:  # CPython: the host's estimator and tests read these layouts

    def const(value):
        return value
