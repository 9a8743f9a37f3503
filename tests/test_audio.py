"""ulite.audio.FrontEnd on MicroPython: frames of features from samples fed in any amounts,
against TFLM's front end invoked window by window (state carried), reset(), other strides,
misuse, and a read loop that allocates nothing."""

import json

import numpy as np
import pytest
from conftest import model_path
from tflite_micro.python.tflite_micro import runtime

from host_tools import speech
from host_tools.paths import CORPUS

FRONT_END = model_path("audio_preprocessor_int8")

DEVICE = """
import array, gc, json, micropython, sys
from ulite.audio import FrontEnd
model = open(sys.argv[1], "rb").read()
clip = array.array("h", open(sys.argv[2], "rb").read()[44:])
view = memoryview(clip)
result = {}

def run(front, chunk):
    new = 0
    for at in range(0, len(clip), chunk):
        new += front.feed(view[at : at + chunk])
    return [new, front.frames, list(front.window)]

front = FrontEnd(model, frames=49)
for chunk in (1, 7, 320, 700, len(clip)):
    front.reset()
    result["chunk %d" % chunk] = run(front, chunk)
result["fresh"] = run(FrontEnd(model, frames=49), 320)
for stride in (160, 480):
    result["stride %d" % stride] = run(FrontEnd(model, stride=stride, frames=3), 512)

errors = []
for bad in (dict(stride=0), dict(stride=481), dict(frames=0)):
    try:
        FrontEnd(model, **bad)
    except ValueError as e:
        errors.append(str(e))
try:
    front.feed(clip, len(clip) + 1)
except ValueError as e:
    errors.append(str(e))
try:
    front.write_window(bytearray(10))
except ValueError as e:
    errors.append(str(e))
result["errors"] = errors

def read_loop(front, samples, room):
    # a microphone's loop: the same buffer refilled; heap locked, as in an interrupt
    new = 0
    micropython.heap_lock()
    try:
        for _ in range(60):
            new += front.feed(samples)
            if new:
                front.write_window(room)
    finally:
        micropython.heap_unlock()
    return new

samples = array.array("h", clip[:320])
room = bytearray(1960)
front.reset()
gc.collect()
result["locked"] = read_loop(front, samples, room)
print(json.dumps(result))
"""


def tflm_frames(samples, stride, frames):
    front = runtime.Interpreter.from_bytes(FRONT_END.read_bytes(), arena_size=1 << 20)
    out = []
    for start in range(0, len(samples) - speech.WINDOW + 1, stride):
        front.set_input(samples[start : start + speech.WINDOW].reshape(1, -1), 0)
        front.invoke()
        out.append(np.array(front.get_output(0)))
    window = np.zeros((frames, 40), np.int8)
    kept = np.array(out[-frames:], np.int8)
    window[frames - len(kept) :] = kept
    return len(out), window


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    from conftest import run_micropython

    wav = CORPUS / "data" / "yes_1000ms.wav"
    out = run_micropython(tmp_path_factory.mktemp("audio"), DEVICE, heap="4M", args=[FRONT_END, wav])
    return json.loads(out.splitlines()[-1]), speech.read_wav(wav)


@pytest.mark.parametrize("chunk", [1, 7, 320, 700, 16000])
def test_frames_whatever_the_chunks(results, chunk):
    got, samples = results
    frames, window = tflm_frames(samples, 320, 49)
    new, total, data = got["chunk %d" % chunk]
    assert new == total == frames == 49
    np.testing.assert_array_equal(np.array(data, np.uint8).view(np.int8).reshape(49, 40), window)
    assert got["fresh"] == got["chunk %d" % chunk]  # reset() == a new FrontEnd


@pytest.mark.parametrize("stride", [160, 480])
def test_other_strides(results, stride):
    got, samples = results
    frames, window = tflm_frames(samples, stride, 3)
    new, total, data = got["stride %d" % stride]
    assert new == total == frames
    np.testing.assert_array_equal(np.array(data, np.uint8).view(np.int8).reshape(3, 40), window)


def test_misuse_is_refused(results):
    errors = results[0]["errors"]
    assert errors == [
        "stride 0 outside 1..480 (the model's window)",
        "stride 481 outside 1..480 (the model's window)",
        "frames must be 1 or more, got 0",
        "count 16001 outside 0..16000",
        "10 bytes of room for a 1960-byte window",
    ]


def test_a_read_loop_allocates_nothing(results):
    """60 reads of 320 samples with the heap locked: 59 windows complete (the first needs
    480 samples) and none allocates."""
    assert results[0]["locked"] == 59
