"""TFLM's micro_speech pipeline, built from its own interpreters: the reference the speech
tests compare ulite's with."""

import numpy as np
from oracle import run_tflm
from tflite_micro.python.tflite_micro import runtime

from host_tools import speech
from host_tools.paths import CORPUS


def clip(name):
    return CORPUS / "data" / ("%s_1000ms.wav" % name)


def tflm_pipeline(samples):
    """TFLM's micro_speech: one front end interpreter invoked on 480-sample windows every
    320 samples (its state carried), the last 49 frames into the classifier."""
    front = runtime.Interpreter.from_bytes(speech.FRONT_END.read_bytes(), arena_size=1 << 20)
    frames = []
    for start in range(0, len(samples) - speech.WINDOW + 1, speech.STRIDE):
        front.set_input(samples[start : start + speech.WINDOW].reshape(1, -1), 0)
        front.invoke()
        frames.append(np.array(front.get_output(0)))
    features = np.array(frames[-speech.FRAMES :], np.int8)
    scores = run_tflm(speech.CLASSIFIER.read_bytes(), [features.reshape(1, -1)])[0]
    return features, scores
