"""Pooling loops in plain Python: the twins of viper's pool (same arguments and results)."""

import struct

from ...layouts import pool as layout
from ...views import int32_view as _i32
from .core import _FORMATS


def _pool(args, average, itemsize):
    out, x, geo = args
    geo = _i32(geo)
    fmt = _FORMATS[itemsize]
    in_h, in_w = geo[layout.POOL_IN_H], geo[layout.POOL_IN_W]
    channels = geo[layout.POOL_CHANNELS]
    out_h, out_w = geo[layout.POOL_OUT_H], geo[layout.POOL_OUT_W]
    fh, fw = geo[layout.POOL_FILTER_H], geo[layout.POOL_FILTER_W]
    sh, sw = geo[layout.POOL_STRIDE_H], geo[layout.POOL_STRIDE_W]
    pad_top, pad_left = geo[layout.POOL_PAD_TOP], geo[layout.POOL_PAD_LEFT]
    lo, hi = geo[layout.POOL_LO], geo[layout.POOL_HI]
    for pixel in range(geo[layout.POOL_PIXELS]):
        batch, rest = divmod(pixel, out_h * out_w)
        oy, ox = divmod(rest, out_w)
        y0, x0 = oy * sh - pad_top, ox * sw - pad_left
        rows = range(max(y0, 0), min(y0 + fh, in_h))
        cols = range(max(x0, 0), min(x0 + fw, in_w))
        for c in range(channels):
            values = [
                struct.unpack_from(fmt, x, (((batch * in_h + iy) * in_w + ix) * channels + c) * itemsize)[0]
                for iy in rows
                for ix in cols
            ]
            if average:
                total, n = sum(values), len(values)
                # TFLM: round half away from zero with C (truncating) division
                v = (total + n // 2) // n if total > 0 else -((n // 2 - total) // n)
            else:
                v = max(values)
            struct.pack_into(fmt, out, (pixel * channels + c) * itemsize, max(lo, min(hi, v)))


def average_pool_int8(args):
    _pool(args, True, 1)


def max_pool_int8(args):
    _pool(args, False, 1)
