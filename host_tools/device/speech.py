# Runs on MicroPython: TFLM's micro_speech pipeline through ulite's public API. A clip's
# samples go through ulite.audio.FrontEnd 20 ms at a time, read into one buffer as from a
# microphone, and the classifier runs on the last 49 frames' features.
# Usage: micropython speech.py FRONT_END CLASSIFIER SAMPLES.bin OUT_PREFIX LOOPS ARENAS
# SAMPLES.bin: int16 little-endian samples; ARENAS: the two models' arena sizes, "F,C".
# Writes OUT_PREFIX features.bin and scores.bin, prints one JSON line.
import array
import gc
import json
import sys
import time

# The arenas first, while the heap is in one piece: a board's heap has no block that big
# left once ulite's modules and the samples are loaded.
front_arena, classifier_arena = (bytearray(int(n)) for n in sys.argv[6].split(","))

import ulite  # noqa: E402
from ulite.audio import FrontEnd  # noqa: E402

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
    front = FrontEnd(file_data(front_path), stride=STRIDE, arena=front_arena, loops=loops)
    classifier = ulite.Interpreter(file_data(classifier_path), arena=classifier_arena, loops=loops)
    chunk = array.array("h", bytes(2 * STRIDE))  # as a microphone's buffer
    gc.collect()
    front_us = 0
    with open(samples_path, "rb") as f:
        while True:
            n = f.readinto(chunk)
            if not n:
                break
            start = time.ticks_us()
            front.feed(chunk, n // 2)
            front_us += time.ticks_diff(time.ticks_us(), start)
    start = time.ticks_us()
    front.write_window(classifier.input(0).data)
    classifier.invoke()
    classifier_us = time.ticks_diff(time.ticks_us(), start)
    gc.collect()
    for name, data in (("features", memoryview(front.window)), ("scores", classifier.output(0).data)):
        with open(prefix + name + ".bin", "wb") as f:
            for at in range(0, len(data), 192):  # small pieces: a board's heap is fragmented
                f.write(data[at : at + 192])
    report = {
        "frames": front.frames,
        "front_end_us": front_us,
        "classifier_us": classifier_us,
        "arena_bytes": front.interpreter.arena_used + classifier.arena_used,
    }
    print(json.dumps(report))


main()
