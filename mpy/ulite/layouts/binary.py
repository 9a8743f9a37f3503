"""ADD, SUB, MUL, MAXIMUM and MINIMUM: the arguments of the loops' binary_int8 and
binary_int16 (int8 or int16 inputs, the same fields), the per-input transforms, how the
two values combine, and the broadcast dims."""

from . import const

BINARY_ARG_OUT = const(0)
BINARY_ARG_X1 = const(1)
BINARY_ARG_X2 = const(2)
BINARY_ARG_TRANSFORM1 = const(3)  # input 1's transform (TRANSFORM_ fields)
BINARY_ARG_TRANSFORM2 = const(4)
BINARY_ARG_DIMS = const(5)  # BROADCAST_RANK output dims, outermost first
BINARY_ARG_STRIDES1 = const(6)  # BROADCAST_RANK element strides of input 1 (0: broadcast)
BINARY_ARG_STRIDES2 = const(7)
BINARY_ARG_ACC = const(8)  # int32 accumulators (the interpreter's shared chunk)
BINARY_ARG_CHUNK = const(9)  # values combined before each requantization
BINARY_ARG_RQ = const(10)  # layouts.requant
BINARY_ARG_MODE = const(11)  # one of the BINARY_ modes below
BINARY_ARGS = const(12)

# how the loops combine d1 and d2 (each input minus its zero point, transformed)
BINARY_SUM = const(0)  # rescaled, then added (ADD, SUB)
BINARY_PRODUCT = const(1)  # MUL
BINARY_MAXIMUM = const(2)
BINARY_MINIMUM = const(3)

# an input's transform: d = x - zero point; sums rescale it as TFLM does,
# RDBPOT(SRDHM(d << left shift, multiplier), right shift), negated for SUB's second input;
# the left shift is 20 for int8 inputs, 15 for int16 (TFLM's ADD and SUB)
TRANSFORM_ZERO_POINT = const(0)
TRANSFORM_NEGATE = const(1)
TRANSFORM_MULTIPLIER_HIGH = const(2)  # multiplier >> (31 - left shift)
TRANSFORM_MULTIPLIER_LOW = const(3)  # the multiplier's low 31 - left shift bits
TRANSFORM_RIGHT_SHIFT = const(4)
TRANSFORM_FIELDS = const(5)

BROADCAST_RANK = const(6)  # dims the loops walk (kernels collapse and pad to it)

# int32 ops (no quantization): the arguments of the loops' binary_int32
INT32_ARG_OUT = const(0)
INT32_ARG_X1 = const(1)
INT32_ARG_X2 = const(2)
INT32_ARG_DIMS = const(3)  # BROADCAST_RANK output dims, outermost first
INT32_ARG_STRIDES1 = const(4)
INT32_ARG_STRIDES2 = const(5)
INT32_ARG_MODE = const(6)  # one of the INT32_ modes below
INT32_ARG_LO = const(7)  # the fused activation's range
INT32_ARG_HI = const(8)
INT32_ARGS = const(9)

# how binary_int32 combines x1 and x2 (sums, differences and products wrap around)
INT32_SUM = const(0)
INT32_DIFFERENCE = const(1)
INT32_PRODUCT = const(2)
INT32_MAXIMUM = const(3)
INT32_MINIMUM = const(4)
INT32_QUOTIENT = const(5)  # truncating toward zero, as C's division
