"""AVERAGE_POOL_2D and MAX_POOL_2D (TFLM pooling_common.cc, reference/integer_ops/pooling.h).

int8, int16 and float32; filter size, strides, SAME/VALID padding, fused activations.
Only taps inside the input count: the integer average divides the sum of in-bounds values
by their number, rounding half away from zero (C division), then clamps. Input and output
must share zero point and scale (within 1e-6, compared exactly in double as TFLM does).
"""

import array

from .. import quant
from ..tensor import INT32_MAX, INT_RANGES
from ..views import float32_view
from . import padding
from .common import (
    activation_bounds,
    aligned,
    arity,
    const,
    io_types,
    keep_ints,
    quantized,
    refuse,
    require,
    unsupported,
)
from .conv_common import float_limits

# Fields of ulite.layouts.pool, restated for the compiler to fold (see ulite.layouts).
_POOL_IN_H = const(0)
_POOL_IN_W = const(1)
_POOL_CHANNELS = const(2)
_POOL_OUT_H = const(3)
_POOL_OUT_W = const(4)
_POOL_FILTER_H = const(5)
_POOL_FILTER_W = const(6)
_POOL_STRIDE_H = const(7)
_POOL_STRIDE_W = const(8)
_POOL_PAD_TOP = const(9)
_POOL_PAD_LEFT = const(10)
_POOL_LO = const(11)
_POOL_HI = const(12)
_POOL_PIXELS = const(13)
_POOL_FIELDS = const(14)

_OPTIONS = "Pool2DOptions"
_AVERAGE_POOL_2D = const(1)  # builtin operator code (MAX_POOL_2D is the other)
_ONE_MILLIONTH = quant.Exact(4722366482869645, -72)  # the double nearest 1e-6


def _geometry(op):
    """Validated shapes and padding, as the pooling geometry (a list)."""
    x, out = op.inputs[0], op.outputs[0]
    read = op.option
    pad = read(_OPTIONS, 0, "b", 0)
    strides = (read(_OPTIONS, 2, "i", 0), read(_OPTIONS, 1, "i", 0))
    size = (read(_OPTIONS, 4, "i", 0), read(_OPTIONS, 3, "i", 0))
    for t in (x, out):
        if len(t.shape) != 4:
            refuse(op, "tensor %d '%s' must be 4-D, has shape %s" % (t.index, t.name, t.shape))
    batches, in_h, in_w, channels = x.shape
    require(
        out.shape[0] == batches and out.shape[3] == channels,
        op,
        "output %s does not match input %s", (out.shape, x.shape),
    )
    out_h, out_w = out.shape[1], out.shape[2]
    pad_top, pad_left = padding.window(op, pad, strides, (1, 1), (in_h, in_w), size)
    for oy, ox in ((0, 0), (out_h - 1, out_w - 1)):  # windows move monotonically
        rows = _span(oy * strides[0] - pad_top, size[0], in_h)
        cols = _span(ox * strides[1] - pad_left, size[1], in_w)
        require(
            out_h * out_w == 0 or (rows and cols),
            op,
            "output pixel (%d, %d) has no input in its window", (oy, ox),
        )
    geo = [0] * _POOL_FIELDS  # the integer clamp, POOL_LO and POOL_HI, is _quantized_geometry's
    geo[_POOL_IN_H] = in_h
    geo[_POOL_IN_W] = in_w
    geo[_POOL_CHANNELS] = channels
    geo[_POOL_OUT_H] = out_h
    geo[_POOL_OUT_W] = out_w
    geo[_POOL_FILTER_H], geo[_POOL_FILTER_W] = size
    geo[_POOL_STRIDE_H], geo[_POOL_STRIDE_W] = strides
    geo[_POOL_PAD_TOP] = pad_top
    geo[_POOL_PAD_LEFT] = pad_left
    geo[_POOL_PIXELS] = batches * out_h * out_w
    return geo


def _span(start, size, limit):
    return min(start + size, limit) - max(start, 0) > 0


def _same_scale(a_bits, b_bits):
    """|(double)a - (double)b| <= 1e-6, exactly."""
    a, b = quant.from_float32_bits(a_bits), quant.from_float32_bits(b_bits)
    e = min(a.e, b.e, _ONE_MILLIONTH.e)
    diff = abs((a.m << (a.e - e)) - (b.m << (b.e - e)))
    return diff <= _ONE_MILLIONTH.m << (_ONE_MILLIONTH.e - e)


def check(op, requests):
    arity(op, 1, 1)
    types = io_types(op)
    if types not in ("int8->int8", "int16->int16", "float32->float32"):
        unsupported(types)
    geo = _geometry(op)
    if types != "float32->float32":
        rows = min(geo[_POOL_FILTER_H], geo[_POOL_IN_H])
        taps = rows * min(geo[_POOL_FILTER_W], geo[_POOL_IN_W])
        if -INT_RANGES[op.inputs[0].dtype][0] * taps > INT32_MAX:
            unsupported("a %d-tap window's int32 sum could overflow" % taps)
        x, out = quantized(op, aligned(op.inputs[0])), quantized(op, op.outputs[0])
        require(
            x.zero_point == out.zero_point and _same_scale(x.scale_bits(), out.scale_bits()),
            op,
            "input and output quantization differ (scale %g/%g, zero point %d/%d)", (x.scale, out.scale, x.zero_point, out.zero_point),
        )
        requests.ints(_quantized_geometry(op))


def _quantized_geometry(op):
    geo = _geometry(op)
    activation = op.option(_OPTIONS, 5, "b", 0)
    geo[_POOL_LO], geo[_POOL_HI] = activation_bounds(op, activation, op.outputs[0])
    return geo


def prepare(op, context):
    average = op.code == _AVERAGE_POOL_2D
    x, out = op.inputs[0], op.outputs[0]
    if out.dtype == "float32":
        views = (float32_view(out.data), float32_view(x.data), _geometry(op), average)
        activation = op.option(_OPTIONS, 5, "b", 0)
        return _run_float, views + float_limits(activation) + (array.array("f", (0.0,)),)
    loops = context.loops
    if out.dtype == "int16":
        loop = loops.average_pool_int16 if average else loops.max_pool_int16
    else:
        loop = loops.average_pool_int8 if average else loops.max_pool_int8
    return loop, (out.data, x.data, keep_ints(context, _quantized_geometry(op)))


def _run_float(args):
    """reference/pooling.h AveragePool / MaxPool for float32."""
    out, x, geo, average, lo, hi, f32 = args
    in_h, in_w = geo[_POOL_IN_H], geo[_POOL_IN_W]
    channels = geo[_POOL_CHANNELS]
    out_h, out_w = geo[_POOL_OUT_H], geo[_POOL_OUT_W]
    fh, fw = geo[_POOL_FILTER_H], geo[_POOL_FILTER_W]
    sh, sw = geo[_POOL_STRIDE_H], geo[_POOL_STRIDE_W]
    pad_top, pad_left = geo[_POOL_PAD_TOP], geo[_POOL_PAD_LEFT]
    for pixel in range(geo[_POOL_PIXELS]):
        b, rest = divmod(pixel, out_h * out_w)
        oy, ox = divmod(rest, out_w)
        y0, x0 = oy * sh - pad_top, ox * sw - pad_left
        for c in range(channels):
            f32[0] = 0.0
            count = 0
            best = None
            for iy in range(max(y0, 0), min(y0 + fh, in_h)):
                for ix in range(max(x0, 0), min(x0 + fw, in_w)):
                    v = x[((b * in_h + iy) * in_w + ix) * channels + c]
                    f32[0] = f32[0] + v
                    count += 1
                    best = v if best is None or v > best else best
            if average:
                f32[0] = f32[0] / count
                v = f32[0]
            else:
                v = best
            out[pixel * channels + c] = min(max(v, lo), hi)
