# Runs on MicroPython: TFLM's micro_speech pipeline through ulite's public API. A clip's
# samples go through ulite.audio.FrontEnd 20 ms at a time, as from a microphone, and the
# classifier runs on the last 49 frames' features.
# Usage: micropython speech.py FRONT_END CLASSIFIER SAMPLES.bin OUT_PREFIX LOOPS
# SAMPLES.bin: int16 little-endian samples. Writes OUT_PREFIX features.bin and scores.bin,
# prints one JSON line.
import array
import gc
import json
import sys
import time

import ulite
from ulite.audio import FrontEnd

STRIDE = 320  # samples between frames: 20 ms at 16 kHz


def file_data(path):
    """The file's bytes in place where the filesystem maps files into memory (a board's
    ROMFS), else read into the heap."""
    f = open(path, "rb")
    try:
        return memoryview(f)
    except TypeError:
        with f:
            return f.read()


def main():
    front_path, classifier_path, samples_path, prefix, loops = sys.argv[1:6]
    loops = None if loops == "default" else loops
    with open(samples_path, "rb") as f:
        samples = array.array("h", f.read())
    classifier = ulite.Interpreter(file_data(classifier_path), loops=loops)
    front = FrontEnd(file_data(front_path), stride=STRIDE, loops=loops)
    gc.collect()
    view = memoryview(samples)
    start = time.ticks_us()
    for at in range(0, len(samples), STRIDE):
        front.feed(view[at : at + STRIDE])
    front_us = time.ticks_diff(time.ticks_us(), start)
    start = time.ticks_us()
    front.write_window(classifier.input(0).data)
    classifier.invoke()
    classifier_us = time.ticks_diff(time.ticks_us(), start)
    for name, data in (("features", front.window), ("scores", classifier.output(0).data)):
        with open(prefix + name + ".bin", "wb") as f:
            f.write(data)
    report = {
        "frames": front.frames,
        "front_end_us": front_us,
        "classifier_us": classifier_us,
        "arena_bytes": front.interpreter.arena_used + classifier.arena_used,
    }
    print(json.dumps(report))


main()
