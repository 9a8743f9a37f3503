# Stand-ins for ulite.loops.thumb.asm on a port without Thumb (the unix port): the same
# kernels with the same parameter blocks, written the obvious way with Python ints over
# raw memory (uctypes), and a log of every call. Installing them lets the Thumb backend's
# viper glue run, and be checked against TFLM, where the assembler cannot.
#
#     import thumb_twin; thumb_twin.install()
#     ulite.Interpreter(model, loops="thumb")
#
# Parameter blocks hold 32-bit words, as on the boards. On a 64-bit port an address is
# rebuilt from its low 32 bits and the high bits of the block's own address: MicroPython's
# heap is one allocation, far smaller than 4 GB, and every buffer a kernel sees lives in it.
import struct
import sys

import uctypes
from ulite.layouts import thumb as block
from ulite.quant import mbqm

CALLS = {}  # (kernel, shape...) -> number of calls
# Words of a kernel's parameter block it uses as scratch: the twins fill them with POISON, so
# glue that read them back would go wrong here too. Every other word a kernel changes (the
# pointers it moves on, the counts it runs down) the twins leave as the machine code does;
# tests/test_thumb.py checks both against the machine code.
SCRATCH = {
    "gather8": (block.GATHER8_SCRATCH, block.GATHER8_SCRATCH + 1),
    "dw8": (block.DW8_SCRATCH, block.DW8_SCRATCH + 1) + tuple(range(block.DW8_TAP_TABLE, block.DW8_WORDS)),
}
POISON = -0x5A5A5A5B


def install():
    sys.modules["ulite.loops.thumb.asm"] = sys.modules[__name__]


def _log(key):
    CALLS[key] = CALLS.get(key, 0) + 1


def _params(params, n):
    """The first n words of a parameter block, and the block's address."""
    words = struct.unpack_from("<%di" % n, params)
    return words, uctypes.addressof(params)


def _set_words(params, changes):
    """Write {word index: value} into the parameter block as int32 words, as the machine
    code leaves them (addresses wrap at 2**32)."""
    for i, value in changes.items():
        value &= 0xFFFFFFFF
        struct.pack_into("<i", params, 4 * i, value - (1 << 32) if value >= 1 << 31 else value)


def _poison_scratch(params, name):
    _set_words(params, {i: POISON for i in SCRATCH[name]})


def _address(word, near):
    if word == 0:
        return 0
    address = (near & ~0xFFFFFFFF) | (word & 0xFFFFFFFF)
    assert abs(address - near) < 1 << 31, "buffer outside the heap's 4 GB window"
    return address


def _int8s(address, n):
    raw = uctypes.bytearray_at(address, n)
    return [v - 256 if v > 127 else v for v in raw]


def _int32s(address, n):
    return struct.unpack_from("<%di" % n, uctypes.bytearray_at(address, 4 * n))


def _store_int32s(address, values):
    struct.pack_into("<%di" % len(values), uctypes.bytearray_at(address, 4 * len(values)), 0, *values)


def fc_rows(params):
    words, near = _params(params, block.FC_ROWS_WORDS)
    x, w, bias, acc = (words[i] for i in (block.FC_ROWS_X, block.FC_ROWS_WEIGHTS, block.FC_ROWS_BIAS, block.FC_ROWS_ACC))
    depth, rows = words[block.FC_ROWS_DEPTH], words[block.FC_ROWS_ROWS]
    _log(("fc_rows", depth, rows))
    xs = [v + words[block.FC_ROWS_NEG_ZP] for v in _int8s(_address(x, near), depth)]
    ws = _int8s(_address(w, near), rows * depth)
    start = _int32s(_address(bias, near), rows) if bias else [0] * rows
    sums = []
    for j in range(rows):
        s = start[j]
        for k in range(depth):
            s += ws[j * depth + k] * xs[k]
        sums.append(s)
    _store_int32s(_address(acc, near), sums)
    passes = (rows + 1) // 2  # two rows per pass
    moved = {block.FC_ROWS_WEIGHTS: w + 2 * depth * passes, block.FC_ROWS_ROWS: rows - 2 * passes, block.FC_ROWS_ACC: acc + 8 * passes}
    if bias:
        moved[block.FC_ROWS_BIAS] = bias + 8 * passes
    _set_words(params, moved)
    return 0


def requant(params):
    words, near = _params(params, block.REQUANT_WORDS)
    acc, out, mult, shift = (words[i] for i in (block.REQUANT_ACC, block.REQUANT_OUT, block.REQUANT_MULTIPLIERS, block.REQUANT_SHIFTS))
    rows, cols, stride = words[block.REQUANT_ROWS], words[block.REQUANT_COLS], words[block.REQUANT_STRIDE]
    per_channel, col_bytes = words[block.REQUANT_PER_CHANNEL], words[block.REQUANT_COLUMN_BYTES]
    zp, lo, hi = words[block.REQUANT_ZERO_POINT], words[block.REQUANT_LO], words[block.REQUANT_HI]
    _log(("requant", rows, cols))
    channels = cols if per_channel else 1
    mults = _int32s(_address(mult, near), channels)
    shifts = _int8s(_address(shift, near), channels)
    acc = _address(acc, near)
    dst = uctypes.bytearray_at(_address(out, near), (rows - 1) * stride + cols)
    for c in range(cols):
        k = c if per_channel else 0
        sums = _int32s(acc + c * col_bytes, rows)
        for r in range(rows):
            v = mbqm(sums[r], mults[k], shifts[k]) + zp
            dst[r * stride + c] = max(lo, min(hi, v)) & 0xFF
    moved = {block.REQUANT_ACC: acc + col_bytes * cols, block.REQUANT_OUT: out + cols, block.REQUANT_COLS: 0}
    if per_channel:
        moved.update({block.REQUANT_MULTIPLIERS: mult + 4 * cols, block.REQUANT_SHIFTS: shift + cols})
    _set_words(params, moved)
    return 0


def dot8(params):
    words, near = _params(params, block.DOT8_WORDS)
    q, w, acc, init = (words[i] for i in (block.DOT8_Q, block.DOT8_WEIGHTS, block.DOT8_ACC, block.DOT8_INIT))
    n, count, w_stride = words[block.DOT8_N], words[block.DOT8_CHANNELS], words[block.DOT8_WEIGHT_STEP]
    _log(("dot8", n, count, init != 0))
    lanes = uctypes.bytearray_at(_address(q, near), 8 * n)
    w = _address(w, near)
    acc = _address(acc, near)
    starts = _int32s(_address(init, near), count) if init else None
    for o in range(count):
        ws = _int8s(w + o * w_stride, n)
        sums = [starts[o]] * 8 if starts else list(_int32s(acc + 32 * o, 8))
        for k in range(n):
            for p in range(8):
                sums[p] += ws[k] * lanes[8 * k + p]
        _store_int32s(acc + 32 * o, sums)
    moved = {block.DOT8_WEIGHTS: w + w_stride * count, block.DOT8_CHANNELS: 0, block.DOT8_ACC: acc + 32 * count}
    if init:
        moved[block.DOT8_INIT] = init + 4 * count
    _set_words(params, moved)
    return 0


def lanes8(params):
    words, near = _params(params, block.LANES8_WORDS)
    lanes = words[block.LANES8_LANES]
    image, oy, ox = words[block.LANES8_IMAGE], words[block.LANES8_OY], words[block.LANES8_OX]
    out_h, out_w = words[block.LANES8_OUT_H], words[block.LANES8_OUT_W]
    stride_h, stride_w = words[block.LANES8_STRIDE_H], words[block.LANES8_STRIDE_W]
    pad_top, pad_left = words[block.LANES8_PAD_TOP], words[block.LANES8_PAD_LEFT]
    _log(("lanes8", lanes))
    values = []
    for _ in range(lanes):
        values += [image, oy * stride_h - pad_top, ox * stride_w - pad_left]
        ox += 1
        if ox == out_w:
            ox, oy = 0, oy + 1
            if oy == out_h:
                oy, image = 0, (image + words[block.LANES8_IMAGE_BYTES]) & 0xFFFFFFFF
    _store_int32s(_address(words[block.LANES8_RECORDS], near), [v - (1 << 32) if v >= 1 << 31 else v for v in values])
    _set_words(params, {block.LANES8_IMAGE: image, block.LANES8_OY: oy, block.LANES8_OX: ox})
    return 0


def _records(words, lanes, near):
    """(image address, iy0, ix0) of each lane, from the lane records starting at words[0]."""
    n = block.LANE_RECORD_WORDS
    return [(_address(words[n * p] & 0xFFFFFFFF, near), words[n * p + 1], words[n * p + 2]) for p in range(lanes)]


def gather8(params):
    words, near = _params(params, block.GATHER8_WORDS)
    dst, lanes, depth = words[block.GATHER8_DST], words[block.GATHER8_LANES], words[block.GATHER8_DEPTH]
    ky0, kx0, taps, kw = words[block.GATHER8_KY0], words[block.GATHER8_KX0], words[block.GATHER8_TAPS], words[block.GATHER8_KW]
    in_h, in_w = words[block.GATHER8_IN_H], words[block.GATHER8_IN_W]
    dil_h, dil_w = words[block.GATHER8_DILATION_H], words[block.GATHER8_DILATION_W]
    row, pixel, pad = words[block.GATHER8_ROW_BYTES], words[block.GATHER8_PIXEL_BYTES], words[block.GATHER8_PAD]
    first_channel = words[block.GATHER8_FIRST_CHANNEL]
    _log(("gather8", lanes, depth, taps))
    out = uctypes.bytearray_at(_address(dst, near), 8 * taps * depth)
    for p, (image, iy0, ix0) in enumerate(_records(words[block.GATHER8_RECORDS :], lanes, near)):
        ky, kx = ky0, kx0
        i = p
        for _ in range(taps):
            iy, ix = iy0 + ky * dil_h, ix0 + kx * dil_w
            inside = 0 <= iy < in_h and 0 <= ix < in_w
            src = uctypes.bytearray_at(image + iy * row + ix * pixel + first_channel, depth) if inside else None
            for c in range(depth):
                out[i] = src[c] ^ 0x80 if inside else pad
                i += 8
            kx += 1
            if kx == kw:
                kx = 0
                ky += 1
    _set_words(params, {block.GATHER8_DST: dst + lanes, block.GATHER8_LANES: 0})
    _poison_scratch(params, "gather8")
    return 0


def dw8(params):
    words, near = _params(params, block.DW8_TAP_TABLE)
    acc, lanes, channels = words[block.DW8_ACC], words[block.DW8_LANES], words[block.DW8_CHANNELS]
    weights, init, m = words[block.DW8_WEIGHTS], words[block.DW8_INIT], words[block.DW8_MULTIPLIER]
    ky0, ky_end, kw = words[block.DW8_KY0], words[block.DW8_KY_END], words[block.DW8_KW]
    in_h, in_w = words[block.DW8_IN_H], words[block.DW8_IN_W]
    dil_h, dil_w = words[block.DW8_DILATION_H], words[block.DW8_DILATION_W]
    row, pixel, tap_bytes = words[block.DW8_ROW_BYTES], words[block.DW8_PIXEL_BYTES], words[block.DW8_TAP_BYTES]
    pad_row, first_channel = words[block.DW8_PAD_ROW], words[block.DW8_FIRST_CHANNEL]
    _log(("dw8", lanes, channels, m, ky_end - ky0, kw, init != 0))
    outputs = channels * m
    acc = _address(acc, near)
    weights = _address(weights, near)
    pads = uctypes.bytearray_at(_address(pad_row, near), channels)
    starts = _int32s(_address(init, near), outputs) if init else None
    sums = []
    for o in range(outputs):
        sums += [starts[o]] * 8 if starts else list(_int32s(acc + 32 * o, 8))
    records = _records(words[block.DW8_RECORDS :], lanes, near)
    records += [(0, -1, -1)] * (8 - lanes)  # the machine code's unused lanes read the pad row
    for p, (image, iy0, ix0) in enumerate(records):
        t = 0
        for ky in range(ky0, ky_end):
            for kx in range(kw):
                iy, ix = iy0 + ky * dil_h, ix0 + kx * dil_w
                inside = p < lanes and 0 <= iy < in_h and 0 <= ix < in_w
                u = uctypes.bytearray_at(image + iy * row + ix * pixel + first_channel, channels) if inside else pads
                w = _int8s(weights + t * tap_bytes, outputs)
                for o in range(outputs):
                    sums[8 * o + p] += w[o] * u[o // m]
                t += 1
    _store_int32s(acc, sums)
    _poison_scratch(params, "dw8")
    return 0


def flip_bytes(buffer, n):
    _log(("flip_bytes", n))
    address = uctypes.addressof(buffer)
    assert address & 3 == 0 and n & 3 == 0, "flip_bytes: unaligned"
    data = uctypes.bytearray_at(address, n)
    for i in range(n):
        data[i] ^= 0x80
    return 0


def add_rescaled(params):
    words, near = _params(params, block.ADD_RESCALED_WORDS)
    x1, x2, acc = words[block.ADD_RESCALED_X1], words[block.ADD_RESCALED_X2], words[block.ADD_RESCALED_ACC]
    count = words[block.ADD_RESCALED_COUNT]
    _log(("add_rescaled", count))
    sums = [0] * count
    for x, at in ((x1, block.ADD_RESCALED_INPUT1), (x2, block.ADD_RESCALED_INPUT2)):
        neg_zp, shift = words[at + block.RESCALE_NEG_ZP], words[at + block.RESCALE_SHIFT]
        low, high = words[at + block.RESCALE_MULTIPLIER_LOW], words[at + block.RESCALE_MULTIPLIER_HIGH]
        values = _int8s(_address(x, near), count)
        for i in range(count):
            d = values[i] + neg_zp
            v = d * high + ((d * low + 1024) >> 11)  # SRDHM(d << 20, M): twenty zero low bits
            if shift:
                rounding = 1 if (v & ((1 << shift) - 1)) > ((1 << (shift - 1)) - 1 + (v < 0)) else 0
                v = (v >> shift) + rounding
            sums[i] += v
    _store_int32s(_address(acc, near), sums)
    return 0
