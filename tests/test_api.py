"""The device API a user types at the REPL, exercised on MicroPython."""

from conftest import model_path

DEVICE = """
import array, ulite
model = open(%r, "rb").read()
interp = ulite.Interpreter(model)
t = interp.input(0)
print("shape", t.shape, type(t.shape).__name__)
print("dtype", t.dtype, t.scale > 0, t.zero_point)
print("data", type(t.data).__name__, len(t.data))
print("arena", interp.arena_used == interp.planned_bytes + interp.persistent_bytes, len(interp.arena) == interp.arena_used)
try:
    ulite.Interpreter(model, arena_size=interp.arena_used - 1)
except ulite.ArenaError as e:
    print("small", e)
bigger = ulite.Interpreter(model, arena_size=interp.arena_used + 100)
print("bigger", len(bigger.arena))
mine = bytearray(interp.arena_used)
shared = ulite.Interpreter(model, arena=mine)
print("shared", shared.arena is mine)
for bad in (array.array("f", [0.0] * 640), array.array("b", [0] * 639), "text", b"12"):
    try:
        t.copy_from(bad)
    except (TypeError, ValueError) as e:
        print("refused", type(e).__name__)
t.copy_from(array.array("b", range(-100, 540)))
interp.invoke()
out = interp.output(0)
values = out.values()
print("values", len(values), values[0] == ((out.data[0] ^ 0x80) - 0x80))
try:
    interp.input(1)
except IndexError as e:
    print("index", e)
print("names", interp.op_names[0], len(interp.op_names))
profile = interp.profile()
print("profile", len(profile), profile[0][0])
d = ulite.describe(model)
print("describe", d["ops"], d["unsupported"], d["arena_bytes"] == interp.arena_used)
"""


def test_device_api(micropython):
    out = micropython(DEVICE % str(model_path("ad01_int8")))
    lines = out.splitlines()
    assert "shape (1, 640) tuple" in lines
    assert "dtype int8 True 89" in lines
    assert "data memoryview 640" in lines
    assert "arena True True" in lines
    small = [line for line in lines if line.startswith("small")]
    assert small and "needs" in small[0] and str(int(small[0].split("needs ")[1].split()[0])) in small[0]
    assert any(line.startswith("bigger") for line in lines)
    assert "shared True" in lines
    assert lines.count("refused TypeError") + lines.count("refused ValueError") == 4
    assert "values 640 True" in lines
    assert any(line.startswith("index model has 1 inputs") for line in lines)
    assert "names FULLY_CONNECTED 10" in lines
    assert "profile 10 FULLY_CONNECTED" in lines
    assert "describe [('FULLY_CONNECTED', 10)] [] True" in lines
