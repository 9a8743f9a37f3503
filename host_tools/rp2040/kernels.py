"""ulite's Thumb kernels (mpy/ulite/loops/thumb/asm.py) on numpy arrays, in the emulator.

Each method lays its arrays out in emulated RAM as the viper glue does on a board, fills
the kernel's parameter block (layouts in asm.py), runs it and returns the results; with
count=True also the emulator's Counts (instructions by kind, Cortex-M0+ cycles).
"""

import struct

import numpy as np

from ..paths import MPY_DIR
from . import emulator, mpy

ASM_SOURCE = MPY_DIR / "ulite" / "loops" / "thumb" / "asm.py"
DW_TABLE_TAPS = 25  # dw8's tap table holds kh * kw <= 25 taps
DW_WORDS = 40 + 9 * DW_TABLE_TAPS
LANES = 8


class Kernels:
    def __init__(self):
        functions = mpy.asm_functions(ASM_SOURCE)
        self.machine = emulator.Machine({name: code for name, (code, _) in functions.items()})

    def _run(self, name, words, count, *extra):
        m = self.machine
        block = m.alloc(struct.pack("<%di" % len(words), *[w - (1 << 32) if w >= 1 << 31 else w for w in words]))
        result = m.call(name, block, *extra, count=count)
        return result[1] if count else None

    def _array(self, a, align=4):
        return self.machine.alloc(np.ascontiguousarray(a).tobytes(), align)

    def _read(self, address, dtype, shape):
        n = int(np.prod(shape)) * np.dtype(dtype).itemsize
        return np.frombuffer(self.machine.read(address, n), dtype).reshape(shape).copy()

    def fc_rows(self, x, w, bias, input_zp, count=False):
        """acc[j] = bias[j] + w[j] . (x - input_zp); x int8 (depth,), w int8 (rows, depth)."""
        self.machine.reset()
        rows, depth = w.shape
        acc = self.machine.zeros(4 * rows)
        words = [self._array(x, 1), self._array(w, 1), depth, rows, self._array(bias) if bias is not None else 0, acc, -input_zp]
        counts = self._run("fc_rows", words, count)
        out = self._read(acc, np.int32, (rows,))
        return (out, counts) if count else out

    def requant(self, acc, mult, shift, zp, lo, hi, stride=None, count=False):
        """int8 out (rows, cols) of int32 acc given column by column, shape (cols, rows);
        mult/shift per column (length cols) or one for all (length 1)."""
        self.machine.reset()
        cols, rows = acc.shape
        stride = stride or cols
        out = self.machine.alloc(bytes((rows - 1) * stride + cols))
        words = [
            self._array(acc.astype(np.int32)), out, rows, cols, stride,
            self._array(np.asarray(mult, np.int64).astype(np.uint32)), self._array(np.asarray(shift, np.int8), 1),
            1 if len(mult) > 1 else 0, zp, lo, hi,
        ]  # fmt: skip
        counts = self._run("requant", words, count)
        raw = np.frombuffer(self.machine.read(out, (rows - 1) * stride + cols), np.int8)
        got = np.stack([raw[r * stride : r * stride + cols] for r in range(rows)])
        return (got, counts) if count else got

    def dot8(self, q, w, k0, n, init=None, acc=None, count=False):
        """(channels, 8) int32: start + w[:, k0:k0 + n] @ q, q uint8 (n, 8); start is init
        (per channel) or the given acc (channels, 8)."""
        self.machine.reset()
        channels, w_stride = w.shape
        start = acc if init is None else np.zeros((channels, LANES), np.int32)
        acc_address = self._array(start.astype(np.int32))
        words = [
            self._array(q.astype(np.uint8), 1), self._array(w, 1) + k0, n, channels, acc_address, w_stride,
            self._array(init.astype(np.int32)) if init is not None else 0,
        ]  # fmt: skip
        counts = self._run("dot8", words, count)
        out = self._read(acc_address, np.int32, (channels, LANES))
        return (out, counts) if count else out

    def gather8(self, x, group, depth, lanes, t0, taps, kw, dilation, pad, count=False):
        """im2col bytes (taps * depth, 8) for lanes [(iy0, ix0)] of image x int8 (h, w, c);
        unused lanes are left at 0xEE."""
        self.machine.reset()
        in_h, in_w, in_c = x.shape
        image = self._array(x, 1)
        dst = self.machine.alloc(bytes([0xEE]) * (LANES * taps * depth), 1)
        words = [dst, len(lanes), depth, t0 // kw, t0 % kw, taps, kw, in_h, in_w, dilation[0], dilation[1], in_w * in_c, in_c, pad, 0, 0]
        for iy0, ix0 in lanes:
            words += [image + group * depth, iy0, ix0]
        words += [0] * (40 - len(words))
        counts = self._run("gather8", words, count)
        out = self._read(dst, np.uint8, (taps * depth, LANES))
        return (out, counts) if count else out

    def dw8(self, u, w, init, lanes, dilation, pad, count=False):
        """(C * m, 8) int32 depthwise sums for lanes [(iy0, ix0)]: u uint8 (h, w, C) the
        flipped input, w int8 (kh, kw, C * m), init int32 (C * m,), pad the padding's u."""
        self.machine.reset()
        in_h, in_w, channels = u.shape
        kh, kw, outputs = w.shape
        acc = self.machine.zeros(4 * LANES * outputs)
        image = self._array(u.astype(np.uint8))
        pad_row = self.machine.alloc(bytes([pad]) * channels)
        words = [
            acc, len(lanes), channels, self._array(w, 1), self._array(init.astype(np.int32)), kh, kw, in_h, in_w,
            dilation[0], dilation[1], in_w * channels, pad_row, outputs // channels, 0, 0,
        ]  # fmt: skip
        for iy0, ix0 in lanes:
            words += [image, iy0, ix0]
        words += [0] * (DW_WORDS - len(words))
        counts = self._run("dw8", words, count)
        out = self._read(acc, np.int32, (outputs, LANES))
        return (out, counts) if count else out

    def flip_bytes(self, data, count=False):
        """data ^ 0x80 (uint8, length a multiple of 4)."""
        self.machine.reset()
        address = self._array(np.asarray(data, np.uint8))
        result = self.machine.call("flip_bytes", address, len(data), count=count)
        out = self._read(address, np.uint8, (len(data),))
        return (out, result[1]) if count else out
