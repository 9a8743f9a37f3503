"""TRANSPOSE_CONV (TFLM transpose_conv.cc, reference/transpose_conv.h,
reference/integer_ops/transpose_conv.h).

Inputs: the output shape (int32; TFLM reads the output tensor's shape instead, and so does
ulite), weights [O, KH, KW, I], the input [B, H, W, I], an optional bias. float32; int8
(per-channel or per-tensor weights, int32 bias); 16x8 (int16 input and output, int8
weights, int64 or int16 bias, int64 sums, no zero points applied, as TFLM). Fused
activations, SAME and VALID padding, any strides (TFLM's padding: from the output size).

TFLM scatters each input pixel's products over the output: float32 straight into it,
int8 and 16x8 into int32 or int64 sums of the whole output in its scratch. ulite's float32
loop does the same (transpose_conv_float32: no scratch, and each output value's sum in
TFLM's order). For int8 and 16x8, every output value is also the sum a convolution
computes over U, the input upsampled by the strides (input pixel (iy, ix) at
(iy * stride_h, ix * stride_w), zeros between), with the kernel flipped in both axes, at
stride 1: where the plan grants the scratch for it, ulite runs the convolution loops
(conv_int8, conv_16x8, fast on every backend) over U, which each invoke builds in the op's
scratch, whole or a band of output rows at a time (fill with the input's zero,
copy_strided the input in; with stride 1, U is the input). They read the model's weights
as they are, walking the taps backwards: dilation -1, the window starting TFLM's padding
below the output pixel. Where the plan grants less (deep inputs to few filters, whose U
is large against the output), the scatter runs as TFLM's does (transpose_conv_int8,
transpose_conv_16x8), in TFLM's scratch.
"""

import struct
from array import array

from . import conv_common, copy_geometry, padding, wide
from .common import arity, const, io_types, require, unsupported
from ..views import float32_view
from .steps import upsample_bands_then_conv, upsample_then_conv

_OPTIONS = "TransposeConvOptions"
# weights, input[, bias] -> output (the output shape input's type is not read)
_SUPPORTED = (
    "float32,float32->float32",
    "float32,float32,float32->float32",
    "int8,int8->int8",
    "int8,int8,int32->int8",
    "int8,int16->int16",
    "int8,int16,int64->int16",
    "int8,int16,int16->int16",
)


def _tensors(op):
    """(input, weights, bias or None)."""
    return op.inputs[2], op.inputs[1], op.inputs[3] if len(op.inputs) > 3 else None


def _options(op):
    read = op.option
    return (
        read(_OPTIONS, 0, "b", 0),  # padding
        (read(_OPTIONS, 2, "i", 0), read(_OPTIONS, 1, "i", 0)),  # strides (h, w)
        read(_OPTIONS, 3, "b", 0),  # fused activation
    )


# Fields of ulite.layouts.conv, restated for the compiler to fold (see ulite.layouts).
_TC_BATCHES = const(0)
_TC_IN_H = const(1)
_TC_IN_W = const(2)
_TC_IN_C = const(3)
_TC_OUT_H = const(4)
_TC_OUT_W = const(5)
_TC_OUT_C = const(6)
_TC_KH = const(7)
_TC_KW = const(8)
_TC_STRIDE_H = const(9)
_TC_STRIDE_W = const(10)
_TC_PAD_TOP = const(11)
_TC_PAD_LEFT = const(12)
_TC_ZERO_POINT = const(13)
_TC_FIELDS = const(14)


def _upsampled_shape(shape, strides):
    """The shape of U for an input of `shape`."""
    batches, h, w, channels = shape
    return (batches, (h - 1) * strides[0] + 1, (w - 1) * strides[1] + 1, channels)


def _upsampled_bytes(x, strides):
    """Bytes of U in the op's scratch (none at stride 1: U is the input)."""
    if strides == (1, 1):
        return 0
    batches, h, w, channels = _upsampled_shape(x.shape, strides)
    return batches * h * w * channels * x.itemsize


def geometry(in_shape, weights_shape, out_shape, pads, strides, zp, band=0):
    """The im2col geometry (layouts.conv CONV_ fields) of the convolution over U (module
    docstring); pads = TFLM's (top, left), zp: the input's. band: of a band of that many
    output rows over the rows of U its windows read (kernel height - 1 more, from as many
    above its first row)."""
    _, kh, kw, depth = weights_shape
    upsampled = _upsampled_shape(in_shape, strides)
    if band:
        upsampled = (1, band + kh - 1) + upsampled[2:]
        out_shape = (1, band) + tuple(out_shape[2:])
        pads = (kh - 1, pads[1])
    window = ((1, 1), (-1, -1), (-pads[0], -pads[1]), zp)  # strides, dilations, pads, zp
    return conv_common.im2col_geometry(upsampled, out_shape, (kh, kw, depth, 1), *window)


def scatter_geometry(op):
    """The scatter loops' geometry (layouts.conv TC_ fields)."""
    x, weights, _ = _tensors(op)
    _, strides, _ = _options(op)
    out = op.outputs[0]
    geo = array("i", bytes(4 * _TC_FIELDS))
    geo[_TC_BATCHES], geo[_TC_IN_H], geo[_TC_IN_W], geo[_TC_IN_C] = x.shape
    geo[_TC_OUT_H], geo[_TC_OUT_W], geo[_TC_OUT_C] = out.shape[1:]
    geo[_TC_KH], geo[_TC_KW] = weights.shape[1:3]
    geo[_TC_STRIDE_H], geo[_TC_STRIDE_W] = strides
    geo[_TC_PAD_TOP], geo[_TC_PAD_LEFT] = _pads(op)
    geo[_TC_ZERO_POINT] = x.zero_point if x.dtype == "int8" else 0
    return geo


def _pads(op):
    """TFLM's padding (top, left), from the output size."""
    x, weights, _ = _tensors(op)
    pad, strides, _ = _options(op)
    return padding.window(op, pad, strides, (1, 1), op.outputs[0].shape[1:3], weights.shape[1:3])


def _check_shapes(op):
    x, weights, _ = _tensors(op)
    out = op.outputs[0]
    require(
        out.shape[0] == x.shape[0] and out.shape[3] == weights.shape[0] and x.shape[3] == weights.shape[3],
        op,
        "output %s, input %s and weights %s do not match", (out.shape, x.shape, weights.shape),
    )


def _geometry(op, band=0):
    """The geometry of the convolution over U (of a band of output rows: see geometry)."""
    x, weights, _ = _tensors(op)
    _, strides, _ = _options(op)
    zp = x.zero_point if x.dtype == "int8" else 0
    geo = geometry(x.shape, weights.shape, op.outputs[0].shape, _pads(op), strides, zp, band)
    return conv_common.geometry_16x8(geo) if x.dtype == "int16" else geo


def _table_bytes(weights, x):
    """Persistent bytes of the int8 or 16x8 tables (float32 keeps none)."""
    channels = weights.shape[0]
    if x.dtype == "int16":
        return wide.table_bytes(channels, weights.channels())
    return conv_common.table_bytes(weights, channels)


def _band_bytes(x, kh, strides, rows):
    """Bytes of the rows of U (of one image) that a band of `rows` output rows reads."""
    _, _, uw, channels = _upsampled_shape(x.shape, strides)
    return (rows + kh - 1) * uw * channels * x.itemsize


def band_rows(x, kh, strides, out_h, room):
    """Output rows per band where U takes more than `room` bytes (the scratch beyond the
    convolution's least), else 0: U whole."""
    if room >= _upsampled_bytes(x, strides):
        return 0
    return min(out_h, room // _band_bytes(x, 1, strides, 1) - (kh - 1))


def _conv_bytes(geo, x, least=False):
    """Bytes of the convolution loop's scratch, full or least (words: U follows it)."""
    size = conv_common.least_scratch_bytes if least else conv_common.im2col_scratch_bytes
    return (size(geo, x.itemsize) + 3) & ~3


def least_gather_bytes(x, weights, strides, geo):
    """The least scratch of the convolution over U: its loop's least, then U a band of one
    output row at a time (or none, at stride 1)."""
    least_u = min(_upsampled_bytes(x, strides), _band_bytes(x, weights.shape[1], strides, 1))
    return _conv_bytes(geo, x, True) + least_u


def way(x, weights, geo, strides, out_h, granted):
    """How prepare runs an int8 or 16x8 op granted `granted` scratch bytes, geo the
    geometry of its convolution over U: None to scatter, else output rows per band of U
    (0: U whole)."""
    if granted < least_gather_bytes(x, weights, strides, geo):
        return None
    return band_rows(x, weights.shape[1], strides, out_h, granted - _conv_bytes(geo, x, True))


def scatter_bytes(out):
    """The scatter's scratch, TFLM's: int32 (int8) or int64 (16x8) sums of the output."""
    return 4 * out.itemsize * out.size


def check(op, requests):
    arity(op, (3, 4), 1)
    x, weights, bias = _tensors(op)
    out = op.outputs[0]
    if ",".join(t.dtype for t in (weights, x, bias) if t is not None) + "->" + out.dtype not in _SUPPORTED:
        conv_common.refuse_hybrid(x, weights)
        unsupported(io_types(op))
    conv_common.check_tensors(op, x, weights, bias, weights.shape[0] if len(weights.shape) == 4 else 0)
    _check_shapes(op)
    requests.tflm_tables(conv_common.tflm_table_bytes(weights.shape[0]))
    if x.dtype == "float32":
        return
    requests.tflm_scratch(scatter_bytes(out))
    geo = _geometry(op)
    if x.dtype == "int16":
        wide.check_shifts(conv_common.multipliers(op, x, weights, 0))
    requests.persistent(_table_bytes(weights, x))
    strides = _options(op)[1]
    requests.ints(geo)
    least = min(least_gather_bytes(x, weights, strides, geo), scatter_bytes(out))
    requests.scratch(_conv_bytes(geo, x) + _upsampled_bytes(x, strides), least)


def prepare(op, context):
    x, weights, bias = _tensors(op)
    out = op.outputs[0]
    _, strides, activation = _options(op)
    if x.dtype == "float32":
        views = tuple(float32_view(t.data) if t is not None else None for t in (out, x, weights, bias))
        rest = (scatter_geometry(op),) + conv_common.float_limits(activation) + (array("f", (0.0, 0.0)),)
        return context.loops.transpose_conv_float32, views + rest
    geo = _geometry(op)
    scratch = context.scratch  # as the plan granted it: the convolution's, then U
    granted = len(scratch) if scratch else 0
    band = way(x, weights, geo, strides, out.shape[1], granted)
    if band is None:
        return _prepare_scatter(op, context)
    upsampled = _upsampled_bytes(x, strides)
    kh = weights.shape[1]
    if band:
        upsampled = _band_bytes(x, kh, strides, band)
        geo = _geometry(op, band)
    at = (granted - upsampled) & ~3
    geo = conv_common.fit_scratch(geo, at, x.itemsize)
    u = scratch[at : at + upsampled] if upsampled else x.data
    if x.dtype == "int16":
        init, rq = conv_common.tables_16x8(op, context, x, weights, bias, 0, activation)
        args = conv_common.im2col_args(out.data, u, context, weights.data, init, rq, geo, 2)
        fn = context.loops.conv_16x8
    else:
        init, rq = conv_common.int8_tables(op, context, x, weights, bias, 0, activation)
        args = conv_common.im2col_args(out.data, u, context, weights.data, init, rq, geo)
        fn = conv_common.int8_loop(context, geo)
    if strides == (1, 1):
        return fn, args
    zero = bytearray(4)  # the input's zero: TFLM's int8 kernel offsets the input by its zp
    if x.dtype == "int8":
        struct.pack_into("<b", zero, 0, x.zero_point)
    loops = (context.loops.fill, context.loops.copy_strided)
    batches, h, w, channels = x.shape
    _, uh, uw, _ = _upsampled_shape(x.shape, strides)
    if band:
        copy, fields = copy_geometry.band_geometry(
            x.itemsize, (h, w, channels), (w * channels, channels, 1), (strides[0] * uw * channels, strides[1] * channels, 1)
        )
        upsample = (u, len(u), zero, x.itemsize, (u, x.data, copy), fields)
        bands = _bands(op, band, strides)
        return upsample_bands_then_conv, (loops, upsample, fn, list(args), bands)
    dst_steps = (uh * uw * channels, strides[0] * uw * channels, strides[1] * channels, 1)
    src_steps = copy_geometry.row_major_strides(x.shape)
    copy = copy_geometry.geometry(x.itemsize, 0, 0, x.shape, src_steps, dst_steps)
    upsample = (u, len(u), zero, x.itemsize, (u, x.data, copy))
    return upsample_then_conv, (loops, upsample, fn, args)


def _prepare_scatter(op, context):
    """TFLM's scatter, in TFLM's scratch: the tables' init is the bias alone."""
    x, weights, bias = _tensors(op)
    out = op.outputs[0]
    activation = _options(op)[2]
    acc = context.scratch[: scatter_bytes(out)]
    if x.dtype == "int16":
        init, rq = conv_common.tables_16x8(op, context, x, weights, bias, 0, activation, bias_only=True)
        fn = context.loops.transpose_conv_16x8
    else:
        init, rq = conv_common.int8_tables(op, context, x, weights, bias, 0, activation, bias_only=True)
        fn = context.loops.transpose_conv_int8
    return fn, (out.data, x.data, weights.data, init, rq, acc, None, scatter_geometry(op))


def band_walk(h, out_h, band, kh, top, stride_h):
    """(first output row, U's row at the band's row 0, first input row copied, input rows
    copied) of each band of `band` output rows of one image: from the top, the last one
    ending at the image's bottom (its rows computed twice come out the same). h: the
    input's rows, top: TFLM's padding."""
    walk = []
    for first in range(0, out_h, band):
        first = min(first, out_h - band)
        u0 = first + top - (kh - 1)
        iy0 = max(0, -(-u0 // stride_h))
        iy1 = min(h, (u0 + band + kh - 2 + stride_h) // stride_h)
        walk.append((first, u0, iy0, max(0, iy1 - iy0)))
    return walk


def _bands(op, band, strides):
    """(output view, first input element copied, where it goes in U's band, input rows
    copied) of each band of `band` output rows (band_walk), image by image."""
    x, weights, _ = _tensors(op)
    out = op.outputs[0]
    batches, h, w, channels = x.shape
    _, out_h, out_w, out_c = out.shape
    uw = (w - 1) * strides[1] + 1
    row_bytes = out_w * out_c * out.itemsize
    walk = band_walk(h, out_h, band, weights.shape[1], _pads(op)[0], strides[0])
    bands = []
    for image in range(batches):
        for first, u0, iy0, rows in walk:
            at = (image * out_h + first) * row_bytes
            view = out.data[at : at + band * row_bytes]
            src = (image * h + iy0) * w * channels
            bands.append((view, src, (iy0 * strides[0] - u0) * uw * channels, rows))
    return tuple(bands)
