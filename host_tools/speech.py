"""TFLM's micro_speech pipeline on MicroPython: a spoken word, from a WAV file to a label.

The clip's 16 kHz samples go through the audio front end (audio_preprocessor_int8: a
480-sample window every 320 samples, 40 int8 features each, its noise estimate carried
from frame to frame) with ulite.audio.FrontEnd on the device, and the last 49 frames'
features (1960 int8) through the classifier (micro_speech_quantized), whose 4 int8 scores
name the word. It runs on one of host_tools.micropython's MicroPythons (the unix port, the
WebAssembly port or the ARM board, started for the run), or on a board on a serial device
after `flash`ing both models to it.
"""

import base64
import tempfile
import wave
from pathlib import Path

import numpy as np

from . import flashing, micropython
from .board_link import BoardLink
from .board_run import INPUT_CHUNK
from .errors import UserError
from .micropython import reports
from .model_info import describe
from .paths import CORPUS, DEVICE_DIR, check_file

LABELS = ("silence", "unknown", "yes", "no")
SAMPLE_RATE = 16000
WINDOW = 480  # samples the front end takes per frame
STRIDE = 320  # samples between frames
FRAMES = 49  # frames the classifier takes (1960 features)
FRONT_END = CORPUS / "models" / "audio_preprocessor_int8.tflite"
CLASSIFIER = CORPUS / "models" / "micro_speech_quantized.tflite"
DEVICE_SCRIPT = DEVICE_DIR / "speech.py"
HEAP = 1 << 20  # for a MicroPython's run: two models, a second of samples, the runtime


class Result:
    """features: (49, 40) int8, the classifier's input; scores: (1, 4) int8; report: what
    the device measured (frames, front_end_us for the whole clip, classifier_us, ...)."""

    def __init__(self, features, scores, report):
        self.features = features
        self.scores = scores
        self.report = report

    @property
    def label(self):
        return LABELS[int(np.argmax(self.scores))]


def read_wav(path):
    """The samples of a 16 kHz mono 16-bit PCM WAV file, as int16; long enough for 49
    frames (15,840 samples: a clip longer than that is classified on its last second)."""
    path = Path(path)
    check_file(path, "WAV")
    try:
        with wave.open(str(path), "rb") as w:
            form = (w.getframerate(), w.getnchannels(), w.getsampwidth())
            data = w.readframes(w.getnframes())
    except (wave.Error, EOFError) as e:
        raise UserError("%s is not a WAV file: %s" % (path, e))
    if form != (SAMPLE_RATE, 1, 2):
        raise UserError(
            "%s is %d Hz, %d channel(s), %d-bit: micro_speech takes 16000 Hz mono 16-bit PCM"
            % (path, form[0], form[1], 8 * form[2])
        )
    samples = np.frombuffer(data, "<i2").astype(np.int16)
    needed = (FRAMES - 1) * STRIDE + WINDOW
    if len(samples) < needed:
        raise UserError(
            "%s holds %d samples; %d frames need %d (%.2f s)"
            % (path, len(samples), FRAMES, needed, needed / SAMPLE_RATE)
        )
    return samples


def models():
    for path in (FRONT_END, CLASSIFIER):
        check_file(path, "model")
    return FRONT_END.resolve(), CLASSIFIER.resolve()


def on_micropython(samples, on="unix", loops=None):
    """Run the pipeline on the MicroPython `on` names (host_tools.micropython.NAMES);
    returns a Result."""
    front_end, classifier = models()
    with tempfile.TemporaryDirectory(prefix="ulite-speech-") as tmp:
        tmp = Path(tmp).resolve()
        samples_path = tmp / "samples.bin"
        samples_path.write_bytes(np.ascontiguousarray(samples, "<i2").tobytes())
        arenas = ",".join(str(describe(path)["arena_bytes"]) for path in (front_end, classifier))
        args = [front_end, classifier, samples_path, str(tmp) + "/", loops or "default", arenas]
        result = micropython.run(on, DEVICE_SCRIPT, args, heap=HEAP, reads=[front_end, classifier], writes=[tmp])
        found = reports.reports(result)
        if result.returncode != 0 or not found:
            raise UserError("MicroPython (%s) failed: %s" % (on, reports.last_line(result)))
        features = np.frombuffer((tmp / "features.bin").read_bytes(), np.int8).reshape(FRAMES, -1)
        scores = np.frombuffer((tmp / "scores.bin").read_bytes(), np.int8).reshape(1, len(LABELS))
        return Result(features, scores, found[-1])


def on_board(samples, port, board):
    """Flash both models (and the runtime) to the board on `port`, send the samples over
    its REPL 20 ms at a time into ulite.audio.FrontEnd there, and classify; a Result."""
    front_end, classifier = models()
    flashing.flash_models(port, board, [front_end, classifier], log=lambda line: None)
    data = np.ascontiguousarray(samples, "<i2").tobytes()
    with BoardLink(port, timeout=600) as link:
        link.exec_file("speech_board.py")
        link.eval_call("_ul_speech_load(%r, %r)" % (front_end.stem, classifier.stem))
        link.send_b64("_ul_speech_feed", data, chunk=INPUT_CHUNK)
        report = link.eval_call("_ul_speech_classify()")
        features, scores = (
            np.frombuffer(base64.b64decode(link.exec("_ul_speech_output(%d)" % i)), np.int8)
            for i in (0, 1)
        )
    return Result(features.reshape(FRAMES, -1), scores.reshape(1, len(LABELS)), report)
