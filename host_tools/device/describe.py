# Runs on MicroPython: print ulite.describe(model) as one JSON line.
# Usage: micropython describe.py MODEL.tflite
import json
import sys

import ulite

try:
    with open(sys.argv[1], "rb") as f:
        info = ulite.describe(f.read())
except ulite.UliteError as e:
    info = {"error": str(e)}
except (TypeError, ValueError) as e:
    info = {"error": "malformed model: %s" % e}
print(json.dumps(info))
