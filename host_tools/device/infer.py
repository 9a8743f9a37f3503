# Runs on MicroPython: load a model (bytes outside the measured heap budget), feed inputs,
# invoke, write outputs. Talks to the host through files and one JSON line on stdout.
# Usage: micropython infer.py SPEC.json
import gc
import json
import sys
import time

with open(sys.argv[1]) as f:
    spec = json.load(f)
# The arena first when the host gives its size, while the heap is in one piece: a board's
# heap has no block that big left once ulite's modules are loaded around a model's parsing.
arena = bytearray(spec["arena_bytes"]) if spec.get("arena_bytes") else None

import ulite  # noqa: E402


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


def file_data(path):
    """The file's bytes in place where the filesystem maps files into memory (a board's
    ROMFS: no heap, as a model in flash), else read into the heap."""
    f = open(path, "rb")
    try:
        return memoryview(f)
    except TypeError:
        f.close()
        return read_file(path)


def read_into(path, tensor):
    """An input file's bytes (of the tensor's size: the host checked the shape) into the
    tensor: in place from a board's ROMFS, else read straight into the tensor's bytes, with
    no buffer of its own (construction may have left the heap in pieces)."""
    with open(path, "rb") as f:
        try:
            tensor.copy_from(memoryview(f))
        except TypeError:
            f.readinto(tensor.data)


def main():
    model = file_data(spec["model"])
    gc.collect()
    heap_before = gc.mem_alloc() - (len(arena) if arena else 0)  # the arena counts, reserved or not
    try:
        interp = ulite.Interpreter(model, arena=arena, loops=spec.get("loops"))
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
        interp.reset()  # each case from a fresh state, as TFLM's goldens are made
        for i, path in enumerate(case["inputs"]):
            read_into(path, interp.input(i))
        start = time.ticks_us()
        interp.invoke()
        elapsed = time.ticks_diff(time.ticks_us(), start)
        for i in range(interp.outputs):
            with open(case["output_prefix"] + "out%d.bin" % i, "wb") as f:
                f.write(interp.output(i).data)
        results.append(elapsed)
    outputs = [
        {"shape": list(t.shape), "dtype": t.dtype, "scale": t.scale, "zero_point": t.zero_point}
        for t in (interp.output(i) for i in range(interp.outputs))
    ]
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
