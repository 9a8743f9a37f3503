# Runs on the ARM board, sent over the raw REPL by host_tools/rp2040/board.py: count the
# instructions of ulite's invokes (QEMU's -icount shift=0: 1 us of board time is 1000
# instructions). Names start with _ul_ (the REPL's globals).
import binascii
import gc
import time
from array import array

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
    return at once (push, pop): the glue's own instructions remain."""
    from ulite.loops.thumb import asm, binary, conv, depthwise, fully_connected, requant

    for module in (requant, fully_connected, binary, conv, depthwise):
        for name in _UL_KERNELS:
            if hasattr(module, name):
                stub = _ul_return2 if name == "flip_bytes" else _ul_return1
                setattr(module, name, stub if stubbed else getattr(asm, name))


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
    starts at another phase of the microsecond, so the mean resolves finer than one):
    prints the backend's name, the first output's CRC-32 and the invoke's time, then a line
    per op (op name, time); a literal a line (a fragmented heap has no room for one big
    string)."""
    interp = _ul_interp
    invoke = 0
    ops = [0] * len(interp.op_names)
    for _ in range(runs):
        interp.reset()  # every invoke from a fresh state, as TFLM's one (SVDF, LSTM keep state)
        _ul_feed(interp)
        start = time.ticks_us()
        interp.invoke()
        invoke += time.ticks_diff(time.ticks_us(), start)
        interp.reset()
        _ul_feed(interp)
        for i, (_, us) in enumerate(interp.profile()):
            ops[i] += us
    print(repr(interp.loops.__name__.split(".")[-1]))
    print(binascii.crc32(interp.output(0).data))
    print(invoke / runs)
    for name, us in zip(interp.op_names, ops):
        print(repr((name, us / runs)))
