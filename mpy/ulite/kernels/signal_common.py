"""Checks shared by the Signal library's kernels (TFLM signal/micro/kernels): their
FlexBuffers options, tensor types and ranks."""

from .common import io_types, require, unsupported


def options(op, *names):
    """The op's integer options `names` as TFLM reads them (ElementAsInt32: int32, a bool
    as 0 or 1). A missing or non-integer option is a ModelError naming it."""
    found = op.custom_options()
    values = []
    for name in names:
        value = found.get(name)
        require(
            value is not None and not isinstance(value, (float, str)),
            op,
            "option '%s' is %s", (name, "missing" if value is None else "not an integer"),
        )
        values.append(((int(value) + (1 << 31)) & 0xFFFFFFFF) - (1 << 31))
    return values


def types(op, expected):
    """Refuse the op unless its tensor types read `expected` ('int16,int16->int16')."""
    found = io_types(op)
    if found != expected:
        unsupported(found)


def ranks(op, inputs, outputs):
    """Require each input and output to have the rank given (None: any rank from 1)."""
    for kind, tensors, wanted in (("input", op.inputs, inputs), ("output", op.outputs, outputs)):
        for i, (t, rank) in enumerate(zip(tensors, wanted)):
            found = len(t.shape)
            require(
                found == rank if rank is not None else found >= 1,
                op,
                "%s %d has shape %s, expected rank %s", (kind, i, t.shape, rank or "1 or more"),
            )
