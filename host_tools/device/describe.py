# Runs on MicroPython: print ulite.describe(model) as one JSON line per model.
# Usage: micropython describe.py [--plan] MODEL.tflite...
# With --plan each line also holds "kernels" (the kernel modules its ops import), "loops"
# (the modules of the RP2040's loop backend, thumb, holding the loops its construction
# loads; None if ulite cannot construct it here) and "plan": where the arena holds each tensor
# and scratch buffer, and from which op to which.
import gc
import json
import sys

import ulite
from ulite import loops, planner
from ulite.allocator import Allocator
from ulite.model import Model


def lifetimes(m):
    """(first, last) op of every tensor: -1 for a graph input, ops count for an output."""
    ops_io = []
    for i in range(m.op_count):
        op = m.operator(i)
        ops_io.append(([t.index if t else -1 for t in op.inputs], [t.index for t in op.outputs]))
    first, last = planner.lifetimes(m.tensor_count, m.inputs, m.outputs, ops_io, lambda t: False)
    return [f - 1 for f in first], [t - 1 for t in last]


def plan(data):
    m = Model(data)
    allocator = Allocator(m)
    kernels = sorted({k.__name__.split(".")[-1] for k in allocator.kernels if k})
    p = allocator.plan()
    first, last = lifetimes(m)
    tensors = []
    for index, (offset, nbytes) in sorted(p.tensors().items(), key=lambda kv: kv[1][0]):
        name = m.tensor(index).name
        tensors.append(
            {
                "tensor": index,
                "name": name,
                "offset": offset,
                "bytes": nbytes,
                "first_op": first[index],
                "last_op": last[index],
            }
        )
    scratch = [
        {"op": i, "offset": offset, "bytes": p.scratch_bytes[i]}
        for i, offset in enumerate(p.scratch_offsets)
        if offset >= 0
    ]
    return kernels, {
        "tensors": tensors,
        "scratch": scratch,
        "op_names": [m.operator(i).name for i in range(m.op_count)],
        "planned_bytes": p.planned_bytes,
        "persistent_bytes": p.persistent_bytes,
        "arena_bytes": p.arena_bytes,
    }


def loop_families(data):
    """The thumb backend's modules holding the loop functions constructing the model loads
    (the function names are every backend's)."""
    from ulite.loops import thumb

    try:
        loaded = ulite.Interpreter(data).loops.__dict__  # (dir() would import every family)
    except (ulite.UliteError, MemoryError):
        return None  # (every family then: an upper bound)
    return sorted({thumb.FAMILIES[name] for name in loops.FUNCTIONS if name in loaded})


def describe(path, with_plan):
    try:
        with open(path, "rb") as f:
            data = f.read()
        info = ulite.describe(data)
        if with_plan:
            info["kernels"], info["plan"] = plan(data)
            info["loops"] = None if info["unsupported"] else loop_families(data)
        return info
    except ulite.UliteError as e:
        return {"error": str(e)}
    except MemoryError:
        return {"error": "out of memory reading the model (%d bytes of heap free)" % gc.mem_free()}


with_plan = sys.argv[1] == "--plan"
for path in sys.argv[2 if with_plan else 1 :]:
    print(json.dumps(describe(path, with_plan)))
    gc.collect()
