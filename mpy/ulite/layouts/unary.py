"""One-input int8 ops run as a 256-byte table (kernels/unary.py): the arguments of the
loops' lookup_int8."""

from . import const

LOOKUP_ARG_X = const(0)
LOOKUP_ARG_OUT = const(1)
LOOKUP_ARG_COUNT = const(2)
LOOKUP_ARG_TABLE = const(3)  # 256 output bytes, indexed by the input byte as unsigned
LOOKUP_ARGS = const(4)
