"""Pooling loops in plain Python: the twins of viper's pool (same arguments and results)."""

from .conv import words


def _pool(args, average):
    out, x, geo = args
    geo = words(geo)
    in_h, in_w, channels, out_h, out_w, fh, fw, sh, sw, pad_top, pad_left, lo, hi = geo[:13]
    for pixel in range(geo[13]):
        batch, rest = divmod(pixel, out_h * out_w)
        oy, ox = divmod(rest, out_w)
        y0, x0 = oy * sh - pad_top, ox * sw - pad_left
        rows = range(max(y0, 0), min(y0 + fh, in_h))
        cols = range(max(x0, 0), min(x0 + fw, in_w))
        for c in range(channels):
            values = [
                (x[((batch * in_h + iy) * in_w + ix) * channels + c] ^ 0x80) - 0x80
                for iy in rows
                for ix in cols
            ]
            if average:
                total, n = sum(values), len(values)
                # TFLM: round half away from zero with C (truncating) division
                v = (total + n // 2) // n if total > 0 else -((n // 2 - total) // n)
            else:
                v = max(values)
            out[pixel * channels + c] = max(lo, min(hi, v)) & 0xFF


def average_pool_int8(args):
    _pool(args, True)


def max_pool_int8(args):
    _pool(args, False)
