"""DEPTHWISE_CONV_2D (TFLM depthwise_conv_common.cc, reference/integer_ops/depthwise_conv.h).

int8: per-channel (dim 3) or per-tensor int8 weights, optional int32 bias, any depth
multiplier (taken from the options, as TFLM does: output channel = input channel * dm + m),
strides, dilations, SAME/VALID padding, fused activations. float32: TFLM's reference loops
with float32 rounding.

The int8 loops add each tap's weights times the input into a row of int32 accumulators per
output pixel; taps outside the input read a row of the input zero point from the work
region (they then contribute exactly zero), so border pixels cost what interior ones do.
Large depth multipliers run as grouped convolutions instead (see _grouped).
"""

import array

from . import conv_common, padding
from .common import arity, keep_ints, require, unsupported

_OPTIONS = "DepthwiseConv2DOptions"
ACC_INTS = 512  # accumulators of a pass, at most (fewer on small ops)
GROUPED_FROM_MULTIPLIER = 4
GROUPED_WEIGHT_BYTES = 4096


def _options(op):
    read = op.option
    return (
        read(_OPTIONS, 0, "b", 0),  # padding
        (read(_OPTIONS, 2, "i", 0), read(_OPTIONS, 1, "i", 0)),  # strides (h, w)
        (read(_OPTIONS, 6, "i", 1), read(_OPTIONS, 5, "i", 1)),  # dilations (h, w)
        read(_OPTIONS, 3, "i", 0),  # depth multiplier
        read(_OPTIONS, 4, "b", 0),  # fused activation
    )


def _geometry(op):
    """Validated shapes and padding, in the loops' int32 layout (see loops' conv)."""
    x, weights, out = op.inputs[0], op.inputs[1], op.outputs[0]
    pad, strides, dilations, multiplier, _ = _options(op)
    batches, in_h, in_w, in_c = x.shape
    one, kh, kw, out_c = weights.shape
    out_b, out_h, out_w, out_c2 = out.shape
    require(one == 1, op, "filter shape %s must start with 1" % (weights.shape,))
    require(multiplier >= 1, op, "depth multiplier must be at least 1, got %d" % multiplier)
    require(
        out_b == batches and out_c2 == out_c == in_c * multiplier,
        op,
        "output %s and filter %s do not match input %s with depth multiplier %d"
        % (out.shape, weights.shape, x.shape, multiplier),
    )
    pad_top, pad_left = padding.window(op, pad, strides, dilations, (in_h, in_w), (kh, kw))
    zp = x.zero_point if x.dtype == "int8" else 0
    # accumulator rows: fewer on small ops, whose scratch would otherwise set the arena size
    acc_ints = min(ACC_INTS, (x.nbytes + out.nbytes) // 32)
    rows = max(1, acc_ints // out_c)
    return array.array(
        "i",
        (
            in_h, in_w, in_c, out_h, out_w, out_c, kh, kw, multiplier,
            strides[0], strides[1], dilations[0], dilations[1], pad_top, pad_left,
            zp + 128, batches * out_h * out_w, rows,
        ),
    )  # fmt: skip


def _grouped(op, geo):
    """The im2col geometry of the op run as a grouped convolution, or None.

    With a depth multiplier of GROUPED_FROM_MULTIPLIER or more, the int8 op runs as a
    convolution with one group per input channel and `multiplier` filters of depth 1 each:
    the im2col loop then shares every gathered tap among a channel's filters. Their weights
    are reordered per filter ([O, KH, KW, 1]) into the arena, so only small filters qualify,
    and only when that and the im2col scratch are small next to the op's own activations
    (on small models they would otherwise set the arena's size).
    """
    taps, channels = geo[6] * geo[7], geo[5]
    if geo[8] < GROUPED_FROM_MULTIPLIER or taps * channels > GROUPED_WEIGHT_BYTES:
        return None
    x, out = op.inputs[0], op.outputs[0]
    filters = (geo[6], geo[7], 1, geo[2])
    pads = (geo[13], geo[14])
    grouped = conv_common.im2col_geometry(
        x.shape, out.shape, filters, (geo[9], geo[10]), (geo[11], geo[12]), pads, x.zero_point
    )
    extra = conv_common.im2col_scratch_bytes(grouped) + taps * channels
    return grouped if 4 * extra <= x.nbytes + out.nbytes else None


def check(op):
    arity(op, (2, 3), 1)
    weights = op.inputs[1]
    channels = weights.shape[3] if len(weights.shape) == 4 else 0
    is_int8 = conv_common.check_types(op, channels)
    geo = _geometry(op)
    if not is_int8:
        return
    op.request_persistent(conv_common.table_bytes(op, channels))
    grouped = _grouped(op, geo)
    if grouped:
        op.request_persistent(geo[6] * geo[7] * channels)  # the reordered weights
        op.request_ints(grouped)
        op.request_scratch(conv_common.im2col_scratch_bytes(grouped))
        return
    op.request_ints(geo)
    if op.inputs[0].is_constant:
        unsupported("constant int8 input")  # the loops flip the input's sign bits in place
    op.request_scratch(4 * geo[17] * channels + geo[2])  # accumulators, pad row


def prepare(op):
    geo = _geometry(op)
    activation = _options(op)[4]
    if op.outputs[0].dtype == "float32":
        return _run_float, conv_common.float_args(op, geo, activation)
    channels, taps = geo[5], geo[6] * geo[7]
    init, rq = conv_common.int8_tables(op, 3, taps, activation)
    grouped = _grouped(op, geo)
    if grouped:
        start = conv_common.table_bytes(op, channels)
        reordered = op.persistent[start : start + taps * channels]
        weights = op.inputs[1].data
        for o in range(channels):
            for t in range(taps):
                reordered[o * taps + t] = weights[t * channels + o]
        return op.loops.conv_int8, conv_common.im2col_args(op, reordered, init, rq, grouped)
    acc_bytes = 4 * geo[17] * channels
    acc = op.scratch[:acc_bytes]
    pad_row = op.scratch[acc_bytes : acc_bytes + geo[2]]
    geo = keep_ints(op, geo)
    args = (op.outputs[0].data, op.inputs[0].data, op.inputs[1].data, init, rq, acc, pad_row, geo)
    return op.loops.depthwise_int8, args


def _run_float(args):
    """reference/depthwise_conv.h: float32 sums over in-bounds taps, then bias and clamp."""
    out, x, w, bias, geo, lo, hi, f32 = args
    in_h, in_w, in_c, out_h, out_w, out_c, kh, kw, multiplier = geo[:9]
    sh, sw, dh, dw, pad_top, pad_left = geo[9:15]
    for pixel in range(geo[16]):
        b, rest = divmod(pixel, out_h * out_w)
        oy, ox = divmod(rest, out_w)
        for o in range(out_c):
            f32[0] = 0.0
            for ky in range(kh):
                iy = oy * sh - pad_top + ky * dh
                if not 0 <= iy < in_h:
                    continue
                for kx in range(kw):
                    ix = ox * sw - pad_left + kx * dw
                    if not 0 <= ix < in_w:
                        continue
                    f32[1] = (
                        x[((b * in_h + iy) * in_w + ix) * in_c + o // multiplier]
                        * w[(ky * kw + kx) * out_c + o]
                    )
                    f32[0] = f32[0] + f32[1]
            if bias is not None:
                f32[0] = f32[0] + bias[o]
            out[pixel * out_c + o] = min(max(f32[0], lo), hi)
