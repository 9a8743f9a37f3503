# Runs on MicroPython: the least construction time of a model over RUNS, from convert's bytes
# (with the precomputed entry) and from the raw .tflite. Prints one JSON line.
# Usage: micropython construct_times.py CONVERTED.tflite RAW.tflite RUNS
import gc
import json
import sys
import time

import ulite


def read(path):
    with open(path, "rb") as f:
        return f.read()


def least_ms(model, runs, precomputed):
    times = []
    for _ in range(runs):
        gc.collect()
        start = time.ticks_us()
        interp = ulite.Interpreter(model)
        times.append(time.ticks_diff(time.ticks_us(), start))
        assert (interp.precomputed is True) == precomputed
        interp = None
    return min(times) / 1000


runs = int(sys.argv[3])
converted, raw = read(sys.argv[1]), read(sys.argv[2])
least_ms(raw, 1, False)  # the first construction imports the kernels and loops
print(json.dumps({"module_ms": least_ms(converted, runs, True), "raw_ms": least_ms(raw, runs, False)}))
