"""The ops' calls convert recorded in the model (ulite/prepared.py's entry): each op's
(fn, args) rebuilt from the words of ulite/layouts/calls.py, so the op needs neither its
kernel module nor its graph node. Only a construction from such an entry imports this
module, and unloads it after."""

import struct

from micropython import const

from .errors import ModelError

# Kinds of ulite.layouts.calls, restated for the compiler to fold (see ulite.layouts).
_CALL_NONE = const(0)
_CALL_INT = const(1)
_CALL_ARENA = const(2)
_CALL_MODEL = const(3)
_CALL_TUPLE = const(4)
_CALL_LIST = const(5)
_CALL_LOOP = const(6)
_CALL_SAME = const(7)
_CALL_BYTES = const(8)
_CALL_BYTEARRAY = const(9)
_CALL_ARRAY = const(10)


def recorded(plan, arena, model, loops):
    """Each op's (fn, args) recorded in the entry plan was read from, None for an op its
    kernel prepares. `arena`: a memoryview of the arena; `model`: the Model; `loops`: the
    loop backend."""
    at = plan.calls[0]
    buf = model.fb.buf
    reader = _Reader(buf, arena, loops, plan.loops)
    calls = []
    for _ in range(model.op_count):
        count = struct.unpack_from("<i", buf, at)[0]
        at += 4
        reader.words = struct.unpack_from("<%di" % count, buf, at)  # one op's at a time
        reader.start = at
        calls.append(reader.value())
        at += 4 * count
    return calls


class _Reader:
    """Reads values from `words`, one op's int32s, which start at byte `start` of the
    model `buf`."""

    def __init__(self, buf, arena, loops, names):
        self.words = self.start = None
        self.buf = buf
        self.arena = arena
        self.loops = loops
        self.names = names
        self.made = []  # the bytearrays, arrays and lists, in order (CALL_SAME's index)
        self.views = {}  # each slice of the arena and the model by its start, made once

    def value(self):
        """The value `words` hold, read in this one call: MicroPython puts a frame this
        size on the heap, and one per value left garbage among the objects ops keep."""
        words = self.words
        at = 0
        reading = []  # (kind, items, count) of each tuple or list being read, innermost last
        while True:
            kind = words[at]
            at += 1
            if kind == _CALL_TUPLE or kind == _CALL_LIST:
                at += 1
                if words[at - 1]:
                    reading.append((kind, [], words[at - 1]))
                    continue
                value = () if kind == _CALL_TUPLE else self._made([])
            elif kind == _CALL_NONE:
                value = None
            elif kind == _CALL_INT:
                value = words[at]
                at += 1
            elif kind == _CALL_ARENA or kind == _CALL_MODEL:
                offset, count = words[at], words[at + 1]
                at += 2
                key = 2 * offset + kind - _CALL_ARENA  # (a small int: no garbage to keep)
                value = self.views.get(key)
                if value is None or len(value) != count:
                    of = self.arena if kind == _CALL_ARENA else self.buf
                    value = self.views[key] = of[offset : offset + count]
            elif kind == _CALL_LOOP:
                value = getattr(self.loops, self.names[words[at]])
                at += 1
            elif kind == _CALL_SAME:
                value = self.made[words[at]]
                at += 1
            else:  # the kinds that carry bytes
                typecode = 0
                if kind == _CALL_ARRAY:
                    typecode = words[at]
                    at += 1
                count = words[at]
                first = self.start + 4 * (at + 1)
                data = self.buf[first : first + count]
                at += 1 + (count + 3) // 4
                if kind == _CALL_BYTES:
                    value = data
                elif kind == _CALL_BYTEARRAY:
                    value = self._made(bytearray(data))
                elif kind == _CALL_ARRAY:
                    from array import array

                    value = self._made(array(chr(typecode), bytes(data)))
                else:  # CALL_FUNCTION: "MODULE NAME"
                    module, name = str(bytes(data), "utf-8").split()
                    if not module.startswith("ulite."):  # a model's bytes call ulite only
                        raise ModelError("the precomputed entry calls %s.%s, outside ulite" % (module, name))
                    value = getattr(__import__(module, None, None, (name,)), name)
            while reading:  # the value goes into the innermost tuple or list, maybe ending it
                kind, items, count = reading[-1]
                items.append(value)
                if len(items) < count:
                    break
                reading.pop()
                value = tuple(items) if kind == _CALL_TUPLE else self._made(items)
            else:
                return value

    def _made(self, value):
        self.made.append(value)
        return value
