# Runs on MicroPython: load a model (bytes outside the measured heap budget), feed inputs,
# invoke, write outputs. Talks to the host through files and one JSON line on stdout.
# Usage: micropython infer.py SPEC.json
import gc
import json
import sys
import time

import ulite


def fail(message, status=2):
    print(json.dumps({"error": message}))
    sys.exit(status)


def read_file(path):
    with open(path, "rb") as f:
        f.seek(0, 2)
        size = f.tell()
        f.seek(0)
        data = bytearray(size)  # one allocation, the size of the file
        f.readinto(data)
    return data


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    model = read_file(spec["model"])
    gc.collect()
    heap_before = gc.mem_alloc()
    try:
        interp = ulite.Interpreter(model, loops=spec.get("loops"))
        if len(spec["inputs"]) != interp.inputs:
            fail("model has %d inputs, got %d" % (interp.inputs, len(spec["inputs"])))
        for i, given in enumerate(spec["inputs"]):
            t = interp.input(i)
            shape = tuple(given["shape"])
            if given["dtype"] != t.dtype or shape != t.shape:
                fail(
                    "input %d: model expects %s %s, got %s %s"
                    % (i, t.dtype, t.shape, given["dtype"], shape)
                )
    except ulite.UliteError as e:
        fail(str(e))
    except MemoryError:
        fail("out of memory while preparing the model (heap %d bytes in use)" % gc.mem_alloc(), 3)
    gc.collect()
    heap_prepared = gc.mem_alloc() - heap_before
    results = []
    for case in spec["cases"]:
        for i, path in enumerate(case["inputs"]):
            interp.input(i).copy_from(read_file(path))
        start = time.ticks_us()
        interp.invoke()
        elapsed = time.ticks_diff(time.ticks_us(), start)
        for i in range(interp.outputs):
            with open(case["output_prefix"] + "out%d.bin" % i, "wb") as f:
                f.write(interp.output(i).data)
        results.append(elapsed)
    outputs = [{"shape": list(t.shape), "dtype": t.dtype} for t in (interp.output(i) for i in range(interp.outputs))]
    print(
        json.dumps(
            {
                "outputs": outputs,
                "invoke_us": results,
                "arena_bytes": interp.arena_used,
                "heap_bytes": heap_prepared,
            }
        )
    )


main()
