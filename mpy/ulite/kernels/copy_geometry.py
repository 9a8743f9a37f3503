"""Copy geometries for the loops' copy_strided: nested loops over element strides.

A geometry is the flat tuple (itemsize, src_start, dst_start, n0..n4, s0..s4, t0..t4):
five nested loops of n_k iterations stepping the source by s_k and the destination by t_k
elements. Dimensions of size 1 are dropped and neighbours that both sides walk as one are
merged first, so the innermost loop is as long as the layouts allow.
"""

from .common import unsupported

LEVELS = 5


def row_major_strides(shape):
    """Element strides of a contiguous tensor of `shape`."""
    strides = [1] * len(shape)
    for d in range(len(shape) - 2, -1, -1):
        strides[d] = strides[d + 1] * shape[d + 1]
    return strides


def collapse(dims, src_strides, dst_strides):
    """(dims, src_strides, dst_strides) without size-1 dims, contiguous neighbours merged."""
    kept = [d for d in range(len(dims)) if dims[d] != 1]
    n = [dims[d] for d in kept]
    s = [src_strides[d] for d in kept]
    t = [dst_strides[d] for d in kept]
    d = len(n) - 1
    while d > 0:
        if s[d - 1] == s[d] * n[d] and t[d - 1] == t[d] * n[d]:
            n[d - 1] *= n[d]
            s[d - 1] = s[d]
            t[d - 1] = t[d]
            del n[d], s[d], t[d]
        d -= 1
    return n, s, t


def geometry(itemsize, src_start, dst_start, dims, src_strides, dst_strides):
    """The copy geometry of `dims` nested loops (collapsed, padded to LEVELS)."""
    n, s, t = collapse(dims, src_strides, dst_strides)
    if len(n) > LEVELS:
        unsupported("copies over %d dimensions (at most %d)" % (len(n), LEVELS))
    pad = LEVELS - len(n)
    return tuple([itemsize, src_start, dst_start] + [1] * pad + n + [0] * pad + s + [0] * pad + t)
