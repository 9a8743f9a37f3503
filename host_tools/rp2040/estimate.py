"""RP2040 time per invoke (Cortex-M0+ at 133 MHz), estimated without a board.

    instructions = kernel instructions + other instructions
    cycles       = kernel cycles + other instructions x their cycles per instruction

Kernels: each op's layer shapes give the sequence of assembler kernel calls the Thumb
backend makes (`plan`, mirroring the viper glue in mpy/ulite/loops/thumb/, with the
geometry ulite's own kernels compute, imported with its layouts from mpy/ulite; a test
checks the two agree by counting the glue's calls on the unix port, for every corpus model
and the conv sweeps): FULLY_CONNECTED runs fc_rows + requant per chunk of units; CONV_2D
blocks of 8 output pixels (lanes8 places them), per chunk of channels gather8 + dot8 per
group and chunk of taps, then requant (TRANSPOSE_CONV: the same, on the convolution ulite
runs it as, over the input upsampled by the strides); DEPTHWISE_CONV_2D per block lanes8, then dw8 per
chunk of channels and run of kernel rows and requant, between two flips of the input (or,
with a large depth multiplier, CONV_2D's plan as a grouped convolution); ADD without
broadcast add_rescaled + requant per chunk of elements (a convolution whose scratch the
plan cut to one lane runs viper's loop: no plan). One representative call per
distinct shape runs in the emulator on random data: its instructions, and its Cortex-M0+
cycles (timing table in isa.py), times the number of such calls.

Other instructions: everything else an invoke executes (the viper glue around the kernel
calls, the interpreter, MicroPython's C runtime, ops that run viper), as counted on the
ARM board: OTHER[kind] holds, per kind of op, the instructions per unit of UNITS[kind]
(ops with a Thumb plan: per op and per kernel call, CONV_2D also per kernel row its glue
steps past as it walks the taps; ops that run viper: per units of their loops' work; ops
without figures of their own as ADD's broadcast loop, per output element) and the
Cortex-M0+ cycles per such instruction, from an instruction trace on the board
(calibrate.py measures both on generated models and prints the table).

Ops on int16 activations have no Thumb plan: the Thumb backend runs them with viper's loops,
so they plan no kernel calls, and their instructions, all "other", are charged by rows of
OTHER measured for them on the ARM board. The 16x8 ops' rows ("CONV_2D 16x8", ...) price
the units of their loops' work (output pixels, taps, outputs, multiply-accumulates, patch
elements gathered, input elements flipped); the other int16 ops' rows ("ADD int16", ...)
are per op and per element, softmax per row too; int16 pooling, whose viper loop walks
windows as int8's does, is charged as int8's. TFLM's Signal ops (the audio front end's
custom ops) are per op and per output element, the FFT's also per element and stage (radix 4
or the others), the filter bank's per op, channel and weight. CAST, STRIDED_SLICE and
CONCATENATION (viper, value by value) are per op and per output element.

Not modelled: weights read from flash through the 16 KB XIP cache instead of RAM (a
model too big for RAM, like person_detect, streams its weights from flash), and the
firmware's C as an ARMv6-M build compiles it (the board runs a Cortex-M3 build; the cycle
figures add a cycle for each 32-bit Thumb-2 instruction in it; see calibrate.py).
"""

import zlib
from collections import namedtuple

import numpy as np
from ulite.interpreter import ACC_CHUNK  # FULLY_CONNECTED units, ADD elements per chunk
from ulite.kernels import conv_common, depthwise_conv, kiss_fft, padding, transpose_conv
from ulite.layouts import conv as geometry
from ulite.layouts.thumb import DW8_TABLE_TAPS

from . import activations, layers
from .kernels import LANES, Kernels

CLOCK_HZ = 133_000_000

# What each op's other instructions are charged per (other_units counts them): ops with a
# Thumb plan per op and per kernel call (CONV_2D's walk over the taps also per kernel row:
# tall kernels cost more glue); ops that run viper per units of their loops' work.
UNITS = {
    "invoke": ("invoke",),  # Interpreter.invoke's own instructions, beyond its ops' figures
    "FULLY_CONNECTED": ("op", "kernel call"),
    "CONV_2D": ("op", "kernel call", "tap row"),
    # an int8 CONV_2D, TRANSPOSE_CONV or grouped DEPTHWISE_CONV_2D on a scratch cut to one
    # lane (viper's loop, one output pixel at a time, reading the input where it lies)
    "CONV_2D one lane": ("op", "output", "filter tap", "MAC", "padding weight", "upsampled byte"),
    "DEPTHWISE_CONV_2D": ("op", "kernel call"),
    "ADD": ("op", "kernel call"),
    "QUANTIZE": ("op", "kernel call"),
    "SOFTMAX": ("op", "row", "element"),
    "AVERAGE_POOL_2D": ("op", "output", "window row", "tap"),
    "RESHAPE": ("op", "byte"),
    "FULLY_CONNECTED float32": ("op", "output", "MAC"),
    "ADD int16": ("op", "output element"),
    "MUL int16": ("op", "output element"),
    "LEAKY_RELU int16": ("op", "element"),
    "LOGISTIC int16": ("op", "element"),
    "SOFTMAX int16": ("op", "row", "element"),
    "QUANTIZE int16": ("op", "element"),
    "TRANSPOSE_CONV": ("op", "kernel call", "upsampling", "upsampled byte", "input pixel"),
    "CONV_2D 16x8": ("op", "pixel chunk", "tap", "output", "MAC", "patch element"),
    "DEPTHWISE_CONV_2D 16x8": ("op", "input element", "pixel chunk", "tap chunk", "output", "MAC"),
    "FULLY_CONNECTED 16x8": ("op", "output", "MAC", "input element"),
    # the convolution over the upsampled input: CONV_2D 16x8's instructions for its units
    "TRANSPOSE_CONV 16x8": ("thousand CONV_2D 16x8 instructions", "upsampled byte"),
    # TFLM's scatter, where the plan grants less than the convolution over the upsampled
    # input takes (viper's transpose_conv)
    "TRANSPOSE_CONV scatter": ("op", "output", "input pixel tap", "landing channel", "MAC"),
    "TRANSPOSE_CONV scatter 16x8": ("op", "output", "input pixel tap", "landing channel", "MAC"),
    "SVDF": ("op", "filter", "feature MAC", "time MAC"),
    "SVDF float32": ("op", "filter", "feature MAC", "time MAC"),
    "UNIDIRECTIONAL_SEQUENCE_LSTM": ("op", "step", "unit step", "MAC"),
    "UNIDIRECTIONAL_SEQUENCE_LSTM float32": ("op", "step", "unit step", "MAC"),
    # TFLM's audio front end's custom ops (viper): per output element (a filter bank's
    # channels), the FFT's per element and stage by radix, a filter bank's per weight
    "SignalWindow": ("op", "element"),
    "SignalFftAutoScale": ("op", "element"),
    "SignalRfft": ("op", "element", "element radix-4 stage", "element radix-2, 3 or 5 stage"),
    "SignalEnergy": ("op", "element"),
    "SignalFilterBank": ("op", "channel", "weight"),
    "SignalFilterBankSquareRoot": ("op", "element"),
    "SignalFilterBankSpectralSubtraction": ("op", "element"),
    "SignalPCAN": ("op", "element"),
    "SignalFilterBankLog": ("op", "element"),
    "CAST": ("op", "element"),
    "STRIDED_SLICE": ("op", "element"),
    "CONCATENATION": ("op", "element"),
    "ADD broadcast": ("output element",),  # also every op without figures of its own
}
PER_ELEMENT = ("CAST", "STRIDED_SLICE", "CONCATENATION")  # values moved one by one (viper)
WIDE = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "TRANSPOSE_CONV")  # 16x8 forms
VIPER_AS = {"SQUEEZE": "RESHAPE", "MAX_POOL_2D": "AVERAGE_POOL_2D"}  # the same loops
# int16 ops by the kind whose loop they run (viper: no assembler path for int16)
INT16_AS = {
    "ADD": "ADD int16", "SUB": "ADD int16", "MUL": "MUL int16", "MAXIMUM": "MUL int16", "MINIMUM": "MUL int16",
    "RELU": "LEAKY_RELU int16", "RELU6": "LEAKY_RELU int16", "LEAKY_RELU": "LEAKY_RELU int16",
    "LOGISTIC": "LOGISTIC int16", "TANH": "LOGISTIC int16", "SOFTMAX": "SOFTMAX int16", "QUANTIZE": "QUANTIZE int16",
}  # fmt: skip
FALLBACK = "ADD broadcast"

# Instructions per unit and Cortex-M0+ cycles per instruction, measured on the ARM board by
# `python -m host_tools.rp2040.calibrate` (which prints this table); a test re-measures it.
Cost = namedtuple("Cost", "per_unit cpi")
OTHER = {
    "invoke": Cost(per_unit=(2000.0,), cpi=1.636),  # per invoke
    "FULLY_CONNECTED": Cost(per_unit=(3808.6, 262.1), cpi=2.037),  # per op, kernel call
    "CONV_2D": Cost(per_unit=(4841.7, 308.2, 26.2), cpi=1.909),  # per op, kernel call, tap row
    "CONV_2D one lane": Cost(per_unit=(-31054.3, 408.2, 105.1, 27.0, 21.9, 20.4), cpi=1.283),  # per op, output, filter tap, MAC, padding weight, upsampled byte
    "DEPTHWISE_CONV_2D": Cost(per_unit=(10915.2, 291.3), cpi=1.919),  # per op, kernel call
    "ADD": Cost(per_unit=(5611.9, 240.2), cpi=2.023),  # per op, kernel call
    "QUANTIZE": Cost(per_unit=(-320.4, 8509.7), cpi=1.811),  # per op, kernel call
    "SOFTMAX": Cost(per_unit=(3975.0, 14870.2, 14540.1), cpi=1.535),  # per op, row, element
    "AVERAGE_POOL_2D": Cost(per_unit=(2210.6, 135.2, 64.6, 29.0), cpi=1.462),  # per op, output, window row, tap
    "RESHAPE": Cost(per_unit=(1569.0, 1.2), cpi=2.167),  # per op, byte
    "FULLY_CONNECTED float32": Cost(per_unit=(-7542.0, 6958.6, 3122.3), cpi=2.013),  # per op, output, MAC
    "ADD int16": Cost(per_unit=(5507.2, 610.1), cpi=1.453),  # per op, output element
    "MUL int16": Cost(per_unit=(5441.8, 465.0), cpi=1.455),  # per op, output element
    "LEAKY_RELU int16": Cost(per_unit=(2185.2, 320.9), cpi=1.401),  # per op, element
    "LOGISTIC int16": Cost(per_unit=(1697.1, 156.4), cpi=1.478),  # per op, element
    "SOFTMAX int16": Cost(per_unit=(1756.3, 1756.6, 630.0), cpi=1.563),  # per op, row, element
    "QUANTIZE int16": Cost(per_unit=(2949.2, 455.2), cpi=1.515),  # per op, element
    "SVDF": Cost(per_unit=(1949.6, 997.3, 48.2, 144.9), cpi=1.489),  # per op, filter, feature MAC, time MAC
    "SVDF float32": Cost(per_unit=(31901.5, 2287.8, 2948.1, 5395.0), cpi=1.963),  # per op, filter, feature MAC, time MAC
    "UNIDIRECTIONAL_SEQUENCE_LSTM": Cost(per_unit=(3422.2, 43722.3, 5699.3, 47.7), cpi=1.572),  # per op, step, unit step, MAC
    "UNIDIRECTIONAL_SEQUENCE_LSTM float32": Cost(per_unit=(-220908.8, 40343.1, 49719.9, 3255.6), cpi=1.95),  # per op, step, unit step, MAC
    "ADD broadcast": Cost(per_unit=(698.9,), cpi=1.545),  # per output element
    "TRANSPOSE_CONV": Cost(per_unit=(5695.7, 308.2, 4765.5, 10.4, 262.4), cpi=1.872),  # per op, kernel call, upsampling, upsampled byte, input pixel
    "CONV_2D 16x8": Cost(per_unit=(24453.4, 2029.5, 167.5, 815.7, 16.5, 30.6), cpi=1.492),  # per op, pixel chunk, tap, output, MAC, patch element
    "DEPTHWISE_CONV_2D 16x8": Cost(per_unit=(2255.6, 79.5, 1217.7, 222.9, 762.1, 47.6), cpi=1.757),  # per op, input element, pixel chunk, tap chunk, output, MAC
    "FULLY_CONNECTED 16x8": Cost(per_unit=(2277.4, 940.2, 18.4, 91.1), cpi=1.506),  # per op, output, MAC, input element
    "TRANSPOSE_CONV 16x8": Cost(per_unit=(1000.2, 31.3), cpi=1.598),  # per thousand CONV_2D 16x8 instructions, upsampled byte
    "TRANSPOSE_CONV scatter": Cost(per_unit=(4982.9, 277.3, 577.9, 127.2, 38.0), cpi=1.312),  # per op, output, input pixel tap, landing channel, MAC
    "TRANSPOSE_CONV scatter 16x8": Cost(per_unit=(-7478.9, 726.5, 696.2, 139.5, 39.5), cpi=1.289),  # per op, output, input pixel tap, landing channel, MAC
    "SignalWindow": Cost(per_unit=(1504.8, 139.0), cpi=1.481),  # per op, element
    "SignalFftAutoScale": Cost(per_unit=(1648.7, 136.7), cpi=1.483),  # per op, element
    "SignalRfft": Cost(per_unit=(2130.6, 253.5, 110.5, 167.1), cpi=1.513),  # per op, element, element radix-4 stage, element radix-2, 3 or 5 stage
    "SignalEnergy": Cost(per_unit=(1348.9, 165.2), cpi=1.464),  # per op, element
    "SignalFilterBank": Cost(per_unit=(1777.9, 143.0, 315.5), cpi=1.479),  # per op, channel, weight
    "SignalFilterBankSquareRoot": Cost(per_unit=(1401.7, 6228.4), cpi=1.395),  # per op, element
    "SignalFilterBankSpectralSubtraction": Cost(per_unit=(2213.6, 5384.3), cpi=1.907),  # per op, element
    "SignalPCAN": Cost(per_unit=(1925.1, 2409.2), cpi=1.791),  # per op, element
    "SignalFilterBankLog": Cost(per_unit=(1806.7, 2673.3), cpi=1.884),  # per op, element
    "CAST": Cost(per_unit=(1583.4, 126.5), cpi=1.507),  # per op, element
    "STRIDED_SLICE": Cost(per_unit=(3583.4, 52.3), cpi=1.75),  # per op, element
    "CONCATENATION": Cost(per_unit=(11116.0, 51.9), cpi=1.842),  # per op, element
}


def _requant_key(layer, rows, cols):
    out = layer.outputs[0]
    per_channel = len(layer.inputs[1].scales) > 1 if len(layer.inputs) > 1 and layer.inputs[1] else False
    lo = out.zero_point if layer.clamps_at_zero() else -128
    return ("requant", rows, cols, per_channel, out.zero_point, lo, 127)


def _input(layer):
    """The activation input (TRANSPOSE_CONV's first input is the output shape)."""
    return layer.inputs[2] if layer.name == "TRANSPOSE_CONV" else layer.inputs[0]


def plan(layer):
    """[(kernel key, calls)] of the Thumb backend for one op, or None if it runs viper."""
    int8 = layer.outputs[0].dtype == "int8" and _input(layer).dtype == "int8"
    if layer.name == "FULLY_CONNECTED" and int8:
        return _plan_fc(layer)
    if layer.name in ("CONV_2D", "TRANSPOSE_CONV") and int8 and not _scatters(layer):
        return _plan_conv(layer)
    if layer.name == "DEPTHWISE_CONV_2D" and int8:
        return _plan_depthwise(layer)
    if layer.name == "ADD" and int8:
        return _plan_add(layer)
    if layer.name == "QUANTIZE" and layer.outputs[0].dtype == "int8" and layer.inputs[0].dtype in ("int8", "int16"):
        return _plan_quantize(layer)
    return None


def _plan_quantize(layer):
    """QUANTIZE to int8 from an integer type: requant per chunk of elements (widened into
    the shared accumulators first)."""
    calls = {}
    size = layer.outputs[0].size
    for i in range(0, size, ACC_CHUNK):
        _count(calls, _requant_key(layer, min(ACC_CHUNK, size - i), 1), 1)
    return list(calls.items())


def _count(calls, key, n):
    calls[key] = calls.get(key, 0) + n


def _plan_fc(layer):
    units, depth = layer.inputs[1].shape
    batches = layer.inputs[0].size // depth
    per_channel = len(layer.inputs[1].scales) > 1
    calls = {}
    for u0 in range(0, units, ACC_CHUNK):
        n = min(ACC_CHUNK, units - u0)
        _count(calls, ("fc_rows", depth, n), batches)
        # one multiplier: the glue asks requant for one column of n rows
        _count(calls, _requant_key(layer, 1, n) if per_channel else _requant_key(layer, n, 1), batches)
    return list(calls.items())


def _blocks(out_shape):
    """[(lanes, blocks)]: output pixels in blocks of eight, and the last partial block."""
    b, h, w = out_shape[:3]
    pixels = b * h * w
    return [(lanes, n) for lanes, n in ((LANES, pixels // LANES), (pixels % LANES, 1)) if lanes and n]


def _conv_window(layer):
    """(strides, dilations, (pad_top, pad_left), zero point) of a convolution layer."""
    x = layer.inputs[0]
    strides, dilations = layer.options["stride"], layer.options["dilation"]
    kernel = layer.inputs[1].shape[1:3]
    pads = tuple(
        padding.pad_before(layer.options["padding"], x.shape[1 + i], kernel[i], strides[i], dilations[i])
        for i in (0, 1)
    )
    return strides, dilations, pads, x.zero_point


def _depthwise_geometry(layer, itemsize=1):
    """ulite's depthwise geometry of the layer (int8, or 16x8: itemsize 2), fitted to the
    scratch the plan grants."""
    x, out = layer.inputs[0], layer.outputs[0]
    strides, dilations, pads, zp = _conv_window(layer)
    _, kh, kw, out_c = layer.inputs[1].shape
    multiplier = out_c // x.shape[3]
    geo = depthwise_conv.geometry(x.shape, out.shape, (kh, kw), multiplier, strides, dilations, pads, zp)
    if itemsize == 2:
        geo = depthwise_conv.geometry_16x8(geo)
    return depthwise_conv.fit_rows(geo, layer.scratch_bytes, itemsize)


def _upsampling(layer):
    """(times built, bytes filled, input pixels copied in: a run of channels each) for the
    upsampled input a TRANSPOSE_CONV builds per invoke with strides (once, or once per
    band); zeros at stride 1."""
    x, strides = _input(layer), layer.options["stride"]
    if strides == (1, 1):
        return (0, 0, 0)
    batches, h, w, channels = x.shape
    row_bytes = ((w - 1) * strides[1] + 1) * channels * x.itemsize
    band = _band(layer)
    if not band:
        return (1, batches * ((h - 1) * strides[0] + 1) * row_bytes, batches * h * w)
    kh = layer.inputs[1].shape[1]
    walk = transpose_conv.band_walk(h, layer.outputs[0].shape[1], band, kh, _transpose_pads(layer)[0], strides[0])
    runs = batches * len(walk)
    return (runs, runs * (band + kh - 1) * row_bytes, batches * w * sum(rows for _, _, _, rows in walk))


def _transpose_pads(layer):
    """TFLM's padding (top, left) of a TRANSPOSE_CONV, from its output size."""
    out, kernel, strides = layer.outputs[0], layer.inputs[1].shape[1:3], layer.options["stride"]
    return [padding.pad_before(layer.options["padding"], out.shape[1 + i], kernel[i], strides[i], 1) for i in (0, 1)]


def _way(layer):
    """transpose_conv.way of a TRANSPOSE_CONV on the scratch the plan grants it: None where
    it scatters (float32 always does), else output rows per band (0: U whole)."""
    x, weights, out = _input(layer), layer.inputs[1], layer.outputs[0]
    if x.dtype == "float32":
        return None
    strides = layer.options["stride"]
    geo = transpose_conv.geometry(x.shape, weights.shape, out.shape, _transpose_pads(layer), strides, x.zero_point)
    return transpose_conv.way(x, weights, _for_dtype(geo, x), strides, out.shape[1], layer.scratch_bytes)


def _scatters(layer):
    """Whether a TRANSPOSE_CONV runs TFLM's scatter (kernels/transpose_conv.py)."""
    return layer.name == "TRANSPOSE_CONV" and _way(layer) is None


def _scatter_units(layer):
    """A scattering TRANSPOSE_CONV's amounts of its UNITS: per output value, per input
    pixel and tap, per tap landing in the output and output channel, per MAC."""
    x, out = _input(layer), layer.outputs[0]
    batches, h, w, depth = x.shape
    kh, kw = layer.inputs[1].shape[1:3]
    landing = []
    for size, kernel, stride, pad, out_size in zip((h, w), (kh, kw), layer.options["stride"], _transpose_pads(layer), out.shape[1:3]):
        landing.append(sum(sum(0 <= i * stride - pad + k < out_size for k in range(kernel)) for i in range(size)))
    dots = batches * landing[0] * landing[1] * out.shape[3]
    return (1, out.size, batches * h * w * kh * kw, dots, dots * depth)


def _band(layer):
    """Output rows per band where a TRANSPOSE_CONV builds its upsampled input a band at a
    time (kernels/transpose_conv.py), else 0."""
    return (_way(layer) or 0) if layer.name == "TRANSPOSE_CONV" else 0


def _for_dtype(geo, x):
    """An im2col geometry made conv_16x8's for an int16 input x (else as it is)."""
    return conv_common.geometry_16x8(geo) if x.dtype == "int16" else geo


def _conv_blocks(layer):
    """_blocks of the conv loop's calls in one invoke (a TRANSPOSE_CONV built in bands
    runs it once per band, on the band's rows)."""
    band = _band(layer)
    if not band:
        return _blocks(layer.outputs[0].shape)
    batches, out_h, out_w, out_c = layer.outputs[0].shape
    runs = batches * -(-out_h // band)
    return [(lanes, n * runs) for lanes, n in _blocks((1, band, out_w, out_c))]


def im2col_geometry(layer):
    """ulite's im2col geometry (layouts.conv CONV_ fields), fitted to the scratch the plan
    grants, of a CONV_2D (int8 or 16x8) or of the convolution a TRANSPOSE_CONV runs as; or
    of an int8 DEPTHWISE_CONV_2D that ulite runs as a grouped convolution; else None."""
    x, out = _input(layer), layer.outputs[0]
    if layer.name == "TRANSPOSE_CONV":
        weights, strides = layer.inputs[1], layer.options["stride"]
        pads = _transpose_pads(layer)
        geo = transpose_conv.geometry(x.shape, weights.shape, out.shape, pads, strides, x.zero_point, band=_band(layer))
        built, filled, _ = _upsampling(layer)
        granted = (layer.scratch_bytes - filled // max(1, built)) & ~3
        return conv_common.fit_scratch(_for_dtype(geo, x), granted, x.itemsize)
    if layer.name == "CONV_2D":
        _, kh, kw, depth = layer.inputs[1].shape
        strides, dilations, pads, zp = _conv_window(layer)
        filters = (kh, kw, depth, x.shape[3] // depth)
        window = (strides, dilations, pads, zp)
        geo = conv_common.im2col_geometry(x.shape, out.shape, filters, *window)
        return conv_common.fit_scratch(_for_dtype(geo, x), layer.scratch_bytes, x.itemsize)
    geo = depthwise_conv.grouped(_depthwise_geometry(layer), x.shape, out.shape, x.zero_point)
    return conv_common.fit_scratch(geo, layer.scratch_bytes) if geo else None


def depthwise_chunks(layer):
    """(input channels, kernel rows) per dw8 call of a DEPTHWISE_CONV_2D the Thumb glue
    runs with dw8 (loops/thumb/conv.py), or None where it runs the viper loop."""
    in_c = layer.inputs[0].shape[3]
    kw = layer.inputs[1].shape[2]
    chunk = min(in_c, _depthwise_geometry(layer)[geometry.DW_ROWS] * in_c >> 3)
    rows_per_call = DW8_TABLE_TAPS // kw
    return (chunk, rows_per_call) if chunk and rows_per_call else None


def _plan_conv(layer):
    """loops/thumb/conv.py conv_int8 on the layer's im2col geometry (None where the plan cut
    its scratch to one lane: viper's loop runs)."""
    geo = im2col_geometry(layer)
    if geo[geometry.CONV_LANES] == 1:
        return None
    depth, per_chunk = geo[geometry.CONV_DEPTH], geo[geometry.CONV_TAPS_PER_CHUNK]
    taps = geo[geometry.CONV_KH] * geo[geometry.CONV_KW]
    tap_chunks = [min(per_chunk, taps - t0) for t0 in range(0, taps, per_chunk)]
    per_group = geo[geometry.CONV_PER_GROUP]
    calls = {}
    for lanes, blocks in _conv_blocks(layer):
        _count(calls, ("lanes8", lanes), blocks)
        gathered = None  # a group's whole patches, kept for its next chunk of channels
        for c0, c1, groups in _channel_chunks(geo):
            for o, o1 in groups:
                for i, size in enumerate(tap_chunks):
                    if o // per_group != gathered:
                        _count(calls, ("gather8", lanes, depth, size), blocks)
                    _count(calls, ("dot8", size * depth, o1 - o, i == 0), blocks)
                if len(tap_chunks) == 1:
                    gathered = o // per_group
            _count(calls, _requant_key(layer, lanes, c1 - c0), blocks)
    return list(calls.items())


def _channel_chunks(geo):
    """[(c0, c1, [(o, o1)])]: the chunks of output channels the conv glue takes per block
    (their eight lanes fit the accumulators), each split where a group ends."""
    out_c, per_group = geo[geometry.CONV_OUT_C], geo[geometry.CONV_PER_GROUP]
    chunk = min(out_c, geo[geometry.CONV_ROWS] * out_c >> 3)
    chunks = []
    for c0 in range(0, out_c, chunk):
        c1 = min(c0 + chunk, out_c)
        bounds = [c0] + list(range((c0 // per_group + 1) * per_group, c1, per_group)) + [c1]
        chunks.append((c0, c1, list(zip(bounds, bounds[1:]))))
    return chunks


def _tap_rows(layer):
    """Kernel rows the conv glue's walk over the taps steps past (loops/thumb/conv.py:
    each of a filter's rows, per block, chunk of channels and group)."""
    geo = im2col_geometry(layer)
    walks = sum(len(groups) for _, _, groups in _channel_chunks(geo))
    blocks = sum(n for _, n in _conv_blocks(layer))
    return blocks * walks * geo[geometry.CONV_KH]


def _plan_depthwise(layer):
    if im2col_geometry(layer):
        return _plan_conv(layer)
    chunks = depthwise_chunks(layer)
    if chunks is None:
        return None
    chunk, rows_per_call = chunks
    x = layer.inputs[0]
    _, kh, kw, out_c = layer.inputs[1].shape
    in_c = x.shape[3]
    calls = {("flip_bytes", (x.size + 3) & ~3): 2}
    for lanes, blocks in _blocks(layer.outputs[0].shape):
        _count(calls, ("lanes8", lanes), blocks)
        for c0 in range(0, in_c, chunk):
            c = min(chunk, in_c - c0)
            for ky0 in range(0, kh, rows_per_call):
                _count(calls, ("dw8", lanes, c, out_c // in_c, min(rows_per_call, kh - ky0), kw, ky0 == 0), blocks)
            _count(calls, _requant_key(layer, lanes, c * out_c // in_c), blocks)
    return list(calls.items())


def _plan_add(layer):
    """Inputs of the output's size (no broadcast): add_rescaled and requant per chunk."""
    x1, x2, out = layer.inputs[0], layer.inputs[1], layer.outputs[0]
    if not x1.size == x2.size == out.size:
        return None
    calls = {}
    for i in range(0, out.size, ACC_CHUNK):
        n = min(ACC_CHUNK, out.size - i)
        _count(calls, ("add_rescaled", n), 1)
        _count(calls, _requant_key(layer, n, 1), 1)
    return list(calls.items())


def other_units(layer, calls):
    """(kind, amounts): the row of OTHER the op's other instructions are charged by and
    how many of each of its UNITS the op has; `calls` its Thumb plan (or None)."""
    out = layer.outputs[0]
    if layer.name == "TRANSPOSE_CONV" and calls is not None:
        return layer.name, (1, sum(n for _, n in calls)) + _upsampling(layer)
    if _scatters(layer) and out.dtype != "float32":
        return "TRANSPOSE_CONV scatter" + (" 16x8" if out.dtype == "int16" else ""), _scatter_units(layer)
    if layer.name == "CONV_2D" and calls is not None:
        return layer.name, (1, sum(n for _, n in calls), _tap_rows(layer))
    if calls is not None:
        return layer.name, (1, sum(n for _, n in calls))
    if layer.name in WIDE and out.dtype == "int16":
        return layer.name + " 16x8", _wide_units(layer)
    if layer.name in ("CONV_2D", "TRANSPOSE_CONV", "DEPTHWISE_CONV_2D") and out.dtype == "int8":
        geo = im2col_geometry(layer)
        if geo and geo[geometry.CONV_LANES] == 1:
            return "CONV_2D one lane", _one_lane_units(layer, geo)
    kind = VIPER_AS.get(layer.name, layer.name)
    dtypes = {layer.inputs[0].dtype, out.dtype}
    # (QUANTIZE to int8 requantizes in assembler: it is charged as an int8 op)
    if "int16" in dtypes and "float32" not in dtypes and layer.name in INT16_AS and out.dtype != "int8":
        kind = INT16_AS[layer.name]
        if kind == "SOFTMAX int16":
            return kind, (1, out.size // out.shape[-1], out.size)
        return kind, (1, out.size)
    if kind == "SOFTMAX":
        return kind, (1, out.size // out.shape[-1], out.size)
    if kind == "AVERAGE_POOL_2D":
        return kind, (1, out.size) + _window_rows_and_taps(layer)
    if kind == "RESHAPE":
        return kind, (1, out.size * out.itemsize)
    if kind == "FULLY_CONNECTED" and out.dtype == "float32":
        return "FULLY_CONNECTED float32", (1, out.size, out.size * layer.inputs[1].shape[-1])
    suffix = " float32" if out.dtype == "float32" else ""
    if kind == "SVDF":  # per batch row: each filter's dot products with the input and its memory
        batches, input_size = layer.inputs[0].shape
        filters, memory = layer.inputs[2].shape
        return kind + suffix, (1, batches * filters, batches * filters * input_size, batches * filters * memory)
    if kind == "UNIDIRECTIONAL_SEQUENCE_LSTM":  # per batch row and time step: 4 gates' FCs
        input_size, units = layer.inputs[0].shape[-1], layer.inputs[18].shape[-1]
        steps = layer.inputs[0].size // input_size
        return kind + suffix, (1, steps, steps * units, steps * 4 * (input_size + units) * units)
    if kind in UNITS and kind.startswith("Signal"):
        return kind, _signal_units(layer)
    if kind in PER_ELEMENT:
        return kind, (1, out.size)
    return FALLBACK, (out.size,)


def _one_lane_units(layer, geo):
    """An int8 convolution's amounts of "CONV_2D one lane" units, on its fitted geometry
    (MACs of the taps inside the input; a tap outside sums its weights)."""
    g = geometry
    taps = geo[g.CONV_KH] * geo[g.CONV_KW]
    outputs = layer.outputs[0].size
    inside = 1
    for size, out_size, kernel, stride, dilation, pad in (
        (geo[g.CONV_IN_H], geo[g.CONV_OUT_H], geo[g.CONV_KH], geo[g.CONV_STRIDE_H], geo[g.CONV_DILATION_H], geo[g.CONV_PAD_TOP]),
        (geo[g.CONV_IN_W], geo[g.CONV_OUT_W], geo[g.CONV_KW], geo[g.CONV_STRIDE_W], geo[g.CONV_DILATION_W], geo[g.CONV_PAD_LEFT]),
    ):
        inside *= sum(0 <= o * stride - pad + k * dilation < size for o in range(out_size) for k in range(kernel))
    pixels = outputs // geo[g.CONV_OUT_C]
    inside_share = inside * (pixels // (geo[g.CONV_OUT_H] * geo[g.CONV_OUT_W])) / (pixels * taps)
    weights = outputs * taps * geo[g.CONV_DEPTH]
    upsampled = _upsampling(layer)[1] if layer.name == "TRANSPOSE_CONV" else 0
    return (1, outputs, outputs * taps, weights * inside_share, weights * (1 - inside_share), upsampled)


def _signal_units(layer):
    out = layer.outputs[0]
    if layer.name == "SignalRfft":  # a complex FFT of fft_length / 2 (kiss_fft's stages)
        radices = [p for p, _ in kiss_fft.factors((out.shape[-1] - 2) // 2)]
        fours = radices.count(4)
        return (1, out.size, out.size * fours, out.size * (len(radices) - fours))
    if layer.name == "SignalFilterBank":  # each weight (and unweight) once
        return (1, out.size, layer.inputs[1].size)
    return (1, out.size)


def _wide_units(layer):
    """A 16x8 op's amounts of its UNITS (viper's wide.py; taps outside the input count)."""
    out, x, weights = layer.outputs[0], _input(layer), layer.inputs[1].shape
    if layer.name == "FULLY_CONNECTED":
        return (1, out.size, out.size * weights[1], x.size)
    pixels = out.size // out.shape[-1]
    taps = weights[1] * weights[2]
    if layer.name == "DEPTHWISE_CONV_2D":  # (per chunk of channels where the plan cut them)
        chunks = -(-out.shape[-1] // _depthwise_geometry(layer, 2)[geometry.DW_CHANNELS])
        return (1, x.size, pixels * chunks, pixels * taps * chunks, out.size, out.size * taps)
    groups = x.shape[3] // weights[3]
    # per chunk of filters (where the plan cut them), each group's patch it reaches
    chunk, per_group = im2col_geometry(layer)[geometry.CONV_CHANNELS], out.shape[-1] // groups
    bounds = range(0, out.shape[-1], chunk)
    patches = sum((min(c0 + chunk, out.shape[-1]) - 1) // per_group - c0 // per_group + 1 for c0 in bounds)
    chunks = len(bounds)
    amounts = (
        1, pixels * chunks, pixels * taps * patches, out.size, out.size * taps * weights[3],
        pixels * taps * weights[3] * patches,
    )  # fmt: skip
    if layer.name != "TRANSPOSE_CONV":
        return amounts
    conv = sum(a * c for a, c in zip(amounts, OTHER["CONV_2D 16x8"].per_unit))
    return (conv / 1000, _upsampling(layer)[1])


def _window_rows_and_taps(layer):
    """Window rows and taps summed over a pooling op's output pixels and channels, each
    window clipped to the input (the viper loop runs over those)."""
    _, in_h, in_w, channels = layer.inputs[0].shape
    batches, out_h, out_w, _ = layer.outputs[0].shape
    (fh, fw), (sh, sw) = layer.options["filter"], layer.options["stride"]
    spans = []
    for size, filt, stride, out_size in ((in_h, fh, sh, out_h), (in_w, fw, sw, out_w)):
        pad = max((out_size - 1) * stride + filt - size, 0) // 2
        spans.append([min(o * stride - pad + filt, size) - max(o * stride - pad, 0) for o in range(out_size)])
    rows = sum(spans[0]) * out_w
    taps = sum(spans[0]) * sum(spans[1])
    return rows * batches * channels, taps * batches * channels


class Estimator:
    """Runs and caches representative kernel calls; one per distinct key, on random data
    seeded by the key (so a model's estimate does not depend on what ran before)."""

    def __init__(self):
        self.kernels = Kernels()
        self.rng = None
        self.cache = {}

    def counts(self, key, floor=None):
        """(instructions, Cortex-M0+ cycles) of one call. A requant call whose outputs
        have a floor at zero costs less for each accumulator at or below zero: `floor` is
        their share (half when not known), between a call with none and one with all."""
        if key[0] == "requant" and key[5] == key[4]:
            share = 0.5 if floor is None else floor
            above, below = self._run(key + (1,)), self._run(key + (-1,))
            return tuple((1 - share) * a + share * b for a, b in zip(above, below))
        return self._run(key)

    def _run(self, key):
        if key not in self.cache:
            self.rng = np.random.default_rng(zlib.crc32(repr(key).encode()))
            counts = getattr(self, "_" + key[0])(*key[1:])
            self.cache[key] = counts.total_instructions, counts.total_cycles
        return self.cache[key]

    def _int8(self, *shape):
        return self.rng.integers(-128, 128, shape).astype(np.int8)

    def _fc_rows(self, depth, rows):
        bias = self.rng.integers(-5000, 5000, rows).astype(np.int32)
        return self.kernels.fc_rows(self._int8(depth), self._int8(rows, depth), bias, 3, count=True)[1]

    def _requant(self, rows, cols, per_channel, zp, lo, hi, sign=None):
        """Accumulators of random sign, or all of `sign`."""
        channels = cols if per_channel else 1
        mult = self.rng.integers(1 << 30, 1 << 31, channels)
        shift = np.full(channels, -8, np.int8)
        acc = self.rng.normal(0, 1 << 14, (cols, rows))  # outputs ~ N(zp, 32)
        if sign is not None:
            acc = sign * (np.abs(acc) + 1)
        acc = acc.astype(np.int32)
        return self.kernels.requant(acc, mult, shift, zp, lo, hi, count=True)[1]

    def _dot8(self, n, channels, first):
        q = self.rng.integers(0, 256, (n, LANES)).astype(np.uint8)
        init = self.rng.integers(-5000, 5000, channels).astype(np.int32)
        acc = np.zeros((channels, LANES), np.int32)
        return self.kernels.dot8(q, self._int8(channels, n), 0, n, init if first else None, acc, count=True)[1]

    def _gather8(self, lanes, depth, taps):
        kw = min(taps, 3)
        side = taps // kw + 2 + lanes
        x = self._int8(1, side, side, depth)
        return self.kernels.gather8(x, 0, depth, (side, side), (1, 1), (0, 0), 0, lanes, 0, taps, kw, (1, 1), 128, count=True)[1]

    def _dw8(self, lanes, channels, multiplier, kh, kw, first):
        h, w = kh + 1, kw + lanes
        u = self.rng.integers(0, 256, (1, h, w, channels)).astype(np.uint8)
        init = self.rng.integers(-5000, 5000, channels * multiplier).astype(np.int32)
        weights = self._int8(kh, kw, channels * multiplier)
        acc = None if first else np.zeros((channels * multiplier, LANES), np.int32)
        return self.kernels.dw8(u, weights, init, (h, w), (1, 1), (0, 0), 0, lanes, (1, 1), 128, acc=acc, count=True)[1]

    def _lanes8(self, lanes):
        return self.kernels.lanes8(0x20000000, 9216, (12, 3), (1, 1), (1, 1), 0, lanes, count=True)[1]

    def _add_rescaled(self, n):
        t = (3, int(self.rng.integers(1 << 30, 1 << 31)), 2)
        return self.kernels.add_rescaled(self._int8(n), self._int8(n), t, t, count=True)[1]

    def _flip_bytes(self, n):
        return self.kernels.flip_bytes(np.zeros((n + 3) & ~3, np.uint8), count=True)[1]


def estimate(model_bytes, estimator=None, inputs=None):
    """Per op {op, loops ("thumb", or "viper" for the ops the Thumb backend runs with viper's
    loops: those without a Thumb plan, every int16 one among them), calls,
    kernel_instructions, kernel_cycles, other (its row of OTHER), other_instructions,
    instructions, cycles}, kernel cycles by kernel name and the totals, for one invoke; on `inputs` (numpy arrays), requant's cost follows the share
    of outputs TFLM puts on a ReLU's floor, else half of them."""
    est = estimator or Estimator()
    model = layers.read(model_bytes)
    floors = activations.floor_fractions(model_bytes, inputs) if inputs is not None else [None] * len(model)
    rows = []
    by_kernel = {}
    for layer, floor in zip(model, floors):
        calls = plan(layer)
        row = {"op": layer.name, "loops": "viper" if calls is None else "thumb", "calls": 0}
        row.update(kernel_instructions=0, kernel_cycles=0)
        for key, n in calls or []:
            instructions, cycles = est.counts(key, floor)
            row["calls"] += n
            row["kernel_instructions"] += instructions * n
            row["kernel_cycles"] += cycles * n
            by_kernel[key[0]] = by_kernel.get(key[0], 0) + cycles * n
        kind, amounts = other_units(layer, calls)
        cost = OTHER[kind]
        row["other"] = kind
        row["other_instructions"] = sum(a * c for a, c in zip(amounts, cost.per_unit))
        row["instructions"] = row["kernel_instructions"] + row["other_instructions"]
        row["cycles"] = row["kernel_cycles"] + row["other_instructions"] * cost.cpi
        rows.append(row)
    invoke = OTHER["invoke"].per_unit[0]
    return totals(rows, invoke, by_kernel=by_kernel)


def totals(rows, invoke, **extra):
    """The result of `estimate` for per-op rows and the invoke's own instructions (the
    interpreter's loop over the ops, less what timing each op adds to the op's figure)."""
    keys = ("kernel_instructions", "other_instructions", "instructions", "cycles")
    sums = {key: sum(r[key] for r in rows) for key in keys}
    sums["other_instructions"] += invoke
    sums["instructions"] += invoke
    sums["cycles"] += invoke * OTHER["invoke"].cpi
    return dict(ops=rows, invoke_instructions=invoke, ms=sums["cycles"] / CLOCK_HZ * 1000, **sums, **extra)
