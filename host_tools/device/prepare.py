# Runs on MicroPython: ulite constructs a model, and what it derived is written out as the
# data of the metadata entry `convert` stores in the model (ulite/prepared.py's layout),
# with a zero CRC-32: the host fills it in once the entry is in the model.
# Usage: micropython prepare.py MODEL.tflite DATA.bin
# Prints one JSON line: the entry's metadata name and the arena bytes.
import json
import struct
import sys

import ulite
from ulite import prepared
from ulite.allocator import memory_plan


def read(path):
    with open(path, "rb") as f:
        return f.read()


model = read(sys.argv[1])
interp = ulite.Interpreter(model)
plan = memory_plan(model)
assert interp.precomputed is None and interp.arena_used == plan.arena_bytes
spans = [span or (-1, 0) for span in plan.int_spans]
per_op = list(plan.scratch_offsets) + list(plan.scratch_bytes) + list(plan.table_bytes)
per_op += [span[0] for span in spans] + [span[1] for span in spans]
tables = sum(plan.table_bytes)
header = struct.pack(
    prepared.HEADER, prepared.FORMAT, 0, len(plan.tensor_offsets), len(plan.scratch_bytes),
    plan.planned_bytes, plan.activation_bytes, tables, plan.shared_bytes, len(plan.variables),
)  # fmt: skip
words = list(plan.tensor_offsets) + per_op + list(plan.variables)
data = header + struct.pack("<%di" % len(words), *words)
data += bytes(interp.arena[plan.planned_bytes : plan.arena_bytes])
with open(sys.argv[2], "wb") as f:
    f.write(data)
print(json.dumps({"name": prepared.NAME, "arena_bytes": interp.arena_used}))
