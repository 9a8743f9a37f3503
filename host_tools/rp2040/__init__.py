"""RP2040 (Cortex-M0+) without a board: run ulite's Thumb kernels in an emulator, count cycles."""
