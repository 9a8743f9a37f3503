"""RP2040 time per invoke (Cortex-M0+ at 133 MHz), estimated without a board.

    total = kernel cycles + glue cycles + viper cycles

Kernel cycles: each op's layer shapes give the sequence of assembler kernel calls the Thumb
backend makes (`plan`, mirroring the viper glue in mpy/ulite/loops/thumb/, on the geometry
ulite's own kernels compute, imported with its layouts from mpy/ulite; a test checks the
two agree by counting the glue's calls on the unix port, for every corpus model and the
conv sweeps):
FULLY_CONNECTED runs fc_rows + requant per chunk of units; CONV_2D blocks of 8 output
pixels (lanes8 places them), per chunk of channels gather8 + dot8 per group and chunk of
taps, then requant; DEPTHWISE_CONV_2D per block lanes8, then dw8 per chunk of channels and
run of kernel rows and requant, between two flips of the input (or, with a large depth multiplier, CONV_2D's plan as a grouped
convolution); ADD without broadcast add_rescaled + requant per chunk of elements.
One representative call per distinct shape runs in the emulator on random data; its
Cortex-M0+ cycles (timing table in isa.py) times the number of such calls.

Glue cycles: measured on the unix port by `python -m host_tools.rp2040.glue` (kernels
replaced by a builtin that returns at once): x86-64 instructions per op and per kernel
call of each op kind's glue, GLUE_X86 (MicroPython 1.28 unix port, x86-64); ops that run
viper pay FULLY_CONNECTED's per-op figure for their dispatch. We charge CYCLES_PER_X86 =
2.5 RP2040 cycles per x86-64 instruction: the viper code maps about one to one (the viper
FULLY_CONNECTED loop is 31 Thumb instructions per MAC in its armv6m disassembly against 33
x86-64 instructions per MAC counted on the unix port), the runtime's C takes about 1.3
Thumb-1 instructions per x86-64 one, and the M0+ needs ~1.5 cycles per instruction on
such load- and branch-heavy code; the rest is margin for flash (XIP cache) misses.

Viper cycles: ops without assembler kernels run the viper backend. Its x86-64 cost on the
unix port, 551 instructions per output element for viper ADD (the heaviest elementwise
loop: two rescales and a requantization per element; SUB, MUL and broadcast ADD still run
it), is charged per output element at
CYCLES_PER_X86_VIPER = 1.5 (viper code maps one to one, at ~1.5 cycles per instruction).
RESHAPE and SQUEEZE copy bytes (1 cycle per byte).

Not modelled: weights read from flash through the 16 KB XIP cache instead of RAM (a
model too big for RAM, like person_detect, streams its weights from flash), interrupts.
"""

import zlib

import numpy as np
from ulite.allocator import ACC_CHUNK  # FULLY_CONNECTED units, ADD elements per chunk
from ulite.kernels import conv_common, depthwise_conv, padding
from ulite.layouts import conv as geometry
from ulite.layouts.thumb import DW8_TABLE_TAPS

from . import layers
from .kernels import LANES, Kernels

CLOCK_HZ = 133_000_000

# x86-64 instructions of the glue per op and per kernel call, by op kind (glue.py)
GLUE_X86 = {
    "FULLY_CONNECTED": (4899, 234),
    "CONV_2D": (6491, 269),
    "DEPTHWISE_CONV_2D": (8168, 224),
    "ADD": (6973, 235),
}
X86_PER_OP = GLUE_X86["FULLY_CONNECTED"][0]  # an op's dispatch, for ops that run viper
CYCLES_PER_X86 = 2.5
VIPER_X86_PER_ELEMENT = 551
CYCLES_PER_X86_VIPER = 1.5
COPY_OPS = ("RESHAPE", "SQUEEZE")


def _requant_key(layer, rows, cols):
    out = layer.outputs[0]
    per_channel = len(layer.inputs[1].scales) > 1 if len(layer.inputs) > 1 and layer.inputs[1] else False
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
    if layer.name == "ADD" and int8:
        return _plan_add(layer)
    return None


def _count(calls, key, n):
    calls[key] = calls.get(key, 0) + n


def _plan_fc(layer):
    units, depth = layer.inputs[1].shape
    batches = layer.inputs[0].size // depth
    per_channel = len(layer.inputs[1].scales) > 1
    calls = {}
    for u0 in range(0, units, ACC_CHUNK):
        n = min(ACC_CHUNK, units - u0)
        _count(calls, ("fc_rows", depth, n), batches)
        # one multiplier: the glue asks requant for one column of n rows
        _count(calls, _requant_key(layer, 1, n) if per_channel else _requant_key(layer, n, 1), batches)
    return list(calls.items())


def _blocks(out_shape):
    """[(lanes, blocks)]: output pixels in blocks of eight, and the last partial block."""
    b, h, w = out_shape[:3]
    pixels = b * h * w
    return [(lanes, n) for lanes, n in ((LANES, pixels // LANES), (pixels % LANES, 1)) if lanes and n]


def _conv_window(layer):
    """(strides, dilations, (pad_top, pad_left), zero point) of a convolution layer."""
    x = layer.inputs[0]
    strides, dilations = layer.options["stride"], layer.options["dilation"]
    kernel = layer.inputs[1].shape[1:3]
    pads = tuple(
        padding.pad_before(layer.options["padding"], x.shape[1 + i], kernel[i], strides[i], dilations[i])
        for i in (0, 1)
    )
    return strides, dilations, pads, x.zero_point


def _depthwise_geometry(layer):
    x, out = layer.inputs[0], layer.outputs[0]
    strides, dilations, pads, zp = _conv_window(layer)
    _, kh, kw, out_c = layer.inputs[1].shape
    multiplier = out_c // x.shape[3]
    return depthwise_conv.geometry(x.shape, out.shape, (kh, kw), multiplier, strides, dilations, pads, zp)


def im2col_geometry(layer):
    """ulite's im2col geometry (layouts.conv CONV_ fields) of an int8 CONV_2D, or of a
    DEPTHWISE_CONV_2D that ulite runs as a grouped convolution; else None."""
    x, out = layer.inputs[0], layer.outputs[0]
    if layer.name == "CONV_2D":
        _, kh, kw, depth = layer.inputs[1].shape
        strides, dilations, pads, zp = _conv_window(layer)
        filters = (kh, kw, depth, x.shape[3] // depth)
        return conv_common.im2col_geometry(x.shape, out.shape, filters, strides, dilations, pads, zp)
    return depthwise_conv.grouped(_depthwise_geometry(layer), x.shape, out.shape, x.zero_point)


def depthwise_chunks(layer):
    """(input channels, kernel rows) per dw8 call of a DEPTHWISE_CONV_2D the Thumb glue
    runs with dw8 (loops/thumb/conv.py), or None where it runs the viper loop."""
    in_c = layer.inputs[0].shape[3]
    kw = layer.inputs[1].shape[2]
    chunk = min(in_c, _depthwise_geometry(layer)[geometry.DW_ROWS] * in_c >> 3)
    rows_per_call = DW8_TABLE_TAPS // kw
    return (chunk, rows_per_call) if chunk and rows_per_call else None


def _plan_conv(layer):
    """loops/thumb/conv.py conv_int8 on the layer's im2col geometry."""
    geo = im2col_geometry(layer)
    out_c, depth = geo[geometry.CONV_OUT_C], geo[geometry.CONV_DEPTH]
    per_chunk, per_group = geo[geometry.CONV_TAPS_PER_CHUNK], geo[geometry.CONV_PER_GROUP]
    taps = geo[geometry.CONV_KH] * geo[geometry.CONV_KW]
    chunk = min(out_c, geo[geometry.CONV_ROWS] * out_c >> 3)
    tap_chunks = [min(per_chunk, taps - t0) for t0 in range(0, taps, per_chunk)]
    calls = {}
    for lanes, blocks in _blocks(layer.outputs[0].shape):
        _count(calls, ("lanes8", lanes), blocks)
        for c0 in range(0, out_c, chunk):
            c1 = min(c0 + chunk, out_c)
            o = c0
            while o < c1:
                o1 = min((o // per_group + 1) * per_group, c1)
                for i, size in enumerate(tap_chunks):
                    _count(calls, ("gather8", lanes, depth, size), blocks)
                    _count(calls, ("dot8", size * depth, o1 - o, i == 0), blocks)
                o = o1
            _count(calls, _requant_key(layer, lanes, c1 - c0), blocks)
    return list(calls.items())


def _plan_depthwise(layer):
    if im2col_geometry(layer):
        return _plan_conv(layer)
    chunks = depthwise_chunks(layer)
    if chunks is None:
        return None
    chunk, rows_per_call = chunks
    x = layer.inputs[0]
    _, kh, kw, out_c = layer.inputs[1].shape
    in_c = x.shape[3]
    calls = {("flip_bytes", (x.size + 3) & ~3): 2}
    for lanes, blocks in _blocks(layer.outputs[0].shape):
        _count(calls, ("lanes8", lanes), blocks)
        for c0 in range(0, in_c, chunk):
            c = min(chunk, in_c - c0)
            for ky0 in range(0, kh, rows_per_call):
                _count(calls, ("dw8", lanes, c, out_c // in_c, min(rows_per_call, kh - ky0), kw, ky0 == 0), blocks)
            _count(calls, _requant_key(layer, lanes, c * out_c // in_c), blocks)
    return list(calls.items())


def _plan_add(layer):
    """Inputs of the output's size (no broadcast): add_rescaled and requant per chunk."""
    x1, x2, out = layer.inputs[0], layer.inputs[1], layer.outputs[0]
    if not x1.size == x2.size == out.size:
        return None
    calls = {}
    for i in range(0, out.size, ACC_CHUNK):
        n = min(ACC_CHUNK, out.size - i)
        _count(calls, ("add_rescaled", n), 1)
        _count(calls, _requant_key(layer, n, 1), 1)
    return list(calls.items())


class Estimator:
    """Runs and caches representative kernel calls; one per distinct key, on random data
    seeded by the key (so a model's estimate does not depend on what ran before)."""

    def __init__(self):
        self.kernels = Kernels()
        self.rng = None
        self.cache = {}

    def cycles(self, key):
        if key not in self.cache:
            self.rng = np.random.default_rng(zlib.crc32(repr(key).encode()))
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
        x = self._int8(1, side, side, depth)
        return self.kernels.gather8(x, 0, depth, (side, side), (1, 1), (0, 0), 0, lanes, 0, taps, kw, (1, 1), 128, count=True)[1]

    def _dw8(self, lanes, channels, multiplier, kh, kw, first):
        h, w = kh + 1, kw + lanes
        u = self.rng.integers(0, 256, (1, h, w, channels)).astype(np.uint8)
        init = self.rng.integers(-5000, 5000, channels * multiplier).astype(np.int32)
        weights = self._int8(kh, kw, channels * multiplier)
        acc = None if first else np.zeros((channels * multiplier, LANES), np.int32)
        return self.kernels.dw8(u, weights, init, (h, w), (1, 1), (0, 0), 0, lanes, (1, 1), 128, acc=acc, count=True)[1]

    def _lanes8(self, lanes):
        return self.kernels.lanes8(0x20000000, 9216, (12, 3), (1, 1), (1, 1), 0, lanes, count=True)[1]

    def _add_rescaled(self, n):
        t = (3, int(self.rng.integers(1 << 30, 1 << 31)), 2)
        return self.kernels.add_rescaled(self._int8(n), self._int8(n), t, t, count=True)[1]

    def _flip_bytes(self, n):
        return self.kernels.flip_bytes(np.zeros((n + 3) & ~3, np.uint8), count=True)[1]


def estimate(model_bytes, estimator=None):
    """Per op {name, kernel, glue, viper cycles, calls}, cycles per assembler kernel and the
    totals, for one invoke."""
    est = estimator or Estimator()
    rows = []
    by_kernel = {}
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
                by_kernel[key[0]] = by_kernel.get(key[0], 0) + est.cycles(key) * n
        per_op, per_call = GLUE_X86[layer.name] if calls is not None else (X86_PER_OP, 0)
        row["glue"] = (per_op + per_call * row["calls"]) * CYCLES_PER_X86
        row["cycles"] = row["kernel"] + row["glue"] + row["viper"]
        rows.append(row)
    total = sum(r["cycles"] for r in rows)
    return {
        "ops": rows,
        "by_kernel": by_kernel,
        "kernel_cycles": sum(r["kernel"] for r in rows),
        "glue_cycles": sum(r["glue"] for r in rows),
        "viper_cycles": sum(r["viper"] for r in rows),
        "cycles": total,
        "ms": total / CLOCK_HZ * 1000,
    }
