"""Quantization constants derived exactly as TFLM derives them, with integers only.

TFLM computes multipliers, shifts and activation bounds in double and float32. A board's
MicroPython may only have single-precision floats, so every derivation here starts from the
float32 bit patterns of the scales and reproduces IEEE round-to-nearest-even at 53 bits
(double) or 24 bits (float32) with exact rational arithmetic. The results are identical on
every port, whatever its float type.
"""

from .errors import ModelError
from .tensor import INT32_MAX, INT32_MIN

DOUBLE = (53, -1074, 1024)  # significand bits, exponent of the smallest subnormal, max exponent
FLOAT32 = (24, -149, 128)


def bit_length(n):
    return len(bin(n)) - 2 if n > 0 else 0


class Exact:
    """A non-negative binary floating-point value m * 2**e, with m an int: exact arithmetic."""

    def __init__(self, m, e):
        self.m = m
        self.e = e

    def mul(self, other):
        return Exact(self.m * other.m, self.e + other.e)

    def scaled(self, power):
        """self * 2**power, exactly."""
        return Exact(self.m, self.e + power)

    def at_least(self, other):
        e = min(self.e, other.e)
        return self.m << (self.e - e) >= other.m << (other.e - e)


def from_float32_bits(bits, what="scale"):
    """The exact value of a non-negative float32 given by its bit pattern."""
    if bits >> 31 and bits & 0x7FFFFFFF:
        raise ModelError("%s is negative" % what)
    exponent = (bits >> 23) & 0xFF
    mantissa = bits & 0x7FFFFF
    if exponent == 0xFF:
        raise ModelError("%s is not finite" % what)
    if exponent == 0:
        return Exact(mantissa, -149)
    return Exact(mantissa | 0x800000, exponent - 150)


def divide(num, den, fmt):
    """num / den rounded to nearest-even in `fmt` (DOUBLE or FLOAT32), as an Exact."""
    if den.m == 0:
        raise ModelError("division by a zero scale")
    if num.m == 0:
        return Exact(0, 0)
    precision, min_exp, max_exp = fmt
    n, d, power = num.m, den.m, num.e - den.e  # value = n / d * 2**power
    k = bit_length(n) - bit_length(d)  # floor(log2(n / d)) is k or k - 1
    if (n << max(0, -k)) < (d << max(0, k)):
        k -= 1
    e = max(k + power - (precision - 1), min_exp)  # exponent of the result's last bit
    shift = power - e
    if shift >= 0:
        n <<= shift
    else:
        d <<= -shift
    q, r = divmod(n, d)
    if 2 * r > d or (2 * r == d and q & 1):
        q += 1
    if q >> precision:
        q >>= 1
        e += 1
    if bit_length(q) + e > max_exp:
        raise ModelError("quantization constant overflows")
    return Exact(q, e)


def round_float(value, fmt):
    """Round an Exact to `fmt` precision (the exact product of two floats, say)."""
    return divide(value, Exact(1, 0), fmt)


def quantize_multiplier(value):
    """TFLM QuantizeMultiplier of a double: (multiplier in [2**30, 2**31), shift), or (0, 0).

    The real value is multiplier * 2**(shift - 31); a positive shift means a left shift.
    """
    if value.m == 0:
        return 0, 0
    bits = bit_length(value.m)
    shift = value.e + bits  # frexp: value = q * 2**shift with q in [0.5, 1)
    if bits > 31:
        q_fixed = (value.m + (1 << (bits - 32))) >> (bits - 31)  # round half away from zero
    else:
        q_fixed = value.m << (31 - bits)
    if q_fixed == 1 << 31:
        q_fixed >>= 1
        shift += 1
    if shift < -31:
        return 0, 0
    return q_fixed, shift


def conv_multiplier(input_bits, weight_bits, output_bits):
    """Per-channel conv/depthwise/FC: (double)in * (double)w / (double)out.

    Called once per channel: written without locals, which MicroPython runs here 2.6 times
    faster on the ARM board and 10 times on the unix port (measured)."""
    if 0 < input_bits >> 23 < 255 and 0 < weight_bits >> 23 < 255 and 0 < output_bits >> 23 < 255:
        return _quotient_multiplier(  # positive normal floats
            ((input_bits & 0x7FFFFF) | 0x800000) * ((weight_bits & 0x7FFFFF) | 0x800000),
            (output_bits & 0x7FFFFF) | 0x800000,
            (input_bits >> 23) + (weight_bits >> 23) - (output_bits >> 23) - 150,
        )
    return _exact_conv_multiplier(input_bits, weight_bits, output_bits)


# conv_multipliers' layer constants: the reciprocal of the output scale's significand to
# RECIPROCAL_BITS bits, so that a channel's scaled quotient (2**104 <= scaled < 2**105) is
# below the exact one by less than 2**50 (see conv_multipliers).
RECIPROCAL_BITS = 80
ROUNDING = (1 << 73) + (1 << 51)  # 1/2 + 2**-23 of the 31-bit multiplier, 2**74 here
FRACTION = (1 << 74) - 1
UNSURE = (1 << 74) - (1 << 50)  # fractions from here on may belong to the next multiplier


def conv_multipliers(input_bits, output_bits):
    """conv_multiplier(input_bits, w, output_bits) as a function of w, for a layer's channels.

    TFLM rounds in*w/out to a double (53 bits, ties to even), then to 31 bits (half away
    from zero): together that is floor(x + 1/2 + 2**-23) for x the exact quotient scaled to
    [2**30, 2**31). Here x comes from one multiplication by a reciprocal computed once per
    layer, a little low; when that could change the floor, conv_multiplier decides. Much
    cheaper than a division per channel on a board (big integers)."""
    significand = (input_bits & 0x7FFFFF) | 0x800000
    divisor = (output_bits & 0x7FFFFF) | 0x800000
    reciprocal = significand * ((1 << RECIPROCAL_BITS) // divisor)
    layer = (
        input_bits,
        output_bits,
        -((-divisor << 23) // significand),  # from this weight significand on, x doubles
        -((-divisor << 24) // significand),  # and from this one, once more
        reciprocal << 2,
        reciprocal << 1,
        reciprocal,
        (input_bits >> 23) - (output_bits >> 23) - 127,  # frexp exponent, weight's apart
    )
    if not (0 < input_bits >> 23 < 255 and 0 < output_bits >> 23 < 255):
        return lambda weight_bits: _exact_channel_multiplier(layer, weight_bits)
    return lambda weight_bits: _channel_multiplier(layer, weight_bits)


def _channel_multiplier(layer, weight_bits):
    """conv_multipliers' function, with few locals and a shallow stack: MicroPython keeps a
    call's state on the C stack only up to a small size (VM_MAX_STATE_ON_STACK), else on
    the heap; with one more nested call here it ran 3.5 times slower on the ARM board."""
    if not 0 < weight_bits >> 23 < 255:
        return _exact_channel_multiplier(layer, weight_bits)
    weight = (weight_bits & 0x7FFFFF) | 0x800000
    doublings = 0 if weight < layer[2] else 1 if weight < layer[3] else 2
    scaled = weight * layer[4 + doublings] + ROUNDING
    if scaled & FRACTION >= UNSURE:
        return _exact_channel_multiplier(layer, weight_bits)
    q_fixed = scaled >> 74
    frexp_exponent = layer[7] + (weight_bits >> 23) + doublings
    if q_fixed >> 31:  # rounded up to 2**31: 2**30 at the next exponent
        q_fixed, frexp_exponent = 1 << 30, frexp_exponent + 1
    return (q_fixed, frexp_exponent) if frexp_exponent >= -31 else (0, 0)


def _exact_channel_multiplier(layer, weight_bits):
    return conv_multiplier(layer[0], weight_bits, layer[1])


def _exact_conv_multiplier(input_bits, weight_bits, output_bits):
    product = from_float32_bits(input_bits).mul(from_float32_bits(weight_bits))
    return quantize_multiplier(divide(product, from_float32_bits(output_bits, "output scale"), DOUBLE))


def _quotient_multiplier(product, divisor, exponent):
    """quantize_multiplier(divide(...)) of product / divisor * 2**exponent, for a product of
    two float32 significands (2**46 <= product < 2**48) and a float32 significand divisor:
    the same result in a few integer steps, one per channel of a layer. The double quotient
    is normal whatever the float32 exponents, so no subnormal or overflow case arises."""
    shift = 29 if product >> 47 else 30  # quotient below 2**54, at least 2**52
    q, r = divmod(product << shift, divisor)
    if q >> 53:  # 54 bits: the dropped bit joins the remainder, over twice the divisor
        r += (q & 1) * divisor
        divisor <<= 1
        q >>= 1
        shift -= 1
    if 2 * r > divisor or (2 * r == divisor and q & 1):  # round to nearest, ties to even
        q += 1
        if q >> 53:
            q >>= 1
            shift -= 1
    # the double is q * 2**(exponent - shift) with 2**52 <= q < 2**53; frexp's exponent:
    frexp_exponent = exponent - shift + 53
    q_fixed = (q + (1 << 21)) >> 22  # round(q / 2**53 * 2**31), half away from zero
    if q_fixed == 1 << 31:
        q_fixed >>= 1
        frexp_exponent += 1
    if frexp_exponent < -31:
        return 0, 0
    return q_fixed, frexp_exponent


def fc_per_tensor_multiplier(input_bits, weight_bits, output_bits):
    """Per-tensor FULLY_CONNECTED: the product is rounded to float32 before the division."""
    product = round_float(from_float32_bits(input_bits).mul(from_float32_bits(weight_bits)), FLOAT32)
    return quantize_multiplier(divide(product, from_float32_bits(output_bits, "output scale"), DOUBLE))


def ratio_multiplier(num_bits, den_bits):
    """QuantizeMultiplier((double)a / (double)b) for two float32 scales."""
    return quantize_multiplier(
        divide(from_float32_bits(num_bits), from_float32_bits(den_bits, "output scale"), DOUBLE)
    )


def truncate(value):
    """(int) of an Exact, as a C cast does."""
    return value.m << value.e if value.e >= 0 else value.m >> -value.e


def round_half_away(value):
    """TfLiteRound (std::round) of an Exact, to an int."""
    if value.e >= 0:
        return value.m << value.e
    return (value.m + (1 << (-value.e - 1))) >> -value.e


def quantize_value(real_numerator, negative, scale_bits, zero_point):
    """zp + (int)roundf(f / scale) with the division in float32; f = +-real_numerator."""
    q = round_half_away(divide(real_numerator, from_float32_bits(scale_bits), FLOAT32))
    return zero_point - q if negative else zero_point + q


def activation_range(activation, scale_bits, zero_point, qmin, qmax):
    """TFLM CalculateActivationRangeQuantized for a fused activation code."""
    if activation == 0 or activation == 4 or activation == 5:  # NONE, TANH, SIGN_BIT
        return qmin, qmax
    zero = quantize_value(Exact(0, 0), False, scale_bits, zero_point)
    if activation == 1:  # RELU
        return max(qmin, zero), qmax
    if activation == 3:  # RELU6
        return max(qmin, zero), min(qmax, quantize_value(Exact(6, 0), False, scale_bits, zero_point))
    if activation == 2:  # RELU_N1_TO_1
        low = quantize_value(Exact(1, 0), True, scale_bits, zero_point)
        high = quantize_value(Exact(1, 0), False, scale_bits, zero_point)
        return max(qmin, low), min(qmax, high)
    raise ModelError("unknown fused activation %d" % activation)


# TFLM's CheckedLog2 (quantization_util.cc) takes log2 of a scale in float32 and calls the
# scale a power of two when that is within 1e-3 of an integer. For the significand m in
# [2**23, 2**24) of a float32 that is m <= POT_LOW = floor(2**23 * 2**0.001) (just above a
# power of two) or m > POT_HIGH = floor(2**24 * 2**-0.001) (just below the next one). TFLM's
# float32 rounding moves those limits by up to 35 significands at the exponents models use
# (tests/test_quant_exact.py measures it with the C library's logf): within POT_BAND of a
# limit the answer is not known.
POT_LOW = 8394424
POT_HIGH = 16765590
POT_BAND = 64


def checked_log2(bits):
    """TFLM CheckedLog2 of a positive float32 given by its bit pattern: (n, True) when
    TFLM calls it 2**n, (None, True) when it calls it no power of two, (None, False) when
    float32 rounding decides (or the scale is zero)."""
    value = from_float32_bits(bits)
    m, e = value.m, value.e
    if not m:
        return None, False
    while m < 1 << 23:  # subnormal
        m <<= 1
        e -= 1
    if abs(m - POT_LOW) <= POT_BAND or abs(m - POT_HIGH) <= POT_BAND:
        return None, False
    if m <= POT_LOW:
        return e + 23, True
    if m > POT_HIGH:
        return e + 24, True
    return None, True


# TFLM's integer primitives (tensorflow/lite/kernels/internal/common.h), in exact Python
# integers: the reference the loop backends must match. Used at prepare time and by the
# plain-Python backend.

def srdhm(a, b):
    """SaturatingRoundingDoublingHighMul: round(a * b / 2**31), ties away from zero."""
    if a == b == INT32_MIN:
        return INT32_MAX
    return (a * b + (1 << 30)) >> 31


def rdbpot(x, exponent):
    """RoundingDivideByPOT: x / 2**exponent rounded to nearest, ties away from zero."""
    if exponent <= 0:
        return x
    mask = (1 << exponent) - 1
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> exponent) + (1 if (x & mask) > threshold else 0)


def mbqm(x, multiplier, shift):
    """MultiplyByQuantizedMultiplier with TFLM's default double rounding."""
    if shift > 0:
        x <<= shift
    return rdbpot(srdhm(x, multiplier), -shift)


# TFLM's int64 MultiplyByQuantizedMultiplier (common.cc, the overload 16x8 kernels call on
# their int64 accumulators), with C's fixed-width wrap-around made explicit: the exact
# reference for the loops' requantize_wide.

WIDE_SHIFT_LIMIT = 15  # from this shift on the int64 overload's shifts are undefined in C


def wrap(value, bits):
    """`value` as a two's-complement int of `bits` bits (what a C intN_t keeps of it)."""
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def reduced_multiplier(multiplier, shift):
    """(15-bit multiplier, right shift) the int64 overload applies for (multiplier, shift):
    x * reduced + 2**(right - 1), shifted right by right = 15 - shift."""
    reduced = (multiplier + (1 << 15)) >> 16 if multiplier < 0x7FFF0000 else 0x7FFF
    return reduced, 15 - shift


def mbqm64_reduced(x, reduced, right):
    """The int64 overload on an int64 x, from reduced_multiplier's pair: the product and
    rounding wrap at 64 bits and the shifted result is cast to int32, as compiled C does."""
    return wrap(wrap(x * reduced + (1 << (right - 1)), 64) >> right, 32)


def mbqm64(x, multiplier, shift):
    """MultiplyByQuantizedMultiplier(int64_t x, int32_t multiplier, int shift)."""
    return mbqm64_reduced(x, *reduced_multiplier(multiplier, shift))
