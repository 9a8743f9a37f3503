# Runs on MicroPython: what ulite derives constructing a model, written out as the data of
# the metadata entry `convert` stores in the model (ulite/prepared.py's layout), with a
# zero CRC-32: the host fills it in once the entry is in the model. Two passes:
#   micropython prepare.py MODEL.tflite DATA.bin
#     constructs the model (deriving everything) and writes DATA.bin without loop names;
#   micropython prepare.py --loops MODEL_WITH_ENTRY.tflite DATA.bin
#     constructs the model from that entry and appends to DATA.bin the loop functions the
#     construction loaded (what a board then loads first): the ops' own, not the ones only
#     the derivations use; then each op's call (fn, args), as ulite/layouts/calls.py
#     encodes it, or CALL_NONE where its args hold what cannot be recorded (floats, typed
#     views, objects other than those kinds): its kernel prepares it on the board.
# Prints one JSON line: the entry's metadata name and the arena bytes.
import json
import struct
import sys
from array import array

import uctypes

import ulite
from ulite import loops, prepared
from ulite.allocator import memory_plan
from ulite.layouts import calls as kinds
from ulite.model import Model

INT32 = (-(1 << 31), 1 << 31)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def derived(model):
    interp = ulite.Interpreter(model)
    plan = memory_plan(model)
    assert interp.precomputed is None and interp.arena_used == plan.arena_bytes
    per_op = list(plan.scratch_offsets) + list(plan.scratch_bytes) + list(plan.table_bytes)
    per_op += list(plan.int_offsets) + list(plan.int_bytes) + list(plan.state_bytes)
    header = struct.pack(
        prepared.HEADER, prepared.FORMAT, 0, len(plan.tensor_offsets), len(plan.scratch_bytes),
        plan.planned_bytes, plan.activation_bytes, sum(plan.table_bytes), plan.shared_bytes,
        len(plan.variables), 0, 0,
    )  # fmt: skip
    words = list(plan.tensor_offsets) + per_op + list(plan.variables)
    m = Model(model)
    for i in range(m.tensor_count):
        words += m.tensor_fields(i)
    data = header + struct.pack("<%di" % len(words), *words)
    tables_end = plan.planned_bytes + sum(plan.table_bytes) + plan.shared_bytes  # then the state
    return interp, data + bytes(interp.arena[plan.planned_bytes : tables_end])


def with_loops(model, data):
    interp = ulite.Interpreter(model)
    assert interp.precomputed is True, interp.precomputed
    loaded = interp.loops.__dict__  # (dir() would import every family to list it)
    names = [name for name in loops.FUNCTIONS if name in loaded]
    recorder = Recorder(interp, model, names)
    words = []
    for call in zip(interp._fns, interp._args):
        encoded = recorder.encoded(call)
        words += [len(encoded)] + encoded
    if words == [1, kinds.CALL_NONE] * len(interp._fns):
        words = []  # none recorded: a board need not read them
    calls = struct.pack("<%di" % len(words), *words)
    names = " ".join(names).encode()
    header = list(struct.unpack_from(prepared.HEADER, data, 0))
    header[-2:] = len(names), len(calls)
    body = data[prepared.HEADER_BYTES :] + names + calls
    return interp, struct.pack(prepared.HEADER, *header) + body


class Unrecordable(Exception):
    pass


class Recorder:
    """Encodes ops' calls as words of ulite.layouts.calls, for the interpreter `interp`
    constructed from `model` (bytes) with the loops `names` loaded."""

    def __init__(self, interp, model, names):
        self.regions = (
            (kinds.CALL_ARENA, uctypes.addressof(interp.arena), len(interp.arena)),
            (kinds.CALL_MODEL, uctypes.addressof(model), len(model)),
        )
        self.loops = {id(getattr(interp.loops, name)): i for i, name in enumerate(names)}
        self.made = {}  # id of each bytearray, array and list encoded: its CALL_SAME index

    def encoded(self, call):
        """The words of `call`, or CALL_NONE's if it holds what cannot be recorded."""
        made = dict(self.made)
        words = []
        try:
            self.encode(call, words)
        except Unrecordable:
            self.made = made
            return [kinds.CALL_NONE]
        return words

    def encode(self, value, words):
        kind = type(value)
        if value is None:
            words.append(kinds.CALL_NONE)
        elif kind is int:
            if not INT32[0] <= value < INT32[1]:
                raise Unrecordable
            words += [kinds.CALL_INT, value]
        elif kind is tuple:
            self.items(kinds.CALL_TUPLE, value, words)
        elif kind is memoryview:
            self.view(value, words)
        elif kind is bytes:
            self.carried(kinds.CALL_BYTES, value, words)
        elif kind is list or kind is bytearray or kind is array:  # what an op may change
            if id(value) in self.made:
                words += [kinds.CALL_SAME, self.made[id(value)]]
                return
            if kind is list:
                self.items(kinds.CALL_LIST, value, words)
            elif kind is bytearray:
                self.carried(kinds.CALL_BYTEARRAY, value, words)
            else:
                typecode = str(value)[7]  # array('i', [...])
                if typecode not in "bBhHi":  # int32 or narrower: the same on every port
                    raise Unrecordable
                words += [kinds.CALL_ARRAY, ord(typecode)]
                self.carried(None, bytes(value), words)
            self.made[id(value)] = len(self.made)  # (a list once its items are made)
        elif id(value) in self.loops:
            words += [kinds.CALL_LOOP, self.loops[id(value)]]
        else:
            self.function(value, words)

    def items(self, kind, value, words):
        words += [kind, len(value)]
        for item in value:
            self.encode(item, words)

    def view(self, value, words):
        """A byte slice of the arena or of the model."""
        if len(value) and len(bytes(value[:1])) != 1:
            raise Unrecordable  # a typed view
        at = uctypes.addressof(value)
        for kind, start, size in self.regions:
            if start <= at and at + len(value) <= start + size:
                words += [kind, at - start, len(value)]
                return
        raise Unrecordable

    def function(self, value, words):
        """A function a module defines (its name there is the function)."""
        try:
            name, namespace = value.__name__, value.__globals__
        except (AttributeError, TypeError):  # (TypeError: a uctypes view)
            raise Unrecordable
        if namespace.get(name) is not value:
            raise Unrecordable  # a closure, a lambda, a method
        text = "%s %s" % (namespace["__name__"], name)
        self.carried(kinds.CALL_FUNCTION, text.encode(), words)

    @staticmethod
    def carried(kind, data, words):
        """`kind` (None: its words are already there), the byte count and the bytes."""
        if kind is not None:
            words.append(kind)
        padded = bytes(data) + bytes(-len(data) % 4)
        words.append(len(data))
        words += struct.unpack("<%di" % (len(padded) // 4), padded)


if sys.argv[1] == "--loops":
    interp, data = with_loops(read(sys.argv[2]), read(sys.argv[3]))
else:
    interp, data = derived(read(sys.argv[1]))
with open(sys.argv[-1], "wb") as f:
    f.write(data)
print(json.dumps({"name": prepared.NAME, "arena_bytes": interp.arena_used}))
