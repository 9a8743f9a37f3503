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


def install():
    sys.modules["ulite.loops.thumb.asm"] = sys.modules[__name__]


def _log(key):
    CALLS[key] = CALLS.get(key, 0) + 1


def _params(block, n):
    words = struct.unpack_from("<%di" % n, block)
    return words, uctypes.addressof(block)


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
    return 0


def requant(block):
    (acc, out, rows, cols, stride, mult, shift, per_channel, zp, lo, hi), near = _params(block, 11)
    _log(("requant", rows, cols))
    channels = cols if per_channel else 1
    mults = _int32s(_address(mult, near), channels)
    shifts = _int8s(_address(shift, near), channels)
    sums = _int32s(_address(acc, near), rows * cols)
    dst = uctypes.bytearray_at(_address(out, near), (rows - 1) * stride + cols)
    for c in range(cols):
        k = c if per_channel else 0
        for r in range(rows):
            v = mbqm(sums[c * rows + r], mults[k], shifts[k]) + zp
            dst[r * stride + c] = max(lo, min(hi, v)) & 0xFF
    return 0


def dot8(block):
    (q, w, n, count, acc, w_stride, init), near = _params(block, 7)
    _log(("dot8", n, count))
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
    return 0
