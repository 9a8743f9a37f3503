"""ulite's Thumb kernels (mpy/ulite/loops/thumb/asm.py) on numpy arrays, in the emulator.

Each method lays its arrays out in emulated RAM as the viper glue does on a board, fills
the kernel's parameter block (layouts in asm.py), runs it and returns the results; with
count=True also the emulator's Counts (instructions by kind, Cortex-M0+ cycles).
The blocks are built from ulite.layouts.thumb, the layout the Thumb glue writes, so the
machine code is checked against the named layout.
"""

import struct

import numpy as np
from ulite.layouts import thumb as block

from ..paths import MPY_DIR
from . import emulator, mpy

ASM_SOURCE = MPY_DIR / "ulite" / "loops" / "thumb" / "asm.py"
LANES = block.THUMB_LANES


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

    def _run(self, name, fields, count, *extra):
        """Run kernel `name` on a parameter block holding {word index: value} (every other
        word 0)."""
        words = [0] * (max(fields) + 1)
        for i, value in fields.items():
            words[i] = value
        m = self.machine
        address = self.last_block = m.alloc(struct.pack("<%di" % len(words), *[w - (1 << 32) if w >= 1 << 31 else w for w in words]))
        before = m.read(emulator.RAM, address + 4 * len(words) - emulator.RAM) if self.record else None
        result = m.call(name, address, *extra, count=count)
        if self.record:
            self.last = Call(name, address, before, m.read(emulator.RAM, len(before)))
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
        fields = {
            block.FC_ROWS_X: self._array(x, 1),
            block.FC_ROWS_WEIGHTS: self._array(w, 1),
            block.FC_ROWS_DEPTH: depth,
            block.FC_ROWS_ROWS: rows,
            block.FC_ROWS_BIAS: self._array(bias) if bias is not None else 0,
            block.FC_ROWS_ACC: acc,
            block.FC_ROWS_NEG_ZP: -input_zp,
        }
        counts = self._run("fc_rows", fields, count)
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
        fields = {
            block.REQUANT_ACC: self._array(acc.astype(np.int32)),
            block.REQUANT_OUT: out,
            block.REQUANT_ROWS: rows,
            block.REQUANT_COLS: cols,
            block.REQUANT_STRIDE: stride,
            block.REQUANT_MULTIPLIERS: self._array(np.asarray(mult, np.int64).astype(np.uint32)),
            block.REQUANT_SHIFTS: self._array(np.asarray(shift, np.int8), 1),
            block.REQUANT_PER_CHANNEL: 1 if len(mult) > 1 else 0,
            block.REQUANT_ZERO_POINT: zp,
            block.REQUANT_LO: lo,
            block.REQUANT_HI: hi,
            block.REQUANT_COLUMN_BYTES: 4 * (col_step or rows),
        }
        counts = self._run("requant", fields, count)
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
        fields = {
            block.DOT8_Q: self._array(q.astype(np.uint8), 1),
            block.DOT8_WEIGHTS: self._array(w, 1) + k0,
            block.DOT8_N: n,
            block.DOT8_CHANNELS: channels,
            block.DOT8_ACC: acc_address,
            block.DOT8_WEIGHT_STEP: w_stride,
            block.DOT8_INIT: self._array(init.astype(np.int32)) if init is not None else 0,
        }
        counts = self._run("dot8", fields, count)
        out = self._read(acc_address, np.int32, (channels, LANES))
        return (out, counts) if count else out

    def _records(self, images, out_hw, stride, pads, first, lanes, at):
        """{word index: value} of the lane records (image address, iy0, ix0) of `lanes`
        output pixels from `first` (row-major over the batch of `images`, an int8/uint8
        array (b, h, w, c)), as lanes8 writes them from word `at` on; the unused lanes' 0."""
        oh, ow = out_hw
        base = self._array(images, 1)
        words = []
        for pixel in range(first, first + lanes):
            b, oy, ox = pixel // (oh * ow), pixel % (oh * ow) // ow, pixel % ow
            words += [base + b * images[0].size, oy * stride[0] - pads[0], ox * stride[1] - pads[1]]
        words += [0] * (block.LANE_RECORD_WORDS * (LANES - lanes))
        return {at + i: value for i, value in enumerate(words)}

    def lanes8(self, images_address, image_bytes, out_hw, stride, pads, first, lanes, count=False):
        """(records [(image address, iy0, ix0)], the walk after them (image address, oy,
        ox)) of `lanes` output pixels from `first`."""
        self.machine.reset()
        oh, ow = out_hw
        b, oy, ox = first // (oh * ow), first % (oh * ow) // ow, first % ow
        records = self.machine.zeros(12 * lanes)
        fields = {
            block.LANES8_RECORDS: records,
            block.LANES8_LANES: lanes,
            block.LANES8_IMAGE: images_address + b * image_bytes,
            block.LANES8_OY: oy,
            block.LANES8_OX: ox,
            block.LANES8_OUT_H: oh,
            block.LANES8_OUT_W: ow,
            block.LANES8_STRIDE_H: stride[0],
            block.LANES8_STRIDE_W: stride[1],
            block.LANES8_PAD_TOP: pads[0],
            block.LANES8_PAD_LEFT: pads[1],
            block.LANES8_IMAGE_BYTES: image_bytes,
        }
        counts = self._run("lanes8", fields, count)
        got = self._read(records, np.int32, (lanes, 3)).astype(np.int64)
        got[:, 0] &= 0xFFFFFFFF
        walk = self._read(self.last_block + 4 * block.LANES8_IMAGE, np.int32, (3,))  # image, oy, ox
        result = [tuple(int(v) for v in r) for r in got], (int(walk[0]) & 0xFFFFFFFF, int(walk[1]), int(walk[2]))
        return (result, counts) if count else result

    def gather8(self, x, group, depth, out_hw, stride, pads, first, lanes, t0, taps, kw, dilation, pad, count=False):
        """im2col bytes (taps * depth, 8) for `lanes` output pixels from `first` of images
        x int8 (b, h, w, c), stride and pads (top, left); unused lanes are left at 0xEE."""
        self.machine.reset()
        _, in_h, in_w, in_c = x.shape
        fields = self._records(x, out_hw, stride, pads, first, lanes, block.GATHER8_RECORDS)
        dst = self.machine.alloc(bytes([0xEE]) * (LANES * taps * depth), 1)
        fields.update({
            block.GATHER8_DST: dst,
            block.GATHER8_LANES: lanes,
            block.GATHER8_DEPTH: depth,
            block.GATHER8_KY0: t0 // kw,
            block.GATHER8_KX0: t0 % kw,
            block.GATHER8_TAPS: taps,
            block.GATHER8_KW: kw,
            block.GATHER8_IN_H: in_h,
            block.GATHER8_IN_W: in_w,
            block.GATHER8_DILATION_H: dilation[0],
            block.GATHER8_DILATION_W: dilation[1],
            block.GATHER8_ROW_BYTES: in_w * in_c,
            block.GATHER8_PIXEL_BYTES: in_c,
            block.GATHER8_PAD: pad,
            block.GATHER8_FIRST_CHANNEL: group * depth,
        })  # fmt: skip
        counts = self._run("gather8", fields, count)
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
        fields = self._records(u.astype(np.uint8), out_hw, stride, pads, first, lanes, block.DW8_RECORDS)
        pad_row = self.machine.alloc(bytes([pad]) * in_c)
        fields.update({
            block.DW8_ACC: acc_address,
            block.DW8_LANES: lanes,
            block.DW8_CHANNELS: c1 - c0,
            block.DW8_WEIGHTS: self._array(w, 1) + (ky0 * kw * outputs) + c0 * m,
            block.DW8_INIT: 0 if acc is not None else self._array(init[c0 * m :].astype(np.int32)),
            block.DW8_KY_END: ky1,
            block.DW8_KW: kw,
            block.DW8_IN_H: in_h,
            block.DW8_IN_W: in_w,
            block.DW8_DILATION_H: dilation[0],
            block.DW8_DILATION_W: dilation[1],
            block.DW8_ROW_BYTES: in_w * in_c,
            block.DW8_PAD_ROW: pad_row,
            block.DW8_MULTIPLIER: m,
            block.DW8_PIXEL_BYTES: in_c,
            block.DW8_TAP_BYTES: outputs,
            block.DW8_KY0: ky0,
            block.DW8_FIRST_CHANNEL: c0,
            block.DW8_WORDS - 1: 0,  # the whole block: the kernel builds its tap table there
        })  # fmt: skip
        counts = self._run("dw8", fields, count)
        out = self._read(acc_address, np.int32, ((c1 - c0) * m, LANES))
        return (out, counts) if count else out

    def add_rescaled(self, x1, x2, t1, t2, count=False):
        """int32 R1(x1) + R2(x2) for int8 vectors; t = (zp, M, s): R(x) rescales x - zp
        by the multiplier M (< 2**31) and right shift s, as TFLM's int8 ADD."""
        self.machine.reset()
        acc = self.machine.zeros(4 * len(x1))
        fields = {
            block.ADD_RESCALED_X1: self._array(x1, 1),
            block.ADD_RESCALED_X2: self._array(x2, 1),
            block.ADD_RESCALED_ACC: acc,
            block.ADD_RESCALED_COUNT: len(x1),
        }
        for at, (zp, multiplier, shift) in ((block.ADD_RESCALED_INPUT1, t1), (block.ADD_RESCALED_INPUT2, t2)):
            fields[at + block.RESCALE_NEG_ZP] = -zp
            fields[at + block.RESCALE_MULTIPLIER_LOW] = multiplier & 0x7FF
            fields[at + block.RESCALE_MULTIPLIER_HIGH] = multiplier >> 11
            fields[at + block.RESCALE_SHIFT] = shift
        counts = self._run("add_rescaled", fields, count)
        out = self._read(acc, np.int32, (len(x1),))
        return (out, counts) if count else out

    def flip_bytes(self, data, count=False):
        """data ^ 0x80 (uint8, length a multiple of 4)."""
        self.machine.reset()
        address = self._array(np.asarray(data, np.uint8))
        result = self.machine.call("flip_bytes", address, len(data), count=count)
        out = self._read(address, np.uint8, (len(data),))
        return (out, result[1]) if count else out
