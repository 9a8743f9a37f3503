"""RP2040 (Cortex-M0+) without a board: run ulite's Thumb kernels in an emulator, count cycles.

The device package runs on CPython too: these modules import its layouts and geometry
(mpy/ulite) rather than keep copies of them.
"""

import sys

from ..paths import MPY_DIR

if str(MPY_DIR) not in sys.path:
    sys.path.append(str(MPY_DIR))
