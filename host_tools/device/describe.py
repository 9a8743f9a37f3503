# Runs on MicroPython: print ulite.describe(model) as one JSON line per model.
# Usage: micropython describe.py MODEL.tflite...
import gc
import json
import sys

import ulite


def describe(path):
    try:
        with open(path, "rb") as f:
            return ulite.describe(f.read())
    except ulite.UliteError as e:
        return {"error": str(e)}
    except MemoryError:
        return {"error": "out of memory reading the model (%d bytes of heap free)" % gc.mem_free()}


for path in sys.argv[1:]:
    print(json.dumps(describe(path)))
    gc.collect()
