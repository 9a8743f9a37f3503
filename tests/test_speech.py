"""micro_speech end to end: WAV clips through ulite.audio.FrontEnd and the classifier on
MicroPython, against TFLM running the same pipeline (its own interpreters:
tests/tflm_speech.py), and the `speech` command."""

import numpy as np
import pytest
from tflm_speech import clip, tflm_pipeline

from host_tools import speech
from host_tools.__main__ import main

CLIPS = ["yes", "no", "silence", "noise"]


@pytest.fixture(scope="module")
def expected():
    return {name: tflm_pipeline(speech.read_wav(clip(name))) for name in CLIPS}


@pytest.mark.parametrize("name", CLIPS)
def test_every_clip_bit_exact_on_the_unix_port(name, expected):
    result = speech.on_micropython(speech.read_wav(clip(name)))
    features, scores = expected[name]
    assert result.report["frames"] == 49
    np.testing.assert_array_equal(result.features, features)
    np.testing.assert_array_equal(result.scores, scores)
    assert result.label == {"noise": "silence"}.get(name, name)  # as TFLM's example labels them


@pytest.mark.parametrize(
    "on, loops",
    [("unix", "plain"), ("arm", "thumb"),
     pytest.param("wasm", None, marks=pytest.mark.slow), pytest.param("arm", "plain", marks=pytest.mark.slow)],
)  # fmt: skip
def test_yes_bit_exact_on_every_micropython(on, loops, expected):
    result = speech.on_micropython(speech.read_wav(clip("yes")), on, loops)
    np.testing.assert_array_equal(result.features, expected["yes"][0])
    np.testing.assert_array_equal(result.scores, expected["yes"][1])


@pytest.mark.slow
@pytest.mark.parametrize("on", ["wasm", "arm"])
@pytest.mark.parametrize("name", CLIPS)
def test_every_clip_bit_exact_on_32_bit_micropythons(on, name, expected):
    result = speech.on_micropython(speech.read_wav(clip(name)), on)
    np.testing.assert_array_equal(result.features, expected[name][0])
    np.testing.assert_array_equal(result.scores, expected[name][1])


def test_speech_command(tmp_path, capsys, expected):
    out = tmp_path / "yes.npz"
    assert main(["speech", str(clip("yes")), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[0].endswith(": yes")
    features, scores = expected["yes"]
    assert "  ".join("%s %d" % (label, s) for label, s in zip(speech.LABELS, scores[0])) in text
    saved = np.load(out)
    assert saved["features"].dtype == np.int8 and saved["features"].shape == (49, 40)
    np.testing.assert_array_equal(saved["features"], features)
    np.testing.assert_array_equal(saved["scores"], scores)


def test_speech_command_refuses_what_it_cannot_hear(tmp_path, capsys):
    import wave

    short = tmp_path / "short.wav"
    stereo = tmp_path / "stereo.wav"
    for path, channels, frames in ((short, 1, 15839), (stereo, 2, 16000)):
        with wave.open(str(path), "wb") as w:
            w.setnchannels(channels)
            w.setsampwidth(2)
            w.setframerate(16000)
            w.writeframes(bytes(2 * channels * frames))
    text = tmp_path / "text.wav"
    text.write_text("not a wav")
    for path, words in ((short, "15839 samples; 49 frames need 15840"), (stereo, "2 channel(s)"),
                        (text, "not a WAV file"), (tmp_path / "missing.wav", "missing.wav")):  # fmt: skip
        assert main(["speech", str(path)]) == 1
        err = capsys.readouterr().err
        assert err.startswith("error: ") and words in err and len(err.splitlines()) == 1, err
