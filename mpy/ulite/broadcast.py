"""Broadcasting two inputs to an output shape (TFLM's NdArrayDesc rules): the dims and
strides the loops walk, and the walk itself in plain Python (the viper loop nests it)."""

from .errors import ModelError, UnsupportedOpError

_BROADCAST_RANK = 6  # ulite.layouts.binary's, restated (the viper loop nests as many)


def broadcast(op, shapes, out_shape):
    """Dims and per-input element strides iterating `out_shape`, collapsed, padded to
    BROADCAST_RANK (6) dims.

    Each input shape must broadcast to the output: equal dims or 1. Returns
    (dims, [strides per input]), tuples of BROADCAST_RANK ints, outermost first.
    """
    rank = len(out_shape)
    strides = []
    for shape in shapes:
        if len(shape) > rank:
            raise ModelError("%s: input rank %d above output rank %d" % (op.where(), len(shape), rank))
        full = (1,) * (rank - len(shape)) + tuple(shape)
        step = 1
        s = [0] * rank
        for d in range(rank - 1, -1, -1):
            if full[d] not in (1, out_shape[d]):
                raise ModelError(
                    "%s: shape %s does not broadcast to output %s"
                    % (op.where(), tuple(shape), tuple(out_shape))
                )
            s[d] = step if full[d] != 1 or out_shape[d] == 1 else 0
            step *= full[d]
        strides.append(s)
    dims = list(out_shape)
    d = rank - 1
    while d > 0:  # merge dim d into d-1 where every input walks them as one
        if all(s[d - 1] == s[d] * dims[d] for s in strides):
            dims[d - 1] *= dims[d]
            del dims[d]
            for s in strides:
                del s[d - 1]
        d -= 1
    if len(dims) > _BROADCAST_RANK:
        raise UnsupportedOpError("broadcasting over %d dimensions" % len(dims))
    pad = _BROADCAST_RANK - len(dims)
    dims = tuple([1] * pad + dims)
    return dims, [tuple([0] * pad + s) for s in strides]


def walk(dims, st1, st2):
    """Element offsets (p, q) of two inputs, in output order, over broadcast dims."""
    for i0 in range(dims[0]):
        for i1 in range(dims[1]):
            for i2 in range(dims[2]):
                for i3 in range(dims[3]):
                    for i4 in range(dims[4]):
                        p = i0 * st1[0] + i1 * st1[1] + i2 * st1[2] + i3 * st1[3] + i4 * st1[4]
                        q = i0 * st2[0] + i1 * st2[1] + i2 * st2[2] + i3 * st2[3] + i4 * st2[4]
                        for _ in range(dims[5]):
                            yield p, q
                            p += st1[5]
                            q += st2[5]
