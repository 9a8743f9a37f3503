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
DW_TABLE_TAPS = 25  # dw8's tap table holds (ky end - ky0) * kw <= 25 taps
DW_WORDS = 44 + 9 * DW_TABLE_TAPS
GATHER_WORDS = 17 + 3 * 8
LANES = 8


class Call:
    """One kernel call as `Kernels(record=True)` saw it: the parameter block's address (the
    last allocation) and the emulated RAM up to the block's end before and after the call."""

    def __init__(self, name, block, before, after):
        self.name, self.block, self.before, self.after = name, block, before, after


class Kernels:
    def __init__(self, record=False):
        functions = mpy.asm_functions(ASM_SOURCE)
        self.machine = emulator.Machine({name: code for name, (code, _) in functions.items()})
        self.record = record
        self.last = None
        self.last_block = None

    def _run(self, name, words, count, *extra):
        m = self.machine
        block = self.last_block = m.alloc(struct.pack("<%di" % len(words), *[w - (1 << 32) if w >= 1 << 31 else w for w in words]))
        before = m.read(emulator.RAM, block + 4 * len(words) - emulator.RAM) if self.record else None
        result = m.call(name, block, *extra, count=count)
        if self.record:
            self.last = Call(name, block, before, m.read(emulator.RAM, len(before)))
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

    def requant(self, acc, mult, shift, zp, lo, hi, stride=None, rows=None, count=False):
        """int8 out (rows, cols) of int32 acc given column by column, shape (cols, step):
        each column's first `rows` (all by default); mult/shift per column (length cols) or
        one for all (length 1)."""
        self.machine.reset()
        cols, col_step = acc.shape
        rows = rows or col_step
        stride = stride or cols
        out = self.machine.alloc(bytes((rows - 1) * stride + cols))
        words = [
            self._array(acc.astype(np.int32)), out, rows, cols, stride,
            self._array(np.asarray(mult, np.int64).astype(np.uint32)), self._array(np.asarray(shift, np.int8), 1),
            1 if len(mult) > 1 else 0, zp, lo, hi, 4 * (col_step or rows),
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

    def _records(self, images, out_hw, stride, pads, first, lanes):
        """Lane records (image address, iy0, ix0) of `lanes` output pixels from `first`
        (row-major over the batch of `images`, an int8/uint8 array (b, h, w, c)), as lanes8
        writes them."""
        oh, ow = out_hw
        base = self._array(images, 1)
        words = []
        for pixel in range(first, first + lanes):
            b, oy, ox = pixel // (oh * ow), pixel % (oh * ow) // ow, pixel % ow
            words += [base + b * images[0].size, oy * stride[0] - pads[0], ox * stride[1] - pads[1]]
        return words

    def lanes8(self, images_address, image_bytes, out_hw, stride, pads, first, lanes, count=False):
        """(records [(image address, iy0, ix0)], the walk after them (image address, oy,
        ox)) of `lanes` output pixels from `first`."""
        self.machine.reset()
        oh, ow = out_hw
        b, oy, ox = first // (oh * ow), first % (oh * ow) // ow, first % ow
        records = self.machine.zeros(12 * lanes)
        words = [records, lanes, images_address + b * image_bytes, oy, ox, oh, ow, stride[0], stride[1], pads[0], pads[1], image_bytes]
        counts = self._run("lanes8", words, count)
        got = self._read(records, np.int32, (lanes, 3)).astype(np.int64)
        got[:, 0] &= 0xFFFFFFFF
        walk = self._read(self.last_block + 8, np.int32, (3,))
        result = [tuple(int(v) for v in r) for r in got], (int(walk[0]) & 0xFFFFFFFF, int(walk[1]), int(walk[2]))
        return (result, counts) if count else result

    def gather8(self, x, group, depth, out_hw, stride, pads, first, lanes, t0, taps, kw, dilation, pad, count=False):
        """im2col bytes (taps * depth, 8) for `lanes` output pixels from `first` of images
        x int8 (b, h, w, c), stride and pads (top, left); unused lanes are left at 0xEE."""
        self.machine.reset()
        _, in_h, in_w, in_c = x.shape
        records = self._records(x, out_hw, stride, pads, first, lanes)
        dst = self.machine.alloc(bytes([0xEE]) * (LANES * taps * depth), 1)
        words = [dst, lanes, depth, t0 // kw, t0 % kw, taps, kw, in_h, in_w, dilation[0], dilation[1], in_w * in_c, in_c, pad, 0, 0, group * depth]
        words += records + [0] * (GATHER_WORDS - len(words) - len(records))
        counts = self._run("gather8", words, count)
        out = self._read(dst, np.uint8, (taps * depth, LANES))
        return (out, counts) if count else out

    def dw8(self, u, w, init, out_hw, stride, pads, first, lanes, dilation, pad, rows=None, channels=None, acc=None, count=False):
        """(c * m, 8) int32 depthwise sums for `lanes` output pixels from `first`: u uint8
        (b, h, w, C) the flipped input, w int8 (kh, kw, C * m), init int32 (C * m,), pad the
        padding's u; over kernel rows [ky0, ky1) = rows (all by default) and input channels
        [c0, c1) = channels (all), starting from init, or from acc ((c1 - c0) * m, 8)."""
        self.machine.reset()
        _, in_h, in_w, in_c = u.shape
        kh, kw, outputs = w.shape
        m = outputs // in_c
        ky0, ky1 = rows or (0, kh)
        c0, c1 = channels or (0, in_c)
        start = np.zeros(((c1 - c0) * m, LANES), np.int32) if acc is None else acc
        acc_address = self._array(start.astype(np.int32))
        records = self._records(u.astype(np.uint8), out_hw, stride, pads, first, lanes)
        pad_row = self.machine.alloc(bytes([pad]) * in_c)
        weights = self._array(w, 1) + (ky0 * kw * outputs) + c0 * m
        words = [
            acc_address, lanes, c1 - c0, weights, 0 if acc is not None else self._array(init[c0 * m :].astype(np.int32)),
            ky1, kw, in_h, in_w, dilation[0], dilation[1], in_w * in_c, pad_row, m, 0, 0, in_c, outputs, ky0, c0,
        ]  # fmt: skip
        words += records + [0] * (DW_WORDS - len(words) - len(records))
        counts = self._run("dw8", words, count)
        out = self._read(acc_address, np.int32, ((c1 - c0) * m, LANES))
        return (out, counts) if count else out

    def add_rescaled(self, x1, x2, t1, t2, count=False):
        """int32 R1(x1) + R2(x2) for int8 vectors; t = (zp, M, s): R(x) rescales x - zp
        by the multiplier M (< 2**31) and right shift s, as TFLM's int8 ADD."""
        self.machine.reset()
        acc = self.machine.zeros(4 * len(x1))
        words = [self._array(x1, 1), self._array(x2, 1), acc, len(x1)]
        for zp, multiplier, shift in (t1, t2):
            words += [-zp, multiplier & 0x7FF, multiplier >> 11, shift]
        counts = self._run("add_rescaled", words, count)
        out = self._read(acc, np.int32, (len(x1),))
        return (out, counts) if count else out

    def flip_bytes(self, data, count=False):
        """data ^ 0x80 (uint8, length a multiple of 4)."""
        self.machine.reset()
        address = self._array(np.asarray(data, np.uint8))
        result = self.machine.call("flip_bytes", address, len(data), count=count)
        out = self._read(address, np.uint8, (len(data),))
        return (out, result[1]) if count else out
