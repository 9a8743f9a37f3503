"""Measure the Thumb backend's glue on the unix port: `python -m host_tools.rp2040.glue`.

The glue is the viper code between assembler kernel calls (filling parameter blocks, loop
bookkeeping, the call itself) plus each op's dispatch. It runs with every kernel replaced
by a builtin that returns at once (device/thumb_glue.py). For each op kind with Thumb glue,
two models: A, N ops of a small size; B, one op N times as large. Their x86-64
instructions per invoke, counted with `perf stat` (or valgrind), and their kernel calls
(as estimate.plan counts them) give the kind's cost per op and per kernel call:
    A = N * per_op + calls_A * per_call,    B = per_op + calls_B * per_call.
The estimate (estimate.py) converts these counts to RP2040 cycles; the numbers it uses
(estimate.GLUE_X86) were measured with this command.
"""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from ..model_builder import ModelBuilder
from ..paths import MPY_DIR, tool
from . import estimate, layers

SCRIPT = Path(__file__).parent.parent / "device" / "thumb_glue.py"
N = 16
RUNS = 200


def chain(ops, shape, add_op):
    """A model of `ops` int8 ops applied in turn to a tensor of `shape` (each keeps it)."""
    rng = np.random.default_rng(0)
    mb = ModelBuilder()
    x = mb.input(shape, "int8", scale=0.05, zero_point=3)
    for _ in range(ops):
        y = mb.tensor(shape, "int8", scale=0.1, zero_point=-2)
        add_op(mb, rng, x, y, shape, shape)
        x = y
    mb.output(x)
    return mb.build()


def _fc(mb, rng, x, y, in_shape, out_shape):
    units, depth = out_shape[-1], in_shape[-1]
    w = mb.const(rng.integers(-128, 128, (units, depth)).astype(np.int8), "int8", scale=0.01, zero_point=0)
    mb.op("FULLY_CONNECTED", [x, w, None], [y], "FullyConnectedOptions")


def _conv(mb, rng, x, y, shape, _):
    c = shape[-1]
    w = mb.const(rng.integers(-128, 128, (c, 1, 1, c)).astype(np.int8), "int8", scale=[0.01] * c, zero_point=0, axis=0)
    mb.op("CONV_2D", [x, w, None], [y], "Conv2DOptions", padding="SAME", stride_h=1, stride_w=1)


def _depthwise(mb, rng, x, y, shape, _):
    c = shape[-1]
    w = mb.const(rng.integers(-128, 128, (1, 3, 3, c)).astype(np.int8), "int8", scale=[0.01] * c, zero_point=0, axis=3)
    b = mb.const(np.zeros(c, np.int32), "int32", scale=[0.0005] * c, zero_point=0)
    mb.op("DEPTHWISE_CONV_2D", [x, w, b], [y], "DepthwiseConv2DOptions", padding="SAME", stride_h=1, stride_w=1, depth_multiplier=1)


def _add(mb, rng, x, y, *_):
    mb.op("ADD", [x, x], [y], "AddOptions")


# op kind: (A's op shape, B's op shape, builder); FULLY_CONNECTED's first op of B widens
# 8 inputs to 64 * N units in one op, so B is built apart.
KINDS = {
    "FULLY_CONNECTED": ((1, 8), None, _fc),
    "CONV_2D": ((1, 1, 8, 8), (1, N, 8, 8), _conv),
    "DEPTHWISE_CONV_2D": ((1, 16, 8, 8), (1, 16 * N, 8, 8), _depthwise),  # 128 pixels: one channel chunk
    "ADD": ((1, 64), (1, 64 * N), _add),
}


def fc_wide():
    rng = np.random.default_rng(0)
    mb = ModelBuilder()
    x = mb.input((1, 8), "int8", scale=0.05, zero_point=3)
    y = mb.tensor((1, 64 * N), "int8", scale=0.1, zero_point=-2)
    _fc(mb, rng, x, y, (1, 8), (1, 64 * N))
    mb.output(y)
    return mb.build()


def instructions(model_path, runs):
    env = {"MICROPYPATH": "%s:%s" % (MPY_DIR, SCRIPT.parent), "PATH": "/usr/bin:/bin"}
    command = [tool("micropython"), "-X", "heapsize=8M", str(SCRIPT), str(model_path), str(runs)]
    if shutil.which("perf"):
        out = subprocess.run(["perf", "stat", "-x,", "-e", "instructions:u"] + command, env=env, capture_output=True, text=True)
        _check(out, command)
        line = [s for s in out.stderr.splitlines() if "instructions" in s][0]
        return int(line.split(",")[0])
    out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"] + command, env=env, capture_output=True, text=True)
    _check(out, command)
    line = [s for s in out.stderr.splitlines() if "Collected" in s][0]
    return int(line.split()[-1])


def _check(result, command):
    if result.returncode:
        raise RuntimeError("%s failed:\n%s" % (" ".join(command), result.stderr[-2000:]))


def per_invoke(model_bytes):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.tflite"
        path.write_bytes(model_bytes)
        return (instructions(path, RUNS) - instructions(path, 0)) / RUNS


def kernel_calls(model_bytes):
    return sum(n for layer in layers.read(model_bytes) for _, n in estimate.plan(layer) or [])


def measure(kind):
    """(x86-64 instructions per op, per kernel call) of one op kind's glue."""
    shape_a, shape_b, build = KINDS[kind]
    a = chain(N, shape_a, build)
    b = fc_wide() if shape_b is None else chain(1, shape_b, build)
    matrix = [[N, kernel_calls(a)], [1, kernel_calls(b)]]
    per_op, per_call = np.linalg.solve(matrix, [per_invoke(a), per_invoke(b)])
    return per_op, per_call


def main():
    for kind in KINDS:
        per_op, per_call = measure(kind)
        print("%-18s x86-64 instructions: per op %.0f, per kernel call %.0f" % (kind, per_op, per_call))


if __name__ == "__main__":
    sys.exit(main())
