"""The 16x8 loops for viper (int16 activations, int8 weights): CONV_2D, DEPTHWISE_CONV_2D
and FULLY_CONNECTED, and their building blocks, int64 accumulators kept exact in 32-bit
words (a 64-bit port computes the same).

- An accumulator is an int64 in memory (little-endian), read and written as four 16-bit
  limbs through ptr16: loads are zero-extended, stores keep the low 16 bits, so a limb plus
  a carry never leaves int32.
- Inputs are read as u = x + 32768 (0..65535: the sign bit flipped, so a product needs no
  sign extension of x; taps outside the input read u = 32768, i.e. x = 0), from the init
  bias - (zp + 32768) * sum(w) that kernels/wide.py writes: init + sum(w * u) is TFLM's sum.
  The convolution flips while it gathers; FULLY_CONNECTED and the depthwise loop flip their
  input in place for the op (flip_halfwords) and back. Both convolutions find where each
  output pixel's taps fall in the input with window.windows.
- Products |w * u| <= 128 * 65535 < 2**23 are summed in a word in runs of at most _RUN
  (252 * 2**23 < 2**31) by _dot_rows, and _add_rows adds each run's int32 sums into the
  accumulators limb by limb.
- requantize_wide is TFLM's int64 MultiplyByQuantizedMultiplier (ulite.quant.mbqm64) in
  limbs: y = acc * reduced + 2**(right - 1) modulo 2**64, each limb times the 15-bit
  reduced multiplier below 2**31, then bits right .. right + 31 of y (the int64 shifted
  and cast to int32) as a high and a low half, to which the output zero point is added
  with int32 wrap-around before the clamp.

tests/test_viper_int32.py runs these loops through the 32-bit checker. Arguments and
geometries: ulite.layouts.conv and .fully_connected; rq: ulite.layouts.requant.
"""

import micropython
from micropython import const

from .requant import requantize
from .window import TAPS, windows

# Fields of ulite.layouts (conv, fully_connected, requant), restated for the compiler to
# fold (see ulite.layouts).
_CONV_OUT_C = const(5)
_CONV_KH = const(6)
_CONV_KW = const(7)
_CONV_DEPTH = const(8)
_CONV_PER_GROUP = const(9)
_CONV_STRIDE_H = const(11)
_CONV_DILATION_H = const(13)
_CONV_PAD_TOP = const(15)
_CONV_TAPS_PER_CHUNK = const(18)
_CONV_PIXELS = const(19)
_CONV_ROWS = const(20)
_CONV_CHANNELS = const(22)
_DW_IN_C = const(2)
_DW_OUT_C = const(5)
_DW_KH = const(6)
_DW_KW = const(7)
_DW_MULTIPLIER = const(8)
_DW_STRIDE_H = const(9)
_DW_DILATION_H = const(11)
_DW_PAD_TOP = const(13)
_DW_PIXELS = const(16)
_DW_ROWS = const(17)
_DW_CHANNELS = const(18)
_CONV_ARG_OUT = const(0)
_CONV_ARG_X = const(1)
_CONV_ARG_WEIGHTS = const(2)
_CONV_ARG_INIT = const(3)
_CONV_ARG_RQ = const(4)
_CONV_ARG_ACC = const(5)
_CONV_ARG_SCRATCH = const(6)
_CONV_ARG_GEOMETRY = const(7)
_FC_ARG_OUT = const(0)
_FC_ARG_X = const(1)
_FC_ARG_WEIGHTS = const(2)
_FC_ARG_BIAS = const(3)
_FC_ARG_ACC = const(5)
_FC_ARG_CHUNK = const(6)
_FC_ARG_BATCHES = const(7)
_FC_ARG_DEPTH = const(8)
_FC_ARG_UNITS = const(9)
_FC_ARG_RQ = const(11)
_RQ_TABLES = const(0)
_RQ_CHANNELS = const(1)
_RQ_ZERO_POINT = const(2)
_RQ_LO = const(3)
_RQ_HI = const(4)
_RQ_ITEMSIZE = const(5)
_RQ_ACC_BITS = const(6)

_RUN = const(252)  # products w * u summed in a word: 252 * 2**23 < 2**31


@micropython.viper
def requantize_wide(acc, out, x: int, count: int, rq, first_channel: int):
    """requantize for int64 accumulators (acc: count of them, 8 bytes each).

    Called as requantize_wide(acc, out, out_start, count, rq, first_channel). With
    rq[RQ_ACC_BITS] 32, each accumulator's low word is moved to the front of acc (the int32
    sum TFLM's wrap-around keeps) and requantize runs on them. With 64, see the module
    docstring; the tables hold reduced multipliers (<= 0x7FFF) and right shifts (1..46).
    """
    if int(rq[_RQ_ACC_BITS]) == 32:
        words = ptr32(acc)
        for i in range(count):
            words[i] = words[2 * i]
        requantize(acc, out, x, count, rq, first_channel)
        return
    itemsize = int(rq[_RQ_ITEMSIZE])
    o = int(ptr8(out)) + x * itemsize
    reduced = ptr32(rq[_RQ_TABLES])
    channels = int(rq[_RQ_CHANNELS])
    rights = ptr8(int(reduced) + 4 * channels)
    zp = int(rq[_RQ_ZERO_POINT])
    lo = int(rq[_RQ_LO])
    hi = int(rq[_RQ_HI])
    zp_low = zp & 0xFFFF
    zp_high = zp >> 16
    a = ptr16(acc)
    c = first_channel % channels
    for i in range(count):
        m = reduced[c]
        right = int(rights[c])
        round_at = (right - 1) >> 4  # the limb 2**(right - 1) is in
        round_bit = 1 << ((right - 1) & 15)
        k = i << 2
        t = int(a[k]) * m
        if round_at == 0:
            t += round_bit
        y0 = t & 0xFFFF
        t = (t >> 16) + int(a[k + 1]) * m
        if round_at == 1:
            t += round_bit
        y1 = t & 0xFFFF
        t = (t >> 16) + int(a[k + 2]) * m
        if round_at == 2:
            t += round_bit
        y2 = t & 0xFFFF
        y3 = ((t >> 16) + int(a[k + 3]) * m) & 0xFFFF
        ext = 0  # the limbs above y3 repeat its sign
        if y3 & 0x8000:
            ext = 0xFFFF
        if right >= 32:
            y0 = y2
            y1 = y3
            y2 = ext
        elif right >= 16:
            y0 = y1
            y1 = y2
            y2 = y3
        r = right & 15
        mask = (1 << r) - 1
        low = (y0 >> r) | ((y1 & mask) << (16 - r))
        high = (y1 >> r) | ((y2 & mask) << (16 - r))
        low += zp_low
        high = (high + zp_high + (low >> 16)) & 0xFFFF
        v = (((high ^ 0x8000) - 0x8000) << 16) | (low & 0xFFFF)
        if v < lo:
            v = lo
        if v > hi:
            v = hi
        if itemsize == 1:
            ptr8(o)[0] = v
        elif itemsize == 2:
            ptr16(o)[0] = v
        else:
            ptr32(o)[0] = v
        o += itemsize
        c += 1
        if c == channels:
            c = 0


@micropython.viper
def _dot_rows(q: int, p: int, s: int, weights, w_at: int, u, u_at: int, n: int, rows: int, step: int, sums, sums_at: int):
    """sums[sums_at + r] (int32) = sum over k < n of weights[w_at + r * step + k] (int8)
    times u[u_at + k] (uint16), for r < rows. n <= _RUN keeps each sum within int32.
    Registers: q walks the weights, p the inputs, s the sum (callers pass 0)."""
    w0 = int(ptr8(weights)) + w_at
    u0 = int(ptr16(u)) + 2 * u_at
    out = ptr32(int(ptr32(sums)) + 4 * sums_at)
    quads = (n >> 2) << 2
    for r in range(rows):
        q = w0 + r * step
        p = u0
        s = 0
        end = q + quads
        while q < end:
            s += (
                ((int(ptr8(q)[0]) ^ 0x80) - 0x80) * int(ptr16(p)[0])
                + ((int(ptr8(q)[1]) ^ 0x80) - 0x80) * int(ptr16(p)[1])
                + ((int(ptr8(q)[2]) ^ 0x80) - 0x80) * int(ptr16(p)[2])
                + ((int(ptr8(q)[3]) ^ 0x80) - 0x80) * int(ptr16(p)[3])
            )
            q += 4
            p += 8
        end = w0 + r * step + n
        while q < end:
            s += ((int(ptr8(q)[0]) ^ 0x80) - 0x80) * int(ptr16(p)[0])
            q += 1
            p += 2
        out[r] = s


@micropython.viper
def _add_rows(acc, first: int, sums, sums_at: int, count: int):
    """acc[first + i] (int64) += sums[sums_at + i] (int32) for i < count, limb by limb."""
    a = ptr16(int(ptr16(acc)) + 8 * first)
    s32 = ptr32(int(ptr32(sums)) + 4 * sums_at)
    k31 = 31
    sign = 1 << k31
    for i in range(count):
        s = (s32[i] ^ sign) - sign
        ext = 0  # the sum's limbs above its 32 bits
        if s < 0:
            ext = 0xFFFF
        k = i << 2
        t = int(a[k]) + (s & 0xFFFF)
        a[k] = t
        t = (t >> 16) + int(a[k + 1]) + ((s >> 16) & 0xFFFF)
        a[k + 1] = t
        t = (t >> 16) + int(a[k + 2]) + ext
        a[k + 2] = t
        a[k + 3] = (t >> 16) + int(a[k + 3]) + ext


@micropython.viper
def _start_rows(acc, first: int, init, init_at: int, count: int):
    """acc[first + i] = init[init_at + i] (int64) for i < count."""
    dst = ptr32(int(ptr32(acc)) + 8 * first)
    src = ptr32(int(ptr32(init)) + 8 * init_at)
    for k in range(2 * count):
        dst[k] = src[k]


@micropython.viper
def _start_chunk(acc, init, rows: int, c0: int, n: int):
    """`rows` accumulator rows of the output channels c0 .. c0 + n from their init."""
    for row in range(rows):
        _start_rows(acc, row * n, init, c0, n)


@micropython.viper
def _requantize_chunk(acc, out, rq, pixel: int, rows: int, channels: int, c0: int, n: int):
    """requantize_wide of the `rows` accumulator rows of output channels c0 .. c0 + n from
    output pixel `pixel` on: a whole pass where they are every channel, else the chunk's
    outputs of its one pixel (a pass cut to chunks holds one)."""
    if n == channels:
        requantize_wide(acc, out, pixel * channels, rows * channels, rq, 0)
    else:
        requantize_wide(acc, out, pixel * channels + c0, n, rq, c0)


@micropython.viper
def flip_halfwords(buf, n: int):
    """buf's first n int16s ^= 0x8000: x <-> u = x + 32768, in place (its own inverse)."""
    h = ptr16(buf)
    for i in range(n):
        h[i] = h[i] ^ 0x8000


@micropython.viper
def fully_connected_16x8(args):
    """args: ulite.layouts.fully_connected, with FC_ARG_BIAS the int64 init per unit.

    Per batch row and chunk of units: accumulators from the init, runs of the row's
    products added (_dot_rows, _add_rows), requantize_wide. The input is flipped to u for
    the op. The accumulator buffer holds the chunk's int64 accumulators, then its int32 run
    sums.
    """
    out = args[_FC_ARG_OUT]
    x = args[_FC_ARG_X]
    weights = args[_FC_ARG_WEIGHTS]
    init = args[_FC_ARG_BIAS]
    acc = args[_FC_ARG_ACC]
    chunk = int(args[_FC_ARG_CHUNK])
    batches = int(args[_FC_ARG_BATCHES])
    depth = int(args[_FC_ARG_DEPTH])
    units = int(args[_FC_ARG_UNITS])
    rq = args[_FC_ARG_RQ]
    sums_at = 2 * chunk  # int32s after the chunk's int64s
    flip_halfwords(x, batches * depth)
    for b in range(batches):
        u0 = 0
        while u0 < units:
            n = units - u0
            if n > chunk:
                n = chunk
            _start_rows(acc, 0, init, u0, n)
            k0 = 0
            while k0 < depth:
                run = depth - k0
                if run > _RUN:
                    run = _RUN
                _dot_rows(0, 0, 0, weights, u0 * depth + k0, x, b * depth + k0, run, n, depth, acc, sums_at)
                _add_rows(acc, 0, acc, sums_at, n)
                k0 += run
            requantize_wide(acc, out, b * units + u0, n, rq, u0)
            u0 += n
    flip_halfwords(x, batches * depth)


@micropython.viper
def conv_16x8(args):
    """args = (out, x, weights, init, rq, acc, scratch, geometry): layouts.conv; scratch
    holds int32 run sums (one per filter of a group), then one pixel's patch."""
    _conv(0, 0, 0, args)


@micropython.viper
def _conv(q: int, a: int, b: int, args):
    """A pass of output pixels at a time, their accumulator rows from the init: per chunk
    of taps, the pixels' windows placed (windows), each pixel's patch per group is gathered
    as u (32768 outside the input) and the group's filters dot it in runs. Passes of rows
    are requantized together. Where the plan cut the scratch, the filters go in chunks,
    each over passes of one pixel (a group's patch gathered again for each).
    Registers: the gather's source q and destination a, and its end b (callers pass 0).
    """
    out = args[_CONV_ARG_OUT]
    xin = int(ptr16(args[_CONV_ARG_X]))
    weights = args[_CONV_ARG_WEIGHTS]
    init = args[_CONV_ARG_INIT]
    rq = args[_CONV_ARG_RQ]
    acc = args[_CONV_ARG_ACC]
    scratch = args[_CONV_ARG_SCRATCH]
    geometry = args[_CONV_ARG_GEOMETRY]
    geo = ptr32(geometry)
    channels = geo[_CONV_OUT_C]
    depth = geo[_CONV_DEPTH]
    per_group = geo[_CONV_PER_GROUP]
    per_chunk = geo[_CONV_TAPS_PER_CHUNK]
    pixels = geo[_CONV_PIXELS]
    rows = geo[_CONV_ROWS]
    taps = geo[_CONV_KH] * geo[_CONV_KW]
    filter_size = taps * depth
    placed = ptr32(TAPS)
    room = int(len(TAPS)) >> 2
    if per_chunk > room:
        per_chunk = room
    chunk = geo[_CONV_CHANNELS]
    patch_at = per_group  # uint16s: the patch follows the int32 sums of a group's filters
    if chunk < per_group:  # (of a chunk's)
        patch_at = chunk
    patch_at = 2 * patch_at
    patch = int(ptr16(scratch)) + 2 * patch_at
    pixel = 0
    while pixel < pixels:
        pass_end = pixel + rows
        if pass_end > pixels:
            pass_end = pixels
        c0 = 0
        while c0 < channels:
            c1 = c0 + chunk
            if c1 > channels:
                c1 = channels
            nc = c1 - c0
            _start_chunk(acc, init, pass_end - pixel, c0, nc)
            t0 = 0
            while t0 < taps:
                t1 = t0 + per_chunk
                if t1 > taps:
                    t1 = taps
                p = pixel
                while p < pass_end:
                    last = p + int(windows(0, 0, 0, geometry, _CONV_STRIDE_H, _CONV_DILATION_H, _CONV_PAD_TOP, p, pass_end, t0, t1))
                    tap = 0
                    while p < last:
                        row = (p - pixel) * nc
                        g = c0 // per_group
                        while g * per_group < c1:
                            first = g * per_group  # the group's filters in this chunk
                            if first < c0:
                                first = c0
                            filters = (g + 1) * per_group
                            if filters > c1:
                                filters = c1
                            filters -= first
                            a = patch
                            for t in range(tap, tap + t1 - t0):
                                q = placed[t]
                                b = a + 2 * depth
                                if q:
                                    q = xin + 2 * (q - 1 + g * depth)
                                    while a < b:
                                        ptr16(a)[0] = ptr16(q)[0] ^ 0x8000
                                        q += 2
                                        a += 2
                                else:
                                    while a < b:
                                        ptr16(a)[0] = 0x8000
                                        a += 2
                            n = (a - patch) >> 1
                            k0 = 0
                            while k0 < n:
                                run = n - k0
                                if run > _RUN:
                                    run = _RUN
                                w_at = first * filter_size + t0 * depth + k0
                                _dot_rows(0, 0, 0, weights, w_at, scratch, patch_at + k0, run, filters, filter_size, scratch, 0)
                                _add_rows(acc, row + first - c0, scratch, 0, filters)
                                k0 += run
                            g += 1
                        tap += t1 - t0
                        p += 1
                t0 = t1
            _requantize_chunk(acc, out, rq, pixel, pass_end - pixel, channels, c0, nc)
            c0 = c1
        pixel = pass_end


@micropython.viper
def depthwise_16x8(args):
    """args = (out, x, weights, init, rq, acc, scratch, geometry): layouts.conv; scratch
    holds int32 run sums (one per output channel of a chunk), then a pad row of in_c
    u = 32768.

    The input is flipped to u for the op (flip_halfwords) and back after.
    """
    x = args[_CONV_ARG_X]
    geo = ptr32(args[_CONV_ARG_GEOMETRY])
    pad_row = ptr16(int(ptr16(args[_CONV_ARG_SCRATCH])) + 4 * geo[_DW_CHANNELS])
    for c in range(geo[_DW_IN_C]):
        pad_row[c] = 0x8000
    size = int(len(x)) >> 1
    flip_halfwords(x, size)
    _depthwise(0, 0, 0, args)
    flip_halfwords(x, size)


@micropython.viper
def _depthwise(q: int, p: int, s: int, args):
    """A pass of output pixels at a time, their accumulator rows from the init: per chunk
    of taps, the pixels' windows placed (windows), pixel by pixel and tap by tap, all
    channels at once (input and weights are both channel-contiguous), each output channel o
    adds its tap weight times u of input channel o // multiplier, read from the input or,
    outside it, from the pad row; every _RUN taps, and at a pixel's last, the sums are added
    to its accumulator row. Passes of rows are requantized together. Where the plan cut the
    scratch, the channels go in chunks (of whole input channels), each over passes of one
    pixel.
    Registers: q walks the tap's weights, p its u values, s the sums (callers pass 0).
    """
    out = args[_CONV_ARG_OUT]
    xin = int(ptr16(args[_CONV_ARG_X]))
    weights = int(ptr8(args[_CONV_ARG_WEIGHTS]))
    init = args[_CONV_ARG_INIT]
    rq = args[_CONV_ARG_RQ]
    acc = args[_CONV_ARG_ACC]
    scratch = args[_CONV_ARG_SCRATCH]
    geometry = args[_CONV_ARG_GEOMETRY]
    geo = ptr32(geometry)
    in_c = geo[_DW_IN_C]
    channels = geo[_DW_OUT_C]
    multiplier = geo[_DW_MULTIPLIER]
    pixels = geo[_DW_PIXELS]
    rows = geo[_DW_ROWS]
    taps = geo[_DW_KH] * geo[_DW_KW]
    placed = ptr32(TAPS)
    room = int(len(TAPS)) >> 2
    chunk = geo[_DW_CHANNELS]
    sums = int(ptr32(scratch))
    pad_row = sums + 4 * chunk
    k31 = 31
    sign = 1 << k31
    pixel = 0
    while pixel < pixels:
        pass_end = pixel + rows
        if pass_end > pixels:
            pass_end = pixels
        c0 = 0
        while c0 < channels:
            c1 = c0 + chunk
            if c1 > channels:
                c1 = channels
            n = c1 - c0
            _start_chunk(acc, init, pass_end - pixel, c0, n)
            t0 = 0
            while t0 < taps:
                t1 = taps
                if t1 - t0 > room:
                    t1 = t0 + room
                pix = pixel
                while pix < pass_end:
                    last = pix + int(windows(0, 0, 0, geometry, _DW_STRIDE_H, _DW_DILATION_H, _DW_PAD_TOP, pix, pass_end, t0, t1))
                    tap = 0
                    while pix < last:
                        row = (pix - pixel) * n
                        for o in range(n):
                            ptr32(sums)[o] = 0
                        summed = 0
                        for t in range(t0, t1):
                            src = pad_row
                            at = placed[tap]
                            if at:
                                src = xin + 2 * (at - 1)
                            tap += 1
                            q = weights + t * channels + c0
                            s = sums
                            if multiplier == 1:
                                p = src + 2 * c0
                                end = q + n
                                while q < end:
                                    ptr32(s)[0] = ((ptr32(s)[0] ^ sign) - sign) + ((int(ptr8(q)[0]) ^ 0x80) - 0x80) * int(ptr16(p)[0])
                                    q += 1
                                    p += 2
                                    s += 4
                            else:
                                for c in range(c0 // multiplier, c1 // multiplier):
                                    p = int(ptr16(src)[c])
                                    end = q + multiplier
                                    while q < end:
                                        ptr32(s)[0] = ((ptr32(s)[0] ^ sign) - sign) + ((int(ptr8(q)[0]) ^ 0x80) - 0x80) * p
                                        q += 1
                                        s += 4
                            summed += 1
                            if summed == _RUN:
                                _add_rows(acc, row, scratch, 0, n)
                                for o in range(n):
                                    ptr32(sums)[o] = 0
                                summed = 0
                        if summed:
                            _add_rows(acc, row, scratch, 0, n)
                        pix += 1
                t0 = t1
            _requantize_chunk(acc, out, rq, pixel, pass_end - pixel, channels, c0, n)
            c0 = c1
        pixel = pass_end
