"""Measure the Thumb backend's glue on the unix port: `python -m host_tools.rp2040.glue`.

The glue is the viper code between assembler kernel calls (filling parameter blocks, loop
bookkeeping, the call itself) plus each op's dispatch. It runs with every kernel replaced
by the builtin `len` (device/thumb_glue.py), on two FULLY_CONNECTED models:
    A: N ops of 32 units (one chunk each: 2 kernel calls per op)
    B: 1 op of 64 * N units (N chunks: 2N kernel calls)
and counts the x86-64 instructions per invoke with `perf stat` (or valgrind). Then
    A = N * per_op + 2N * per_call,    B = per_op + 2N * per_call.
The estimate (estimate.py) converts these counts to RP2040 cycles; the numbers it uses
were measured with this command.
"""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from ..model_builder import ModelBuilder
from ..paths import MPY_DIR, tool

SCRIPT = Path(__file__).parent.parent / "device" / "thumb_glue.py"
N = 16
RUNS = 200


def fc_model(ops, units, depth=8):
    rng = np.random.default_rng(0)
    mb = ModelBuilder()
    x = mb.input((1, depth), "int8", scale=0.05, zero_point=3)
    for i in range(ops):
        out_units = units if i == ops - 1 else depth
        w = mb.const(rng.integers(-128, 128, (out_units, depth)).astype(np.int8), "int8", scale=0.01, zero_point=0)
        y = mb.tensor((1, out_units), "int8", scale=0.1, zero_point=-2)
        mb.op("FULLY_CONNECTED", [x, w, None], [y], "FullyConnectedOptions")
        x = y
    mb.output(x)
    return mb.build()


def instructions(model_path, runs):
    env = {"MICROPYPATH": "%s:%s" % (MPY_DIR, SCRIPT.parent), "PATH": "/usr/bin:/bin"}
    command = [tool("micropython"), "-X", "heapsize=8M", str(SCRIPT), str(model_path), str(runs)]
    if shutil.which("perf"):
        out = subprocess.run(["perf", "stat", "-x,", "-e", "instructions:u"] + command, env=env, capture_output=True, text=True)
        line = [s for s in out.stderr.splitlines() if "instructions" in s][0]
        return int(line.split(",")[0])
    out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"] + command, env=env, capture_output=True, text=True)
    line = [s for s in out.stderr.splitlines() if "Collected" in s][0]
    return int(line.split()[-1])


def per_invoke(model_bytes):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.tflite"
        path.write_bytes(model_bytes)
        return (instructions(path, RUNS) - instructions(path, 0)) / RUNS


def main():
    a = per_invoke(fc_model(N, 32))
    b = per_invoke(fc_model(1, 64 * N))
    per_op = (a - b) / (N - 1)
    per_call = (b - per_op) / (2 * N)
    print("x86-64 instructions: per op %.0f, per kernel call %.0f" % (per_op, per_call))


if __name__ == "__main__":
    sys.exit(main())
