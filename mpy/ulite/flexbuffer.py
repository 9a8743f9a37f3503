"""Bounds-checked reading of a FlexBuffers map of scalars: the options of custom ops.

TFLM's custom ops (the Signal library's among them) keep their options in the operator's
custom_options bytes as a FlexBuffers map, e.g. {"fft_length": 512, "T": 7}. `read_map`
returns it as a dict; values that are not scalars (nested maps, vectors, strings, blobs)
come back as None, as no kernel reads them. Every read is checked against the buffer, so
a hostile model raises ModelError instead of reading past its end.

Layout (flatbuffers' FlexBuffers spec): the last byte is the root's width, the byte before
it the root's packed type (type << 2 | log2 of its width). Offsets point backwards. A map
is a vector of values (its size in the word before it, a type byte per value after it),
with the position and width of a sorted vector of keys in the three words before that.
"""

import struct

from .errors import ModelError

# FlexBuffers types (flexbuffers.h)
_INT = 1
_UINT = 2
_FLOAT = 3
_KEY = 4
_INDIRECT_INT = 6
_INDIRECT_UINT = 7
_INDIRECT_FLOAT = 8
_MAP = 9
_BOOL = 26

_MAX_ENTRIES = 256  # far above any op's options; a hostile count cannot make us loop long


def read_map(buf, what):
    """The FlexBuffers map in `buf` (bytes or memoryview) as {key: value}."""
    reader = _Reader(buf, what)
    size = len(buf)
    if size < 3:
        raise ModelError("%s: %d bytes of options, too short for a FlexBuffer" % (what, size))
    root_width = buf[size - 1]
    packed = buf[size - 2]
    if packed >> 2 != _MAP:
        raise ModelError("%s: options are not a FlexBuffers map (type %d)" % (what, packed >> 2))
    reader.width(root_width)
    root = size - 2 - root_width
    values = reader.deref(root, root_width)
    width = reader.width(1 << (packed & 3))
    count = reader.uint(values - width, width)
    if count > _MAX_ENTRIES:
        raise ModelError("%s: %d options where at most %d are supported" % (what, count, _MAX_ENTRIES))
    keys_width = reader.width(reader.uint(values - 2 * width, width))
    keys = reader.deref(values - 3 * width, width)
    reader.need(values, count * width + count)
    reader.need(keys, count * keys_width)
    if reader.uint(keys - keys_width, keys_width) != count:
        raise ModelError("%s: options map has %d values but a different number of keys" % (what, count))
    options = {}
    for i in range(count):
        key = reader.string(reader.deref(keys + i * keys_width, keys_width))
        options[key] = reader.value(values + i * width, width, buf[values + count * width + i])
    return options


class _Reader:
    def __init__(self, buf, what):
        self.buf = buf
        self.what = what

    def need(self, pos, nbytes):
        if pos < 0 or pos + nbytes > len(self.buf):
            raise ModelError(
                "%s: %d bytes at offset %d run past the end of the %d-byte options"
                % (self.what, nbytes, pos, len(self.buf))
            )

    def width(self, nbytes):
        if nbytes not in (1, 2, 4, 8):
            raise ModelError("%s: FlexBuffers width of %d bytes" % (self.what, nbytes))
        return nbytes

    def uint(self, pos, width):
        self.need(pos, width)
        b = self.buf
        value = 0
        for i in range(width - 1, -1, -1):
            value = (value << 8) | b[pos + i]
        return value

    def int(self, pos, width):
        value = self.uint(pos, width)
        return value - (1 << (8 * width)) if value >> (8 * width - 1) else value

    def deref(self, pos, width):
        """Follow the backward offset stored at `pos`."""
        target = pos - self.uint(pos, width)
        self.need(target, 0)
        return target

    def string(self, pos):
        b = self.buf
        end = pos
        while True:
            self.need(end, 1)
            if b[end] == 0:
                break
            end += 1
        try:
            return str(bytes(b[pos:end]), "utf-8")
        except UnicodeError:
            raise ModelError("%s: option name is not valid UTF-8" % self.what)

    def value(self, pos, parent_width, packed):
        kind = packed >> 2
        if kind in (_INDIRECT_INT, _INDIRECT_UINT, _INDIRECT_FLOAT):
            pos = self.deref(pos, parent_width)
            parent_width = self.width(1 << (packed & 3))
            kind -= _INDIRECT_INT - _INT
        if kind == _INT:
            return self.int(pos, parent_width)
        if kind == _UINT:
            return self.uint(pos, parent_width)
        if kind == _BOOL:
            return self.uint(pos, parent_width) != 0
        if kind == _FLOAT:
            self.need(pos, parent_width)
            if parent_width == 4:
                return struct.unpack_from("<f", self.buf, pos)[0]
            if parent_width == 8:
                return struct.unpack_from("<d", self.buf, pos)[0]
            raise ModelError("%s: %d-byte float option" % (self.what, parent_width))
        if kind == _KEY:
            return self.string(self.deref(pos, parent_width))
        return None
