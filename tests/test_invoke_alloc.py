"""invoke() allocates nothing on the heap: measured on MicroPython.

For int8 models the heap is locked around invoke (any allocation raises MemoryError) and
gc.mem_alloc() must not move. Float32 kernels box Python floats on every port, so for them
the check is that invoke leaves nothing allocated behind. The first invoke imports nothing
either: the loop backends load their modules lazily, so prepare must ask for every loop
function invoke calls. And what invoke calls holds no kernel module (construction unloads
them, but a function keeps its module's globals: Python steps live in kernels/steps.py).
"""

import numpy as np
import pytest
import suite_16x8
from conftest import model_path
from test_transpose_conv import CASES, transpose_conv_jobs

from host_tools.model_builder import ModelBuilder

DEVICE = """
import gc, micropython, sys
import ulite
interp = ulite.Interpreter(open(sys.argv[1], "rb").read(), loops=sys.argv[2])
before = set(sys.modules)
interp.invoke()  # first run: nothing lazy may remain
print("IMPORTED", sorted(set(sys.modules) - before))
# kernel modules the steps still hold (a function keeps its module's globals) after
# construction unloaded them: their Python steps belong in kernels/steps.py
held = set()
for fn in interp._fns:
    module = getattr(fn, "__globals__", {}).get("__name__", "")
    if module.startswith("ulite.kernels.") and module != "ulite.kernels.steps":
        held.add(module)
print("KERNELS HELD", sorted(held))


def scrub(depth=16):
    # Each call zeroes its value stack: 32 slots here, so the C stack below the caller holds
    # no stale word still pointing at a dead object, which a conservative collector keeps.
    slots = (None, None, None, None, None, None, None, None, None, None, None, None, None, None, None, None,
             None, None, None, None, None, None, None, None, None, None, None, None, None, None, None, None)
    if depth:
        scrub(depth - 1)


def measure(locked):
    scrub()
    gc.collect()
    before = gc.mem_alloc()
    if locked:
        micropython.heap_lock()
    try:
        for _ in range(3):
            interp.invoke()
    finally:
        if locked:
            micropython.heap_unlock()
    if not locked:
        scrub()
        gc.collect()
    return gc.mem_alloc() - before


print("DELTA", measure(sys.argv[3] == "locked"))
"""


def softmax_int8_model():
    mb = ModelBuilder()
    x = mb.input((2, 10), "int8", scale=0.1, zero_point=3)
    y = mb.tensor((2, 10), "int8", scale=1 / 256, zero_point=-128)
    mb.op("SOFTMAX", [x], [y], "SoftmaxOptions", beta=1.0)
    z = mb.tensor((2, 10), "int16", scale=0.01, zero_point=0)
    mb.op("QUANTIZE", [y], [z])
    mb.output(z)
    return mb.build()


def pad_int8_model():
    mb = ModelBuilder()
    x = mb.input((1, 3, 3, 2), "int8", scale=0.1, zero_point=3)
    pads = mb.const(np.array([[0, 0], [1, 1], [0, 1], [0, 0]], np.int32), "int32")
    y = mb.tensor((1, 5, 4, 2), "int8", scale=0.1, zero_point=3)
    mb.op("PAD", [x, pads], [y])
    mb.output(y)
    return mb.build()


def concatenation_int8_model():
    mb = ModelBuilder()
    x = mb.input((1, 3, 3, 2), "int8", scale=0.1, zero_point=3)
    y = mb.tensor((1, 3, 3, 4), "int8", scale=0.1, zero_point=3)
    mb.op("CONCATENATION", [x, x], [y], "ConcatenationOptions", axis=3)
    z = mb.tensor((1, 36), "int8", scale=0.1, zero_point=3)
    mb.op("RESHAPE", [y], [z], "ReshapeOptions", new_shape=[1, 36])
    mb.output(z)
    return mb.build()


BUILT = {
    "softmax+quantize": softmax_int8_model, "pad": pad_int8_model,
    "concatenation+reshape": concatenation_int8_model,
}  # fmt: skip


@pytest.mark.parametrize("loops", ["viper", "plain"])
@pytest.mark.parametrize("name", ["hello_world_int8", "ad01_int8", "simple_add", "audio_preprocessor_int8", *BUILT])
def test_int8_invoke_allocates_nothing(tmp_path, micropython, name, loops):
    if name in BUILT:
        path = tmp_path / "m.tflite"
        path.write_bytes(BUILT[name]())
    else:
        path = model_path(name)
    out = micropython(DEVICE, heap="4M", args=[path, loops, "locked" if loops == "viper" else "free"])
    assert "IMPORTED []" in out.splitlines()
    if name in BUILT:
        assert "KERNELS HELD []" in out.splitlines()
    assert out.strip().endswith("DELTA 0")


def test_float_invoke_leaves_nothing_allocated(micropython):
    out = micropython(DEVICE, heap="1M", args=[model_path("hello_world_float"), "viper", "free"])
    assert out.strip().endswith("DELTA 0")


@pytest.mark.parametrize("loops", ["viper", "plain"])
@pytest.mark.parametrize("name", ["conv_dw_pw_16x8", "encoder_decoder_16x8", "fc_stack_16x8", "transpose_conv_int8"])
def test_16x8_and_transpose_conv_invoke_allocates_nothing(tmp_path, micropython, name, loops):
    """The 16x8 loops' int64 accumulators are limbs in the arena, no big ints (viper; plain
    leaves nothing behind), and TRANSPOSE_CONV's upsampling runs in its scratch."""
    if name == "transpose_conv_int8":
        path = tmp_path / "m.tflite"
        path.write_bytes(transpose_conv_jobs(("int8",), CASES[:1])[0][0])
    else:
        path = suite_16x8.DIRECTORY / (name + ".tflite")
    out = micropython(DEVICE, heap="4M", args=[path, loops, "locked" if loops == "viper" else "free"])
    assert "KERNELS HELD []" in out.splitlines()
    assert out.strip().endswith("DELTA 0")
