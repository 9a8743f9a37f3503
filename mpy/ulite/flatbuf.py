"""Bounds-checked, zero-copy reading of FlatBuffers tables, vectors and strings.

Positions are absolute byte offsets into the buffer. Every read is checked against the
buffer length, so a hostile file raises ModelError instead of reading past its end.
Offsets to tables, vectors and strings are unsigned and point forward, so following them
can never loop.

A board runs a few hundred instructions per Python step, so reads take few steps: a
table's vtable is read once for all the fields wanted (slots), values with struct (in C),
and `what` (the object read, for error messages) may be a (format, value) pair that is
formatted only if there is an error.
"""

import struct

from .errors import ModelError

_unpack_from = struct.unpack_from
_SLOT_FORMATS = tuple("<%dH" % n for n in range(17))
_INT_FORMATS = tuple("<%di" % n for n in range(12))  # shapes, index lists, tensor table rows


def describe(what):
    return what[0] % what[1] if isinstance(what, tuple) else what


class FlatBuffer:
    def __init__(self, buf):
        self.buf = buf
        self.size = len(buf)

    def need(self, pos, nbytes, what):
        if pos < 0 or nbytes < 0 or pos + nbytes > self.size:
            raise ModelError(
                "%s: %d bytes at offset %d run past the end of the %d-byte model"
                % (describe(what), nbytes, pos, self.size)
            )

    def read(self, fmt, nbytes, pos, what):
        if pos < 0 or pos + nbytes > self.size:
            self.need(pos, nbytes, what)
        return _unpack_from(fmt, self.buf, pos)[0]

    def u32(self, pos, what):
        if pos < 0 or pos + 4 > self.size:
            self.need(pos, 4, what)
        return _unpack_from("<I", self.buf, pos)[0]

    def deref(self, pos, what):
        """Follow the unsigned offset stored at `pos` to the object it points at."""
        if pos < 0 or pos + 4 > self.size:
            self.need(pos, 4, what)
        return pos + _unpack_from("<I", self.buf, pos)[0]

    def slots(self, table, count, what):
        """Offsets from `table` of its fields 0..count-1 (count <= 16), 0 where absent."""
        size = self.size
        if table < 0 or table + 4 > size:
            self.need(table, 4, what)
        buf = self.buf
        vtable = table - _unpack_from("<i", buf, table)[0]
        end = vtable + 4 + 2 * count
        if vtable >= 0 and end <= size and buf[vtable] | buf[vtable + 1] << 8 >= end - vtable:
            return _unpack_from(_SLOT_FORMATS[count], buf, vtable + 4)
        # a short vtable (fields past its end are absent), or one near the buffer's end
        self.need(vtable, 2, what)
        held = min(count, ((buf[vtable] | buf[vtable + 1] << 8) - 4) // 2)
        if held > 0:
            self.need(vtable + 4, 2 * held, what)
            return _unpack_from(_SLOT_FORMATS[held], buf, vtable + 4) + (0,) * (count - held)
        return (0,) * count

    def field(self, table, field_id, what):
        """Absolute position of a table field's inline data, or 0 when the field is absent."""
        offset = self.slots(table, field_id + 1, what)[field_id]
        return table + offset if offset else 0

    def scalar(self, table, field_id, fmt, nbytes, default, what):
        pos = self.field(table, field_id, what)
        return self.read(fmt, nbytes, pos, what) if pos else default

    def table(self, table, field_id, what):
        """Position of a sub-table field, or 0 when absent."""
        pos = self.field(table, field_id, what)
        return self.deref(pos, what) if pos else 0

    def vector_at(self, pos, elem_size, what, limit=None):
        """(position of element 0, element count) of the vector a field at `pos` points
        to; (0, 0) when pos is 0. A `limit` caps the count, so a hostile count cannot make
        a caller loop for long."""
        if not pos:
            return 0, 0
        size = self.size
        if pos < 0 or pos + 4 > size:
            self.need(pos, 4, what)
        vec = pos + _unpack_from("<I", self.buf, pos)[0]
        if vec + 4 > size:
            self.need(vec, 4, what)
        count = _unpack_from("<I", self.buf, vec)[0]
        if vec + 4 + count * elem_size > size:
            self.need(vec + 4, count * elem_size, what)
        if limit is not None and count > limit:
            raise ModelError(
                "%s: %d entries where at most %d are supported" % (describe(what), count, limit)
            )
        return vec + 4, count

    def vector(self, table, field_id, elem_size, what, limit=None):
        """(position of element 0, element count) of a vector field; (0, 0) when absent."""
        return self.vector_at(self.field(table, field_id, what), elem_size, what, limit)

    def vector_table(self, start, index, what):
        return self.deref(start + 4 * index, what)

    def ints_at(self, pos, what, limit=4096):
        """The int32 vector a field at `pos` points to, as a tuple (small: shapes, tensor
        index lists); () when pos is 0."""
        start, count = self.vector_at(pos, 4, what, limit)
        return self.ints(start, count)

    def ints(self, start, count):
        """`count` int32 values at `start`, as a tuple."""
        fmt = _INT_FORMATS[count] if count < len(_INT_FORMATS) else "<%di" % count
        return _unpack_from(fmt, self.buf, start)

    def int_vector(self, table, field_id, what, limit=4096):
        return self.ints_at(self.field(table, field_id, what), what, limit)

    def string_at(self, pos, what):
        start, count = self.vector_at(pos, 1, what)
        if not start:
            return None
        try:
            return str(bytes(self.buf[start : start + count]), "utf-8")
        except UnicodeError:
            raise ModelError("%s: string is not valid UTF-8" % describe(what))

    def string(self, table, field_id, what):
        return self.string_at(self.field(table, field_id, what), what)
