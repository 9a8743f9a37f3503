"""Real values to and from quantized ones, exactly as TFLM's reference QUANTIZE and
DEQUANTIZE compute them (quantize_common.cc, dequantize.cc): shared by those kernels and by
Tensor.set_floats / Tensor.floats.

- quantize: q = clamp(round_half_away(float32(x / scale)) + zero point), x taken as float32
  (TFLM's input), the quotient rounded to float32 as TFLM divides in float; NaN gives the
  zero point, quotients beyond int32 the clamp bounds.
- dequantize: float32(scale * (q - zero point)).
Results go through a float32 array, so a port with double-precision floats gives the values
of a single-precision board.
"""

import array
import struct

FORMATS = {"int8": "<b", "int16": "<h", "uint8": "<B"}  # the quantized dtypes
ROUNDED = array.array("f", [0.0])  # rounds to float32: one, so set_floats allocates nothing


def round_half_away(v):
    r = int(v)
    frac = v - r
    if frac >= 0.5:
        r += 1
    elif frac <= -0.5:
        r -= 1
    return r


def quantize(args):
    """out (bytes, `fmt` items of `itemsize`) = x (`count` reals) quantized."""
    x, out, fmt, itemsize, count, scale, zp, lo, hi = args
    f32 = ROUNDED
    for i in range(count):
        f32[0] = x[i]
        f32[0] = f32[0] / scale
        v = f32[0]
        if v != v:
            q = zp
        elif v >= 2147483647.0:
            q = hi
        elif v <= -2147483648.0:
            q = lo
        else:
            q = round_half_away(v) + zp
        struct.pack_into(fmt, out, i * itemsize, lo if q < lo else hi if q > hi else q)


def dequantize(args):
    """out (a float32 view or array, `count` items) = x (bytes of `fmt` items) dequantized."""
    x, fmt, itemsize, out, count, scale, zp = args
    for i in range(count):
        out[i] = scale * (struct.unpack_from(fmt, x, i * itemsize)[0] - zp)
