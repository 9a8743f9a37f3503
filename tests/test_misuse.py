"""Wrong arguments fail before any work, with a clear error, and leave the interpreter usable.

Runs on MicroPython: a too-small arena, a wrong model or arena object, an unknown loop
backend, inputs of the wrong size, kind or type, and bad tensor indices."""

import json

from conftest import model_path

SCRIPT = r"""
import array, json, sys
import ulite

model = open(sys.argv[1], "rb").read()
results = {}

def attempt(name, fn):
    try:
        fn()
        results[name] = ["ok", ""]
    except Exception as e:
        results[name] = [type(e).__name__, str(e)]

needed = ulite.Interpreter(model).arena_used
attempt("arena_size too small", lambda: ulite.Interpreter(model, arena_size=needed - 4))
attempt("arena too small", lambda: ulite.Interpreter(model, arena=bytearray(needed - 1)))
attempt("arena exactly enough", lambda: ulite.Interpreter(model, arena_size=needed))
attempt("arena as bytes", lambda: ulite.Interpreter(model, arena=bytes(needed)))
attempt("arena_size as str", lambda: ulite.Interpreter(model, arena_size="1k"))
attempt("model None", lambda: ulite.Interpreter(None))
attempt("model str", lambda: ulite.Interpreter("hello_world_int8.tflite"))
attempt("model list", lambda: ulite.Interpreter([1, 2, 3]))
attempt("describe int", lambda: ulite.describe(42))
attempt("unknown loops", lambda: ulite.Interpreter(model, loops="gpu"))

interp = ulite.Interpreter(model)
x = interp.input(0)
x.copy_from(bytes([200]))
interp.invoke()
before = bytes(interp.output(0).data)
x.copy_from(bytes([200]))  # the invoke may have reused the input's bytes for a later op
attempt("input too long", lambda: x.copy_from(bytes(2)))
attempt("input empty", lambda: x.copy_from(b""))
attempt("input float array", lambda: x.copy_from(array.array("f", [0.5])))
attempt("input int16 array", lambda: x.copy_from(array.array("h", [1])))
attempt("input long array", lambda: x.copy_from(array.array("b", [1, 2])))
attempt("input empty array", lambda: x.copy_from(array.array("b")))
attempt("input long list", lambda: x.copy_from([1, 2]))
attempt("input float list", lambda: x.copy_from([0.5]))
attempt("input list out of range", lambda: x.copy_from([128]))
attempt("input floats long", lambda: x.set_floats([0.5, 1.5]))
attempt("input floats str", lambda: x.set_floats("a"))
attempt("input str", lambda: x.copy_from("a"))
attempt("input None", lambda: x.copy_from(None))
attempt("input int", lambda: x.copy_from(7))
attempt("input index 1", lambda: interp.input(1))
attempt("input index -1", lambda: interp.input(-1))
attempt("input index str", lambda: interp.input("0"))
attempt("output index 3", lambda: interp.output(3))
results["input unchanged"] = [bytes(x.data) == bytes([200]), ""]
interp.invoke()
results["same output after errors"] = [bytes(interp.output(0).data) == before, ""]
x.copy_from(array.array("b", [-56]))
interp.invoke()
results["usable after errors"] = [bytes(interp.output(0).data) == before, ""]
print(json.dumps(results))
"""

EXPECTED = {
    "arena_size too small": (
        "ArenaError",
        "arena of %d bytes is too small: this model needs %d bytes",
    ),
    "arena too small": ("ArenaError", "this model needs"),
    "arena exactly enough": ("ok", ""),
    "arena as bytes": ("TypeError", "arena must be a bytearray, got bytes"),
    "arena_size as str": ("TypeError", "arena_size must be an int, got str"),
    "model None": ("TypeError", "model must be bytes, bytearray or memoryview, got NoneType"),
    "model str": ("TypeError", "got str"),
    "model list": ("TypeError", "got list"),
    "describe int": ("TypeError", "got int"),
    "unknown loops": ("ValueError", "unknown loop backend 'gpu'"),
    "input too long": ("ValueError", "needs 1 bytes, got 2"),
    "input empty": ("ValueError", "needs 1 bytes, got 0"),
    "input float array": ("ValueError", "holds 1-byte int8 values, got an array of 4-byte items"),
    "input int16 array": ("ValueError", "got an array of 2-byte items"),
    "input long array": ("ValueError", "needs 1 int8 values, got an array of 2"),
    "input empty array": ("ValueError", "got an array of 0"),
    "input long list": ("ValueError", "needs 1 values, got 2"),
    "input float list": ("TypeError", "is int8, got float"),
    "input list out of range": ("ValueError", "128 is outside the int8 range"),
    "input floats long": ("ValueError", "needs 1 values, got 2"),
    "input floats str": ("TypeError", "can't convert str to float"),
    "input str": ("TypeError", "got str"),
    "input None": ("TypeError", "got NoneType"),
    "input int": ("TypeError", "got int"),
    "input index 1": ("IndexError", "model has 1 inputs, no input 1"),
    "input index -1": ("IndexError", "no input -1"),
    "input index str": ("TypeError", "input index must be an int, got str"),
    "output index 3": ("IndexError", "no output 3"),
    "input unchanged": (True, ""),
    "same output after errors": (True, ""),
    "usable after errors": (True, ""),
}


def test_misuse_fails_cleanly_and_leaves_interpreter_usable(micropython):
    results = json.loads(
        micropython(SCRIPT, args=[model_path("hello_world_int8")]).splitlines()[-1]
    )
    assert sorted(results) == sorted(EXPECTED)
    needed = None
    for name, (kind, words) in EXPECTED.items():
        got_kind, message = results[name]
        if name == "arena_size too small":
            needed = int(message.split()[-2])
            words = words % (needed - 4, needed)
        assert got_kind == kind, (name, results[name])
        assert words in message, (name, message)


OUT_OF_MEMORY = r"""
import gc, json, sys
import ulite

model = open(sys.argv[1], "rb").read()
results = []
for keep in (2, 8, 32):
    hog = []
    try:
        while True:
            hog.append(bytearray(1024))
    except MemoryError:
        pass
    del hog[:keep]  # leave only a few KB of heap free
    gc.collect()
    try:
        ulite.Interpreter(model)
        results.append(["ok", ""])
    except Exception as e:
        results.append([type(e).__name__, str(e)])
    hog = None
    gc.collect()
results.append(["ok", ulite.Interpreter(model).arena_used])
print(json.dumps(results))
"""


def test_heap_exhaustion_is_an_arena_error(micropython):
    """A model too big for the heap: ArenaError with byte counts, never a bare MemoryError."""
    results = json.loads(
        micropython(OUT_OF_MEMORY, heap="1M", args=[model_path("ad01_int8")]).splitlines()[-1]
    )
    for kind, message in results[:-1]:
        assert kind == "ArenaError", message
        assert "bytes of heap are free" in message
    assert results[-1][0] == "ok"
