"""HARD_SWISH (TFLM hard_swish_common.cc, reference/hard_swish.h), int8 through a
256-byte table (see unary).

TFLM's int8 kernel is an int16 fixed-point pipeline: the input difference is moved to a
"hires" scale (x128), multiplied by the output multiplier, and by a "reluish" factor in
[0, 1] that rescales [-3, 3] to [0, 1] with saturation, then shifted to the output scale.
Prepare reproduces every int16 step (gemmlowp's int16 SaturatingRoundingDoublingHighMul
and RoundingDivideByPOT, TFLM's truncating SaturatingDoublingHighMul, saturating shifts,
int16 wrap-around) for each input byte. hires = s_in / 128 (exact), output multiplier =
hires / s_out and reluish multiplier = hires / (3/32768), divided in double: the source
reads as float32 divisions, but the TFLM build ulite is tested against matches double
where they differ (tests pin such cases).
"""

from .. import quant
from ..tensor import INT32_MAX
from . import unary
from .common import unsupported

_RELUISH_SCALE = quant.Exact(3, -15)  # 3.0f / 32768.0f


def check(op, requests):
    unary.check(op, requests)
    if op.outputs[0].dtype == "int8":
        _multipliers(op)


def prepare(op, context):
    if op.outputs[0].dtype == "float32":
        return unary.float_step(op, _hard_swish_float)
    if context.precomputed:
        return unary.lookup_step(op, context, None)
    x, out = op.inputs[0], op.outputs[0]
    out_m, out_shift, relu_m, relu_shift = _multipliers(op)

    def output_of(v):
        hires = _s16((v - x.zero_point) * 128)
        preshift_output = _srdhm16(hires, out_m)
        reluish = hires
        if relu_shift > 0:
            reluish = _saturating_left_shift(reluish, relu_shift - 1)
        reluish = _srdhm16(reluish, relu_m)
        if relu_shift > 0:
            reluish = _saturating_left_shift(reluish, 1)
        if relu_shift < 0:
            reluish = _rdbpot16(reluish, -relu_shift)
        reluish = (reluish + (1 << 15)) >> 1  # [-1, 1] to [0, 1]
        value = _rdbpot16(_sdhm16(reluish, preshift_output), -out_shift)
        return max(-128, min(127, _s16(value + out.zero_point)))

    return unary.lookup_step(op, context, output_of)


def _multipliers(op):
    """(output multiplier, its shift, reluish multiplier, its shift), int16 multipliers."""
    x, out = unary.int8_tensors(op)
    hires_scale = quant.from_float32_bits(x.scale_bits()).scaled(-7)
    out_scale = quant.from_float32_bits(out.scale_bits(), "output scale")
    out_m, out_shift = quant.quantize_multiplier(
        quant.divide(hires_scale, out_scale, quant.DOUBLE)
    )
    if out_shift > 0:
        unsupported(
            "output scale %g below input scale / 128 (%g): TFLM requires a right shift"
            % (out.scale, x.scale / 128)
        )
    relu_m, relu_shift = quant.quantize_multiplier(
        quant.divide(hires_scale, _RELUISH_SCALE, quant.DOUBLE)
    )
    if relu_shift > 31:  # TFLM's saturating left shift computes 1 << (shift - 1) in int
        unsupported("input scale %g too large" % x.scale)
    return _downscale(out_m), out_shift, _downscale(relu_m), relu_shift


def _downscale(multiplier):
    """TFLM DownScaleInt32ToInt16Multiplier."""
    if multiplier >= INT32_MAX - (1 << 15):
        return 32767
    return (multiplier + (1 << 15)) >> 16


def _s16(v):
    """v wrapped to int16, as a C cast does."""
    return ((v + 0x8000) & 0xFFFF) - 0x8000


def _truncating_div(n, d):
    """C integer division (towards zero) by d > 0."""
    return n // d if n >= 0 else -(-n // d)


def _srdhm16(a, b):
    """gemmlowp SaturatingRoundingDoublingHighMul for int16."""
    if a == b == -32768:
        return 32767
    ab = a * b
    return _s16(_truncating_div(ab + ((1 << 14) if ab >= 0 else 1 - (1 << 14)), 1 << 15))


def _sdhm16(a, b):
    """TFLM SaturatingDoublingHighMul: like _srdhm16 but rounding towards zero."""
    if a == b == -32768:
        return 32767
    return _s16(_truncating_div(a * b, 1 << 15))


def _saturating_left_shift(v, amount):
    return max(-32768, min(32767, v << amount))


def _rdbpot16(x, exponent):
    """gemmlowp RoundingDivideByPOT on int16, including its int16 mask for exponents > 15."""
    mask = _s16((1 << exponent) - 1)
    threshold = _s16((mask >> 1) + (1 if x < 0 else 0))
    return _s16((x >> exponent) + (1 if (x & mask) > threshold else 0))


def _hard_swish_float(v):
    return v * min(6.0, max(0.0, v + 3.0)) / 6.0
