"""CONV_2D (TFLM conv_common.cc, reference/integer_ops/conv.h, reference/conv.h).

int8: per-channel (dim 0) or per-tensor int8 weights, optional int32 bias, strides,
dilations, SAME/VALID padding, grouped convolution (filter depth dividing the input depth),
fused activations. float32: TFLM's reference loops with float32 rounding.

The int8 loops take 8 output pixels at a time (4 with more filters than
conv_common.WIDE_LANES_UP_TO, to keep the accumulator rows small): their patches are
gathered (im2col, padding with the input zero point) into the shared work region, in chunks
of taps of at most conv_common.IM2COL_BYTES, and every filter runs over all of the block's
patches at once. The dot products land in rows of int32 accumulators (one per output pixel,
also in the work region) that `requantize` turns into outputs.
"""

from . import conv_common, padding
from .common import arity, require

_OPTIONS = "Conv2DOptions"


def _options(op):
    read = op.option
    return (
        read(_OPTIONS, 0, "b", 0),  # padding
        (read(_OPTIONS, 2, "i", 0), read(_OPTIONS, 1, "i", 0)),  # strides (h, w)
        (read(_OPTIONS, 5, "i", 1), read(_OPTIONS, 4, "i", 1)),  # dilations (h, w)
        read(_OPTIONS, 3, "b", 0),  # fused activation
    )


def _geometry(op):
    """Validated shapes, padding and grouping, in the loops' int32 layout (see loops' conv)."""
    x, weights, out = op.inputs[0], op.inputs[1], op.outputs[0]
    pad, strides, dilations, _ = _options(op)
    batches, in_h, in_w, in_c = x.shape
    out_c, kh, kw, depth = weights.shape
    out_b, out_h, out_w, out_c2 = out.shape
    require(
        out_b == batches and out_c2 == out_c,
        op,
        "output %s does not match input %s and %d filters" % (out.shape, x.shape, out_c),
    )
    require(
        depth > 0 and in_c % depth == 0,
        op,
        "filter depth %d does not divide input depth %d" % (depth, in_c),
    )
    groups = in_c // depth
    require(out_c % groups == 0, op, "%d filters do not split into %d groups" % (out_c, groups))
    pad_top, pad_left = padding.window(op, pad, strides, dilations, (in_h, in_w), (kh, kw))
    zp = op.inputs[0].zero_point if x.dtype == "int8" else 0
    return conv_common.im2col_geometry(
        x.shape, out.shape, (kh, kw, depth, groups), strides, dilations, (pad_top, pad_left), zp
    )


def check(op):
    arity(op, (2, 3), 1)
    channels = op.inputs[1].shape[0] if len(op.inputs[1].shape) == 4 else 0
    is_int8 = conv_common.check_types(op, channels)
    geo = _geometry(op)
    if is_int8:
        op.request_persistent(conv_common.table_bytes(op, channels))
        op.request_ints(geo)
        op.request_scratch(conv_common.im2col_scratch_bytes(geo))


def prepare(op):
    geo = _geometry(op)
    _, _, _, activation = _options(op)
    if op.outputs[0].dtype == "float32":
        return _run_float, conv_common.float_args(op, geo, activation)
    depth = geo[6] * geo[7] * geo[8]
    init, rq = conv_common.int8_tables(op, 0, depth, activation)
    args = conv_common.im2col_args(op, op.inputs[1].data, init, rq, geo)
    return op.loops.conv_int8, args


def _run_float(args):
    """reference/conv.h: float32 sums over in-bounds taps, then bias and the clamp."""
    out, x, w, bias, geo, lo, hi, f32 = args
    in_h, in_w, in_c, out_h, out_w, out_c, kh, kw, depth, per_group = geo[:10]
    sh, sw, dh, dw, pad_top, pad_left = geo[11:17]
    pixels = geo[19]
    for pixel in range(pixels):
        b, rest = divmod(pixel, out_h * out_w)
        oy, ox = divmod(rest, out_w)
        for o in range(out_c):
            first_channel = o // per_group * depth
            f32[0] = 0.0
            for ky in range(kh):
                iy = oy * sh - pad_top + ky * dh
                if not 0 <= iy < in_h:
                    continue
                for kx in range(kw):
                    ix = ox * sw - pad_left + kx * dw
                    if not 0 <= ix < in_w:
                        continue
                    src = ((b * in_h + iy) * in_w + ix) * in_c + first_channel
                    tap = ((o * kh + ky) * kw + kx) * depth
                    for c in range(depth):
                        f32[1] = x[src + c] * w[tap + c]  # float32 product, then float32 sum
                        f32[0] = f32[0] + f32[1]
            if bias is not None:
                f32[0] = f32[0] + bias[o]
            out[pixel * out_c + o] = min(max(f32[0], lo), hi)
