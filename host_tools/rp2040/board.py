"""Instructions counted on the ARM board (host_tools/qemu.py: MicroPython on a Cortex-M3 in
QEMU with -icount shift=0, so board time in us x 1000 = instructions executed).

The model and the runtime come from `convert --board rp2040`'s ROMFS image (the runtime as
armv6m .mpy: the glue and the assembler kernels an RP2040 runs). The board fills the inputs
itself before every invoke (device/board_counts.py); `inputs` computes the same here.
Loops: "thumb" (the default on ARM), "viper", and "glue": thumb with every assembler kernel
replaced by a function that returns at once, leaving the instructions of everything else.
"""

import ast
import contextlib
import tempfile
from pathlib import Path

import numpy as np

from .. import boards, qemu
from ..board_link import BoardLink
from ..conversion import convert
from . import layers

LOOPS = ("thumb", "glue", "viper")
STUB_INSTRUCTIONS = 2  # a stubbed kernel's push and pop
SCRIPT = "board_counts.py"
TIMEOUT = 600
RUNS = 5


@contextlib.contextmanager
def session(model_path, extra=()):
    """(BoardLink, module name): a board booted with the model's ROMFS image, the device
    script loaded and the model's arena reserved. `extra`: more QEMU options."""
    with tempfile.TemporaryDirectory(prefix="ulite-board-") as tmp:
        converted = convert(model_path, boards.load("rp2040"), out_dir=Path(tmp))
        image = converted["out"] / (converted["name"] + ".romfs")
        with qemu.started(romfs=image, extra=extra) as board, BoardLink(board.port, timeout=TIMEOUT) as link:
            link.exec_file(SCRIPT)
            link.exec("_ul_arena = bytearray(__import__(%r).ARENA_BYTES)" % converted["name"])
            yield link, converted["name"]


def inputs(model_bytes):
    """The inputs device/board_counts.py writes before each invoke, as numpy arrays."""
    x = 1
    out = []
    for tensor in layers.inputs(model_bytes):
        floats = tensor.dtype == "float32"
        raw = np.empty(tensor.size if floats else tensor.size * np.dtype(tensor.dtype).itemsize, np.uint8)
        for k in range(len(raw)):
            x = (x * 75 + 74) % 65537
            raw[k] = (x >> 8) & 0xFF
        if floats:
            out.append(((raw.astype(np.float32) - 128) / 32).reshape(tensor.shape))
        else:
            out.append(raw.view(tensor.dtype).reshape(tensor.shape))
    return out


def measure(link, name, loops, runs=RUNS):
    """{"invoke": instructions, "ops": [(op name, instructions)], "output_crc32"}: model
    module `name` with `loops`, in a session."""
    link.exec("_ul_load(%r, %r)" % (name, loops))
    backend, crc32, invoke_us, *ops = map(ast.literal_eval, link.exec("_ul_count(%d)" % runs).splitlines())
    if backend != ("thumb" if loops == "glue" else loops):
        raise RuntimeError("asked for %s loops, the board ran %s" % (loops, backend))
    return {"invoke": round(invoke_us * 1000), "ops": [(op, round(us * 1000)) for op, us in ops], "output_crc32": crc32}


def count(model_path, loops=LOOPS, runs=RUNS):
    """{loops: measure's result} for one model, each of `loops` in turn on one board."""
    with session(model_path) as (link, name):
        return {kind: measure(link, name, kind, runs) for kind in loops}
