"""One-input ops: the arguments of the loops' lookup_int8 (int8 ops run as a 256-byte
table, kernels/unary.py), leaky_relu_int16 and logistic_tanh_int16; CAST between integer
types, of cast_integer."""

from . import const

LOOKUP_ARG_X = const(0)
LOOKUP_ARG_OUT = const(1)
LOOKUP_ARG_COUNT = const(2)
LOOKUP_ARG_TABLE = const(3)  # 256 output bytes, indexed by the input byte as unsigned
LOOKUP_ARGS = const(4)

# CAST between integer types (kernels/cast.py): the arguments of the loops' cast_integer
CAST_ARG_OUT = const(0)
CAST_ARG_X = const(1)
CAST_ARG_COUNT = const(2)
CAST_ARG_IN_SIZE = const(3)  # bytes per input value: 1, 2 or 4
CAST_ARG_IN_KIND = const(4)  # one of the CAST_ kinds below
CAST_ARG_OUT_SIZE = const(5)  # bytes per output value: the low bytes of the input's
CAST_ARGS = const(6)

CAST_SIGNED = const(0)  # int8, int16, int32: sign-extended
CAST_UNSIGNED = const(1)  # uint32
CAST_BOOL = const(2)  # a nonzero byte is 1

# RELU, RELU6 and LEAKY_RELU on int16: d = x - input zero point is requantized by the rq's
# channel 0 (identity) when d >= 0, by its channel 1 (alpha, negated if ALPHA_NEGATIVE)
# below zero, plus the rq's zero point, clamped to its [lo, hi]
LEAKY_ARG_X = const(0)
LEAKY_ARG_OUT = const(1)
LEAKY_ARG_COUNT = const(2)
LEAKY_ARG_INPUT_ZP = const(3)
LEAKY_ARG_RQ = const(4)  # layouts.requant with two channels
LEAKY_ARG_ALPHA_NEGATIVE = const(5)
LEAKY_ARGS = const(6)

# TFLM's int16 logistic and tanh (reference_integer_ops): v = (x * multiplier + round) >>
# shift, |v| interpolated in the 256-entry sigmoid table (ulite/sigmoid_lut.py)
SIGMOID_ARG_X = const(0)
SIGMOID_ARG_OUT = const(1)  # may be X: each value is read before its output is written
SIGMOID_ARG_COUNT = const(2)
SIGMOID_ARG_MULTIPLIER = const(3)  # |x * multiplier| + round < 2**31
SIGMOID_ARG_SHIFT = const(4)  # right shift, rounding half up
SIGMOID_ARG_TABLE = const(5)  # 256 little-endian uint16, any alignment
SIGMOID_ARG_TANH = const(6)  # 0: logistic, 1: tanh
SIGMOID_ARGS = const(7)
