"""Copy geometries for the loops' copy_strided: nested loops over element strides.

A geometry (layouts.copy) is a flat tuple: the item size, the source and destination
starts, then the counts, source steps and destination steps of COPY_LEVELS nested loops.
Dimensions of size 1 are dropped and neighbours that both sides walk as one are merged
first, so the innermost loop is as long as the layouts allow.
"""

from .common import const, unsupported

# Fields of ulite.layouts.copy, restated for the compiler to fold (see ulite.layouts).
_COPY_LEVELS = const(5)
_COPY_ITEMSIZE = const(0)
_COPY_SRC_START = const(1)
_COPY_DST_START = const(2)
_COPY_COUNTS = const(3)
_COPY_SRC_STEPS = const(8)
_COPY_DST_STEPS = const(13)
_COPY_FIELDS = const(18)


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
    """The copy geometry of `dims` nested loops (collapsed, padded to COPY_LEVELS)."""
    n, s, t = collapse(dims, src_strides, dst_strides)
    if len(n) > _COPY_LEVELS:
        unsupported("copies over %d dimensions (at most %d)" % (len(n), _COPY_LEVELS))
    geo = _levels(itemsize, n, s, t)
    geo[_COPY_SRC_START] = src_start
    geo[_COPY_DST_START] = dst_start
    return tuple(geo)


def band_geometry(itemsize, dims, src_strides, dst_strides):
    """A geometry (a list) of `dims` as they are, none dropped or merged, whose starts and
    outermost given count a step may set in place: returns (geometry, the indices of the
    source start, the destination start and that count)."""
    pad = _COPY_LEVELS - len(dims)
    return _levels(itemsize, dims, src_strides, dst_strides), (_COPY_SRC_START, _COPY_DST_START, _COPY_COUNTS + pad)


def _levels(itemsize, counts, src_steps, dst_steps):
    """A geometry (a list, starts 0) of at most COPY_LEVELS loops, padded with outer loops
    of one iteration."""
    geo = [0] * _COPY_FIELDS
    geo[_COPY_ITEMSIZE] = itemsize
    pad = _COPY_LEVELS - len(counts)
    for k in range(_COPY_LEVELS):
        outer = k < pad
        geo[_COPY_COUNTS + k] = 1 if outer else counts[k - pad]
        geo[_COPY_SRC_STEPS + k] = 0 if outer else src_steps[k - pad]
        geo[_COPY_DST_STEPS + k] = 0 if outer else dst_steps[k - pad]
    return geo
