# Runs on MicroPython's unix port: the Thumb backend's viper glue with every assembler
# kernel replaced by a builtin that returns at once (len; flip_bytes, called twice per
# depthwise op, takes two arguments), invoked RUNS times. Measuring the process's
# instructions at two RUNS values gives the glue's own cost per invoke.
# Usage: micropython thumb_glue.py MODEL RUNS
import sys

import thumb_twin

thumb_twin.install()
for name in ("fc_rows", "requant", "dot8", "gather8", "dw8", "add_rescaled", "lanes8"):
    setattr(thumb_twin, name, len)
thumb_twin.flip_bytes = lambda buffer, n: 0

import ulite  # noqa: E402


def read(path):
    with open(path, "rb") as f:
        return f.read()


interp = ulite.Interpreter(read(sys.argv[1]), loops="thumb")
for _ in range(int(sys.argv[2])):
    interp.invoke()
