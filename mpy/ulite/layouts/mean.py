"""MEAN: the geometry the loops' mean_int8 and mean_int16 (and the float loop) walk, and
their arguments.

Three kept loops (one output each, in order) over the input with MEAN_KEPT_COUNTS[k]
iterations and MEAN_KEPT_STRIDES[k] element strides, around three reduced loops (summed),
outermost first; groups a model does not need have count 1."""

from . import const

MEAN_GROUPS = const(3)
MEAN_OFFSET = const(0)  # (type's minimum - input zero point) * reduced count; float: unused
MEAN_KEPT_COUNTS = const(1)  # MEAN_GROUPS values from here
MEAN_KEPT_STRIDES = const(MEAN_KEPT_COUNTS + MEAN_GROUPS)
MEAN_REDUCED_COUNTS = const(MEAN_KEPT_STRIDES + MEAN_GROUPS)
MEAN_REDUCED_STRIDES = const(MEAN_REDUCED_COUNTS + MEAN_GROUPS)
MEAN_FIELDS = const(MEAN_REDUCED_STRIDES + MEAN_GROUPS)

MEAN_ARG_OUT = const(0)
MEAN_ARG_X = const(1)
MEAN_ARG_GEOMETRY = const(2)
MEAN_ARG_ACC = const(3)  # int32 accumulators (the interpreter's shared chunk)
MEAN_ARG_CHUNK = const(4)  # means summed before each requantization
MEAN_ARG_RQ = const(5)  # layouts.requant
MEAN_ARGS = const(6)
