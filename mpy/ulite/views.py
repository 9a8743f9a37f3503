"""Typed, zero-copy views of byte buffers (arena slices, model weights).

MicroPython has no memoryview.cast; uctypes arrays give the same indexable view.
"""

import array

try:
    import uctypes
except ImportError:  # CPython
    uctypes = None


def _view(buf, kind, typecode, itemsize):
    if uctypes:
        layout = {"v": (uctypes.ARRAY | 0, kind | len(buf) // itemsize)}
        return uctypes.struct(uctypes.addressof(buf), layout, uctypes.LITTLE_ENDIAN).v
    return memoryview(buf).cast("B").cast(typecode)


def int32_view(buf):
    """Indexable int32 view of an array('i') or of a byte buffer."""
    if isinstance(buf, array.array):
        return buf
    return _view(buf, uctypes.INT32 if uctypes else 0, "i", 4)


def int16_view(buf):
    """Indexable int16 view of a byte buffer."""
    return _view(buf, uctypes.INT16 if uctypes else 0, "h", 2)


def int64_view(buf):
    """Indexable int64 view of a byte buffer (its values are big ints on 32-bit ports)."""
    return _view(buf, uctypes.INT64 if uctypes else 0, "q", 8)


def float32_view(buf):
    """Indexable float32 view of a byte buffer."""
    return _view(buf, uctypes.FLOAT32 if uctypes else 0, "f", 4)


def int16_view(buf):
    """Indexable int16 view of a byte buffer."""
    return _view(buf, uctypes.INT16 if uctypes else 0, "h", 2)


def uint32_view(buf):
    """Indexable uint32 view of a byte buffer."""
    return _view(buf, uctypes.UINT32 if uctypes else 0, "I", 4)


def uint64_view(buf):
    """Indexable uint64 view of a byte buffer (values above 2**30 are long ints)."""
    return _view(buf, uctypes.UINT64 if uctypes else 0, "Q", 8)
