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
from ulite.quant import mbqm

CALLS = {}  # (kernel, shape...) -> number of calls
# Words of a kernel's parameter block it uses as scratch: the twins fill them with POISON, so
# glue that read them back would go wrong here too. Every other word a kernel changes (the
# pointers it moves on, the counts it runs down) the twins leave as the machine code does;
# tests/test_thumb.py checks both against the machine code.
SCRATCH = {"gather8": (14, 15), "dw8": tuple(range(14, 16)) + tuple(range(44, 44 + 9 * 25))}
POISON = -0x5A5A5A5B


def install():
    sys.modules["ulite.loops.thumb.asm"] = sys.modules[__name__]


def _log(key):
    CALLS[key] = CALLS.get(key, 0) + 1


def _params(block, n):
    words = struct.unpack_from("<%di" % n, block)
    return words, uctypes.addressof(block)


def _set_words(block, changes):
    """Write {word index: value} into the parameter block as int32 words, as the machine
    code leaves them (addresses wrap at 2**32)."""
    for i, value in changes.items():
        value &= 0xFFFFFFFF
        struct.pack_into("<i", block, 4 * i, value - (1 << 32) if value >= 1 << 31 else value)


def _poison_scratch(block, name):
    _set_words(block, {i: POISON for i in SCRATCH[name]})


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


def fc_rows(block):
    (x, w, depth, rows, bias, acc, neg_zp), near = _params(block, 7)
    _log(("fc_rows", depth, rows))
    xs = [v + neg_zp for v in _int8s(_address(x, near), depth)]
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
    moved = {1: w + 2 * depth * passes, 3: rows - 2 * passes, 5: acc + 8 * passes}
    if bias:
        moved[4] = bias + 8 * passes
    _set_words(block, moved)
    return 0


def requant(block):
    (acc, out, rows, cols, stride, mult, shift, per_channel, zp, lo, hi, col_bytes), near = _params(block, 12)
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
    moved = {0: acc + col_bytes * cols, 1: out + cols, 3: 0}
    if per_channel:
        moved.update({5: mult + 4 * cols, 6: shift + cols})
    _set_words(block, moved)
    return 0


def dot8(block):
    (q, w, n, count, acc, w_stride, init), near = _params(block, 7)
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
    moved = {1: w + w_stride * count, 3: 0, 4: acc + 32 * count}
    if init:
        moved[6] = init + 4 * count
    _set_words(block, moved)
    return 0


def lanes8(block):
    words, near = _params(block, 12)
    records, lanes, image, oy, ox, out_h, out_w, stride_h, stride_w, pad_top, pad_left, image_bytes = words
    _log(("lanes8", lanes))
    values = []
    for _ in range(lanes):
        values += [image, oy * stride_h - pad_top, ox * stride_w - pad_left]
        ox += 1
        if ox == out_w:
            ox, oy = 0, oy + 1
            if oy == out_h:
                oy, image = 0, (image + image_bytes) & 0xFFFFFFFF
    _store_int32s(_address(records, near), [v - (1 << 32) if v >= 1 << 31 else v for v in values])
    struct.pack_into("<3i", block, 8, image - (1 << 32) if image >= 1 << 31 else image, oy, ox)
    return 0


def _records(words, lanes, near):
    return [(_address(words[3 * p] & 0xFFFFFFFF, near), words[3 * p + 1], words[3 * p + 2]) for p in range(lanes)]


def gather8(block):
    words, near = _params(block, 17 + 3 * 8)
    dst, lanes, depth, ky0, kx0, taps, kw, in_h, in_w, dil_h, dil_w, row, pixel, pad = words[:14]
    first_channel = words[16]
    _log(("gather8", lanes, depth, taps))
    out = uctypes.bytearray_at(_address(dst, near), 8 * taps * depth)
    for p, (image, iy0, ix0) in enumerate(_records(words[17:], lanes, near)):
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
    _set_words(block, {0: dst + lanes, 1: 0})
    _poison_scratch(block, "gather8")
    return 0


def dw8(block):
    words, near = _params(block, 20 + 3 * 8)
    acc, lanes, channels, weights, init, ky_end, kw, in_h, in_w, dil_h, dil_w, row, pad_row, m = words[:14]
    pixel, tap_bytes, ky0, first_channel = words[16:20]
    _log(("dw8", lanes, channels, m, ky_end - ky0, kw, init != 0))
    outputs = channels * m
    acc = _address(acc, near)
    weights = _address(weights, near)
    pads = uctypes.bytearray_at(_address(pad_row, near), channels)
    starts = _int32s(_address(init, near), outputs) if init else None
    sums = []
    for o in range(outputs):
        sums += [starts[o]] * 8 if starts else list(_int32s(acc + 32 * o, 8))
    records = _records(words[20:], lanes, near)
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
    _poison_scratch(block, "dw8")
    return 0


def flip_bytes(buffer, n):
    _log(("flip_bytes", n))
    address = uctypes.addressof(buffer)
    assert address & 3 == 0 and n & 3 == 0, "flip_bytes: unaligned"
    data = uctypes.bytearray_at(address, n)
    for i in range(n):
        data[i] ^= 0x80
    return 0


def add_rescaled(block):
    words, near = _params(block, 12)
    x1, x2, acc, count = words[:4]
    _log(("add_rescaled", count))
    sums = [0] * count
    for x, (neg_zp, low, high, shift) in ((x1, words[4:8]), (x2, words[8:12])):
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
