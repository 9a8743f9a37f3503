# Runs on MicroPython: what ulite derives constructing a model, written out as the data of
# the metadata entry `convert` stores in the model (ulite/prepared.py's layout), with a
# zero CRC-32: the host fills it in once the entry is in the model. Two passes:
#   micropython prepare.py MODEL.tflite DATA.bin
#     constructs the model (deriving everything) and writes DATA.bin without loop names;
#   micropython prepare.py --loops MODEL_WITH_ENTRY.tflite DATA.bin
#     constructs the model from that entry and appends to DATA.bin the loop functions the
#     construction loaded (what a board then loads first): the ops' own, not the ones only
#     the derivations use.
# Prints one JSON line: the entry's metadata name and the arena bytes.
import json
import struct
import sys

import ulite
from ulite import loops, prepared
from ulite.allocator import memory_plan
from ulite.model import Model


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
        len(plan.variables), 0,
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
    names = " ".join(name for name in loops.FUNCTIONS if name in loaded).encode()
    header = list(struct.unpack_from(prepared.HEADER, data, 0))
    header[-1] = len(names)
    return interp, struct.pack(prepared.HEADER, *header) + data[prepared.HEADER_BYTES :] + names


if sys.argv[1] == "--loops":
    interp, data = with_loops(read(sys.argv[2]), read(sys.argv[3]))
else:
    interp, data = derived(read(sys.argv[1]))
with open(sys.argv[-1], "wb") as f:
    f.write(data)
print(json.dumps({"name": prepared.NAME, "arena_bytes": interp.arena_used}))
