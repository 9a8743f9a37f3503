"""PAD, CONCATENATION, TRANSPOSE and STRIDED_SLICE: the copy geometry the loops'
copy_strided walks (kernels/copy_geometry.py builds it) and copy_strided's arguments.

Five nested loops of COPY_COUNTS[k] iterations, stepping the source by COPY_SRC_STEPS[k]
and the destination by COPY_DST_STEPS[k] elements (outermost first)."""

from . import const

COPY_LEVELS = const(5)
COPY_ITEMSIZE = const(0)
COPY_SRC_START = const(1)  # in elements
COPY_DST_START = const(2)
COPY_COUNTS = const(3)  # COPY_LEVELS values from here
COPY_SRC_STEPS = const(COPY_COUNTS + COPY_LEVELS)
COPY_DST_STEPS = const(COPY_SRC_STEPS + COPY_LEVELS)
COPY_FIELDS = const(COPY_DST_STEPS + COPY_LEVELS)

COPY_ARG_DST = const(0)
COPY_ARG_SRC = const(1)
COPY_ARG_GEOMETRY = const(2)
COPY_ARGS = const(3)
