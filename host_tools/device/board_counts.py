# Runs on the ARM board, sent over the raw REPL by host_tools/rp2040/board.py: count the
# instructions of ulite's invokes (QEMU's -icount shift=0: 1 us of board time is 1000
# instructions). Names start with _ul_ (the REPL's globals).
import binascii
import gc
import sys
import time
from array import array

import machine
import micropython

_UL_KERNELS = ("fc_rows", "requant", "add_rescaled", "dot8", "gather8", "dw8", "lanes8", "flip_bytes")


def _ul_feed(interp):
    """Seeded inputs, the same on the host (board.inputs): a 16-bit LCG's high bytes, as
    int8/uint8 bytes or, for float32 inputs, (byte - 128) / 32."""
    x = 1
    for i in range(interp.inputs):
        t = interp.input(i)
        floats = t.dtype == "float32"
        n = t.nbytes // 4 if floats else t.nbytes
        values = array("f", bytes(4 * n)) if floats else t.data
        for k in range(n):
            x = (x * 75 + 74) % 65537
            byte = (x >> 8) & 0xFF
            values[k] = (byte - 128) / 32 if floats else byte
        if floats:
            t.copy_from(values)


_UL_SYSTICK_RELOAD = 0xE000E014  # SysTick: the firmware's clock (ticks_us), a 1 ms period


@micropython.viper
def _ul_wait_systick(value: int):
    """Spin until SysTick's current value (0xE000E018) reads `value`. It counts down every
    40 instructions (-icount shift=0, 25 MHz), longer than this loop takes, so the spin
    stops at a point of the board's clock that `value` alone fixes."""
    current = ptr32((0xE000 << 16) | 0xE018)  # noqa: F821 (viper's builtins)
    while current[0] != value:
        pass


def _ul_at_phase(run, runs):
    """Wait until run `run` of `runs` starts `run / runs` of a microsecond past one, at the
    same point of the millisecond every time: how long the board idled before (real time,
    which QEMU's clock follows while the guest waits) then moves no reading. (Mid-period:
    the SysTick interrupt, at the reload, could outlast a count and be missed.)"""
    reload = machine.mem32[_UL_SYSTICK_RELOAD]
    _ul_wait_systick(reload // 2 - (reload + 1) // 1000 * run // runs)


@micropython.asm_thumb
def _ul_return1(r0):
    pass


@micropython.asm_thumb
def _ul_return2(r0, r1):
    pass


@micropython.asm_thumb
def _ul_mark():
    mov(r0, r0)  # noqa: F821 (asm_thumb's instructions), the trace's marker
    mov(r1, r1)  # noqa: F821
    mov(r2, r2)  # noqa: F821
    mov(r3, r3)  # noqa: F821


def _ul_stub_kernels(stubbed):
    """Replace (or restore) the assembler kernels the Thumb glue calls with functions that
    return at once (push, pop): the glue's own instructions remain. Only the glue the model
    loaded: importing the rest into the heap its construction left could find no block for
    its code (and the model never calls it)."""
    for name in ("requant", "fully_connected", "binary", "conv", "depthwise"):
        module = sys.modules.get("ulite.loops.thumb." + name)
        if module is None:
            continue
        asm = sys.modules["ulite.loops.thumb.asm"]  # imported by every glue module
        for kernel in _UL_KERNELS:
            if hasattr(module, kernel):
                stub = _ul_return2 if kernel == "flip_bytes" else _ul_return1
                setattr(module, kernel, stub if stubbed else getattr(asm, kernel))


def _ul_load(name, loops):
    """_ul_interp: the model of module `name` with `loops`: "thumb", "viper", or "glue" (the
    thumb loops with every assembler kernel stubbed out)."""
    global _ul_interp
    module = __import__(name)
    import ulite

    _ul_interp = None
    gc.collect()
    _ul_interp = ulite.Interpreter(module.MODEL, arena=_ul_arena, loops="thumb" if loops == "glue" else loops)
    _ul_stub_kernels(loops == "glue")


def _ul_invoke():
    """One invoke, between two calls of the trace's marker (host_tools/rp2040/trace.py)."""
    _ul_mark()
    _ul_interp.invoke()
    _ul_mark()


def _ul_count(runs):
    """Microseconds per invoke and per op (interp.profile()), the mean of `runs` (each run
    starts at another phase of the microsecond, so the mean resolves finer than one, and at
    the same phases on every boot, so the mean is the same every time; see _ul_mean):
    prints the backend's name, the first output's CRC-32 and the invoke's time, then a line
    per op (op name, time); a literal a line (a fragmented heap has no room for one big
    string)."""
    interp = _ul_interp
    invokes = []
    ops = [[] for _ in interp.op_names]
    for run in range(runs):
        interp.reset()  # every invoke from a fresh state, as TFLM's one (SVDF, LSTM keep state)
        _ul_feed(interp)
        _ul_at_phase(run, runs)
        start = time.ticks_us()
        interp.invoke()
        invokes.append(time.ticks_diff(time.ticks_us(), start))
        interp.reset()
        _ul_feed(interp)
        _ul_at_phase(run, runs)
        for i, (_, us) in enumerate(interp.profile()):
            ops[i].append(us)
    print(repr(interp.loops.__name__.split(".")[-1]))
    print(binascii.crc32(interp.output(0).data))
    print(_ul_mean(invokes))
    for name, readings in zip(interp.op_names, ops):
        print(repr((name, _ul_mean(readings))))


def _ul_mean(readings):
    """The mean of one figure's readings, a reading a millisecond off their median (to the
    microsecond) first moved back: the firmware's ticks_us reads a millisecond early between
    SysTick's wrap and its interrupt, and a reading taken there is that much off."""
    middle = sorted(readings)[len(readings) // 2]
    total = 0
    for r in readings:
        if abs(abs(middle - r) - 1000) <= 2:
            r += 1000 if r < middle else -1000
        total += r
    return total / len(readings)
