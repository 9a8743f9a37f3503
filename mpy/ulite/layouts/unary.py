"""One-input elementwise ops: int8 ops run as a 256-byte table (kernels/unary.py), the
arguments of the loops' lookup_int8; CAST between integer types, of cast_integer."""

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
