# Runs on MicroPython: many (model, inputs) jobs in one process, for kernel sweeps.
# Usage: micropython run_batch.py JOBS.jsonl LOOPS
# JOBS.jsonl: {"arena_bytes": the largest arena, or null}, then one line per job: {"model",
# "steps", "reset_before", "prefix"}, read one at a time (a board's heap does not hold a long
# list). A job invokes one interpreter once per step (its list of input files), calling
# reset() before the steps listed, and writes step s's outputs to PREFIX s<s>_out<i>.bin;
# it prints one JSON line: {"outputs": count} or {"error": message}.
import gc
import json
import sys

jobs = open(sys.argv[1])
arena_bytes = json.loads(jobs.readline())["arena_bytes"]
# One arena for every job, reserved while the heap is in one piece: a board's heap has
# no block that big left once ulite's modules are loaded around a model's parsing.
arena = bytearray(arena_bytes) if arena_bytes else None

import ulite  # noqa: E402
from ulite import loops as backends  # noqa: E402


def file_data(path):
    """The file's bytes in place where the filesystem maps files into memory (a board's
    ROMFS: no heap, and models bigger than the heap), else read into the heap."""
    f = open(path, "rb")
    try:
        return memoryview(f)
    except TypeError:
        with f:
            return f.read()


def run(job, loops):
    interp = ulite.Interpreter(file_data(job["model"]), arena=arena, loops=loops)
    for step, inputs in enumerate(job["steps"]):
        if step in job["reset_before"]:
            interp.reset()
        for i, path in enumerate(inputs):
            interp.input(i).copy_from(file_data(path))
        interp.invoke()
        for i in range(interp.outputs):
            with open(job["prefix"] + "s%d_out%d.bin" % (step, i), "wb") as f:
                f.write(interp.output(i).data)
    return {"outputs": interp.outputs}


def main():
    loops = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] != "default" else None
    if loops == "thumb" and backends.native_arch() not in backends.ARM_ARCHS:
        import thumb_twin  # no Thumb assembler here: run the Thumb glue over the twin kernels

        thumb_twin.install()
    for line in jobs:
        gc.collect()  # the last job's interpreter: a board's heap holds one at a time
        try:
            result = run(json.loads(line), loops)
        except ulite.UliteError as e:
            result = {"error": "%s: %s" % (type(e).__name__, e)}
        print(json.dumps(result))


main()
