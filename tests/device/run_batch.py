# Runs on MicroPython: many (model, inputs) jobs in one process, for kernel sweeps.
# Usage: micropython run_batch.py JOBS.json LOOPS
# Each job writes its outputs next to its inputs, or an "error" entry to the result list.
import json
import sys

import ulite


def read(path):
    with open(path, "rb") as f:
        return f.read()


def main():
    with open(sys.argv[1]) as f:
        jobs = json.load(f)
    loops = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] != "default" else None
    if loops == "thumb":  # no Thumb assembler here: run the Thumb glue over the twin kernels
        import thumb_twin

        thumb_twin.install()
    results = []
    for job in jobs:
        try:
            interp = ulite.Interpreter(read(job["model"]), loops=loops)
            for i, path in enumerate(job["inputs"]):
                interp.input(i).copy_from(read(path))
            interp.invoke()
            for i in range(interp.outputs):
                with open(job["prefix"] + "out%d.bin" % i, "wb") as f:
                    f.write(interp.output(i).data)
            results.append({"outputs": interp.outputs})
        except ulite.UliteError as e:
            results.append({"error": "%s: %s" % (type(e).__name__, e)})
    print(json.dumps(results))


main()
