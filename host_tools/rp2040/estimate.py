"""RP2040 time per invoke (Cortex-M0+ at 133 MHz), estimated without a board.

    total = kernel cycles + glue cycles + viper cycles

Kernel cycles: each op's layer shapes give the sequence of assembler kernel calls the Thumb
backend makes (`plan`, mirroring the viper glue in mpy/ulite/loops/thumb/; a test checks
the two agree on FULLY_CONNECTED models by counting the glue's calls on the unix port).
CONV_2D and DEPTHWISE_CONV_2D plans describe the block glue those kernels will get (blocks
of 8 output pixels: gather8 + dot8 per tap chunk, then requant; dw8 + requant between two
flips of the input), whose assembler parts are in asm.py already.
One representative call per distinct shape runs in the emulator on random data; its
Cortex-M0+ cycles (timing table in isa.py) times the number of such calls.

Glue cycles: measured on the unix port by `python -m host_tools.rp2040.glue` (kernels
replaced by a builtin that returns at once): 4792 x86-64 instructions per op dispatch and
403 per kernel call (MicroPython 1.28 unix port, x86-64). We charge CYCLES_PER_X86 = 2.5
RP2040 cycles per x86-64 instruction: the viper code maps about one to one (the viper
FULLY_CONNECTED loop is 31 Thumb instructions per MAC in its armv6m disassembly against 33
x86-64 instructions per MAC counted on the unix port), the runtime's C takes about 1.3
Thumb-1 instructions per x86-64 one, and the M0+ needs ~1.5 cycles per instruction on
such load- and branch-heavy code; the rest is margin for flash (XIP cache) misses.

Viper cycles: ops without assembler kernels run the viper backend. Its x86-64 cost on the
unix port, 551 instructions per output element for viper ADD (the heaviest elementwise
loop: two rescales and a requantization per element), is charged per output element at
CYCLES_PER_X86_VIPER = 1.5 (viper code maps one to one, at ~1.5 cycles per instruction).
RESHAPE and SQUEEZE copy bytes (1 cycle per byte).

Not modelled: weights read from flash through the 16 KB XIP cache instead of RAM (a
model too big for RAM, like person_detect, streams its weights from flash), interrupts.
"""

import numpy as np

from . import layers
from .kernels import DW_TABLE_TAPS, LANES, Kernels

CLOCK_HZ = 133_000_000
ACC_CHUNK = 64  # ulite.interpreter.ACC_CHUNK: FULLY_CONNECTED units per chunk
IM2COL_BYTES = 4096  # ulite.kernels.conv.IM2COL_BYTES: bytes of im2col per block

X86_PER_OP = 4792
X86_PER_CALL = 403
CYCLES_PER_X86 = 2.5
VIPER_X86_PER_ELEMENT = 551
CYCLES_PER_X86_VIPER = 1.5
COPY_OPS = ("RESHAPE", "SQUEEZE")


def _ceil(a, b):
    return -(-a // b)


def _requant_key(layer, rows, cols):
    out = layer.outputs[0]
    per_channel = len(layer.inputs[1].scales) > 1 if len(layer.inputs) > 1 and layer.inputs[1] else False
    if not per_channel and rows == 1:  # one multiplier: the glue asks for one column
        rows, cols = cols, 1
    lo = out.zero_point if layer.clamps_at_zero() else -128
    return ("requant", rows, cols, per_channel, out.zero_point, lo, 127)


def plan(layer):
    """[(kernel key, calls)] of the Thumb backend for one op, or None if it runs viper."""
    int8 = layer.outputs[0].dtype == "int8" and layer.inputs[0].dtype == "int8"
    if layer.name == "FULLY_CONNECTED" and int8:
        return _plan_fc(layer)
    if layer.name == "CONV_2D" and int8:
        return _plan_conv(layer)
    if layer.name == "DEPTHWISE_CONV_2D" and int8:
        return _plan_depthwise(layer)
    return None


def _plan_fc(layer):
    units, depth = layer.inputs[1].shape
    batches = layer.inputs[0].size // depth
    calls = {}
    for u0 in range(0, units, ACC_CHUNK):
        n = min(ACC_CHUNK, units - u0)
        for key in (("fc_rows", depth, n), _requant_key(layer, 1, n)):
            calls[key] = calls.get(key, 0) + batches
    return list(calls.items())


def _blocks(out_shape):
    """[(lanes, blocks)]: output pixels in blocks of eight, and the last partial block."""
    b, h, w = out_shape[:3]
    pixels = b * h * w
    return [(lanes, n) for lanes, n in ((LANES, pixels // LANES), (pixels % LANES, 1)) if lanes and n]


def _plan_conv(layer):
    _, kh, kw, depth = layer.inputs[1].shape
    in_c = layer.inputs[0].shape[3]
    out_c = layer.outputs[0].shape[3]
    groups = in_c // depth
    taps = kh * kw
    most = max(1, IM2COL_BYTES // (LANES * depth))
    chunks = _ceil(taps, most)
    per_chunk = _ceil(taps, chunks)
    sizes = [per_chunk] * (chunks - 1) + [taps - per_chunk * (chunks - 1)]
    calls = []
    for lanes, blocks in _blocks(layer.outputs[0].shape):
        for c, size in enumerate(sizes):
            calls.append((("gather8", lanes, depth, size), blocks * groups))
            calls.append((("dot8", size * depth, out_c // groups, c == 0), blocks * groups))
        calls.append((_requant_key(layer, lanes, out_c), blocks))
    return calls


def _plan_depthwise(layer):
    _, kh, kw, outputs = layer.inputs[1].shape
    channels = layer.inputs[0].shape[3]
    if kh * kw > DW_TABLE_TAPS:
        return None
    calls = [(("flip_bytes", layer.inputs[0].size), 2)]
    for lanes, blocks in _blocks(layer.outputs[0].shape):
        calls.append((("dw8", lanes, channels, outputs // channels, kh, kw), blocks))
        calls.append((_requant_key(layer, lanes, outputs), blocks))
    return calls


class Estimator:
    """Runs and caches representative kernel calls; one per distinct key."""

    def __init__(self):
        self.kernels = Kernels()
        self.rng = np.random.default_rng(0)
        self.cache = {}

    def cycles(self, key):
        if key not in self.cache:
            self.cache[key] = getattr(self, "_" + key[0])(*key[1:]).total_cycles
        return self.cache[key]

    def _int8(self, *shape):
        return self.rng.integers(-128, 128, shape).astype(np.int8)

    def _fc_rows(self, depth, rows):
        bias = self.rng.integers(-5000, 5000, rows).astype(np.int32)
        return self.kernels.fc_rows(self._int8(depth), self._int8(rows, depth), bias, 3, count=True)[1]

    def _requant(self, rows, cols, per_channel, zp, lo, hi):
        channels = cols if per_channel else 1
        mult = self.rng.integers(1 << 30, 1 << 31, channels)
        shift = np.full(channels, -8, np.int8)
        acc = self.rng.normal(0, 1 << 14, (cols, rows)).astype(np.int32)  # outputs ~ N(zp, 32)
        return self.kernels.requant(acc, mult, shift, zp, lo, hi, count=True)[1]

    def _dot8(self, n, channels, first):
        q = self.rng.integers(0, 256, (n, LANES)).astype(np.uint8)
        init = self.rng.integers(-5000, 5000, channels).astype(np.int32)
        acc = np.zeros((channels, LANES), np.int32)
        return self.kernels.dot8(q, self._int8(channels, n), 0, n, init if first else None, acc, count=True)[1]

    def _gather8(self, lanes, depth, taps):
        kw = min(taps, 3)
        side = taps // kw + 2 + lanes
        x = self._int8(side, side, depth)
        return self.kernels.gather8(x, 0, depth, [(0, p) for p in range(lanes)], 0, taps, kw, (1, 1), 128, count=True)[1]

    def _dw8(self, lanes, channels, multiplier, kh, kw):
        u = self.rng.integers(0, 256, (kh + 1, kw + lanes, channels)).astype(np.uint8)
        init = self.rng.integers(-5000, 5000, channels * multiplier).astype(np.int32)
        w = self._int8(kh, kw, channels * multiplier)
        return self.kernels.dw8(u, w, init, [(0, p) for p in range(lanes)], (1, 1), 128, count=True)[1]

    def _flip_bytes(self, n):
        return self.kernels.flip_bytes(np.zeros((n + 3) & ~3, np.uint8), count=True)[1]


def estimate(model_bytes, estimator=None):
    """Per op {name, kernel, glue, viper cycles, calls} and the totals, for one invoke."""
    est = estimator or Estimator()
    rows = []
    for layer in layers.read(model_bytes):
        calls = plan(layer)
        row = {"op": layer.name, "kernel": 0, "calls": 0, "viper": 0}
        if calls is None:
            out = layer.outputs[0]
            if layer.name in COPY_OPS:
                row["viper"] = out.size * (4 if out.dtype in ("int32", "float32") else 1)
            else:
                row["viper"] = out.size * VIPER_X86_PER_ELEMENT * CYCLES_PER_X86_VIPER
        else:
            for key, n in calls:
                row["kernel"] += est.cycles(key) * n
                row["calls"] += n
        row["glue"] = (X86_PER_OP + X86_PER_CALL * row["calls"]) * CYCLES_PER_X86
        row["cycles"] = row["kernel"] + row["glue"] + row["viper"]
        rows.append(row)
    total = sum(r["cycles"] for r in rows)
    return {
        "ops": rows,
        "kernel_cycles": sum(r["kernel"] for r in rows),
        "glue_cycles": sum(r["glue"] for r in rows),
        "viper_cycles": sum(r["viper"] for r in rows),
        "cycles": total,
        "ms": total / CLOCK_HZ * 1000,
    }
