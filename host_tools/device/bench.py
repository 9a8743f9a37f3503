# Runs on MicroPython: time ulite on one model. Prints one JSON line.
# Usage: micropython bench.py MODEL INPUTS.bin LOOPS RUNS MODE [ARENA_BYTES FREE_BYTES]
#   MODE "time": median invoke time, arena and steady heap use, per-op profile
#   MODE "peak": reserve the arena (as an application does for a big model), load the
#     runtime and the model, fill the heap with ballast until only FREE_BYTES are free,
#     then construct and invoke once. The host searches for the smallest FREE_BYTES that
#     works: the heap ulite needs beyond its arena and the model bytes.
import gc
import json
import sys
import time

import ulite
from heap import leave_free
from ulite import resolver


def read(path):
    with open(path, "rb") as f:
        f.seek(0, 2)
        data = bytearray(f.tell())
        f.seek(0)
        f.readinto(data)
    return data


def load_kernels():
    for name in resolver.KERNELS.values():
        __import__("ulite.kernels." + name, None, None, (name,))
    ulite.interpreter.backend(None if LOOPS == "default" else LOOPS)


def feed(interp, inputs):
    inputs = memoryview(inputs)
    start = 0
    for i in range(interp.inputs):
        t = interp.input(i)
        t.data[:] = inputs[start : start + t.nbytes]
        start += t.nbytes


MODEL, INPUTS, LOOPS, RUNS, MODE = sys.argv[1:6]
arena = bytearray(int(sys.argv[6])) if MODE == "peak" else None
load_kernels()
model = read(MODEL)
gc.collect()
loops = None if LOOPS == "default" else LOOPS
if MODE == "peak":
    ballast = leave_free(int(sys.argv[7]))
    interp = ulite.Interpreter(model, loops=loops, arena=arena)
    interp.invoke()  # on the zeroed arena: memory use does not depend on input values
    print(json.dumps({"ok": 1, "arena": interp.arena_used}))
    sys.exit(0)
inputs = read(INPUTS)
# Constructed twice: the first loads the loops the model runs, so the second's heap, less
# its arena, is what an interpreter keeps (with what its ops keep of the kernel modules,
# which construction imports and then unloads).
interp = ulite.Interpreter(model, loops=loops)
interp = None
gc.collect()
before = gc.mem_alloc()
interp = ulite.Interpreter(model, loops=loops)
gc.collect()
steady = gc.mem_alloc() - before - len(interp.arena)
times = []
for _ in range(int(RUNS) + 1):
    feed(interp, inputs)
    start = time.ticks_us()
    interp.invoke()
    times.append(time.ticks_diff(time.ticks_us(), start))
times = sorted(times[1:])
feed(interp, inputs)
profile = interp.profile()
print(
    json.dumps(
        {
            "median_us": times[len(times) // 2],
            "arena": interp.arena_used,
            "activation_bytes": interp.activation_bytes,
            "planned_bytes": interp.planned_bytes,
            "persistent_bytes": interp.persistent_bytes,
            "steady_heap": steady,
            "profile": profile,
            "output": list(interp.output(0).data[:16]),
        }
    )
)
