# Runs on MicroPython: print ulite.describe(model) as one JSON line.
# Usage: micropython describe.py MODEL.tflite
import gc
import json
import sys

import ulite

try:
    with open(sys.argv[1], "rb") as f:
        info = ulite.describe(f.read())
except ulite.UliteError as e:
    info = {"error": str(e)}
except MemoryError:
    info = {"error": "out of memory reading the model (%d bytes of heap free)" % gc.mem_free()}
print(json.dumps(info))
