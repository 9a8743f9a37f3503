"""Bounds-checked, zero-copy reading of FlatBuffers tables, vectors and strings.

Positions are absolute byte offsets into the buffer. Every read is checked against the
buffer length, so a hostile file raises ModelError instead of reading past its end.
Offsets to tables, vectors and strings are unsigned and point forward, so following them
can never loop.
"""

import struct

from .errors import ModelError

_unpack_from = struct.unpack_from
_UNSIGNED = ("<B", "<H", "<I")
_SIGNED = {"<b": "<B", "<h": "<H", "<i": "<I"}


class FlatBuffer:
    def __init__(self, buf):
        self.buf = buf
        self.size = len(buf)

    def need(self, pos, nbytes, what):
        if pos < 0 or nbytes < 0 or pos + nbytes > self.size:
            raise ModelError(
                "%s: %d bytes at offset %d run past the end of the %d-byte model"
                % (what, nbytes, pos, self.size)
            )

    def read(self, fmt, nbytes, pos, what):
        self.need(pos, nbytes, what)
        if fmt in _UNSIGNED:  # byte arithmetic: no tuple per read, little garbage in prepare
            b = self.buf
            value = b[pos]
            for i in range(1, nbytes):
                value |= b[pos + i] << (8 * i)
            return value
        if fmt in _SIGNED:
            value = self.read(_SIGNED[fmt], nbytes, pos, what)
            return value - (1 << (8 * nbytes)) if value >> (8 * nbytes - 1) else value
        return _unpack_from(fmt, self.buf, pos)[0]

    def u32(self, pos, what):
        return self.read("<I", 4, pos, what)

    def deref(self, pos, what):
        """Follow the unsigned offset stored at `pos` to the object it points at."""
        return pos + self.u32(pos, what)

    def field(self, table, field_id, what):
        """Absolute position of a table field's inline data, or 0 when the field is absent."""
        vtable = table - self.read("<i", 4, table, what)
        vtable_size = self.read("<H", 2, vtable, what)
        slot = 4 + 2 * field_id
        if slot + 2 > vtable_size:
            return 0
        offset = self.read("<H", 2, vtable + slot, what)
        return table + offset if offset else 0

    def scalar(self, table, field_id, fmt, nbytes, default, what):
        pos = self.field(table, field_id, what)
        return self.read(fmt, nbytes, pos, what) if pos else default

    def table(self, table, field_id, what):
        """Position of a sub-table field, or 0 when absent."""
        pos = self.field(table, field_id, what)
        return self.deref(pos, what) if pos else 0

    def vector(self, table, field_id, elem_size, what, limit=None):
        """(position of element 0, element count) of a vector field; (0, 0) when absent.

        A `limit` caps the count, so a hostile count cannot make a caller loop for long.
        """
        pos = self.field(table, field_id, what)
        if not pos:
            return 0, 0
        vec = self.deref(pos, what)
        count = self.u32(vec, what)
        self.need(vec + 4, count * elem_size, what)
        if limit is not None and count > limit:
            raise ModelError("%s: %d entries where at most %d are supported" % (what, count, limit))
        return vec + 4, count

    def vector_table(self, start, index, what):
        return self.deref(start + 4 * index, what)

    def int_vector(self, table, field_id, what, limit=4096):
        """A vector of int32 as a tuple (small: shapes, tensor index lists)."""
        start, count = self.vector(table, field_id, 4, what, limit)
        return struct.unpack_from("<%di" % count, self.buf, start) if count else ()

    def string(self, table, field_id, what):
        start, count = self.vector(table, field_id, 1, what)
        if not start:
            return None
        try:
            return str(bytes(self.buf[start : start + count]), "utf-8")
        except UnicodeError:
            raise ModelError("%s: string is not valid UTF-8" % what)
