"""`demo` end to end: TFLM's person detection model flashed, run on the corpus images over
the board's REPL, and its scores equal to TFLM's, then the spoken words' scores equal to
TFLM's micro_speech pipeline; on the virtual RP2040 it starts itself, and with --port on the
virtual ARM board."""

import os
import re
import subprocess
import sys

import pytest
from oracle import run_tflm
from tflm_speech import clip, tflm_pipeline

from host_tools import speech
from host_tools.images import person_detect_input
from host_tools.paths import CORPUS, ROOT


def demo(*args):
    env = dict(os.environ, ULITE_CORPUS=str(CORPUS))
    return subprocess.run(
        [sys.executable, "-m", "host_tools", "demo", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=600,
    )


def assert_scores_are_tflms(output):
    assert "warning" not in output
    model = (CORPUS / "models" / "person_detect.tflite").read_bytes()
    for image, person_wins in (("person.bmp", True), ("no_person.bmp", False)):
        scores = run_tflm(model, [person_detect_input(CORPUS / "data" / image)])[0].reshape(-1)
        not_person, person = (scores.astype(int) + 128) / 256
        assert (person > not_person) == person_wins
        expected = r"  %s person %3.0f%%   no person %3.0f%%   \(invoke \d+\.\d ms on the board\)" % (
            re.escape("%-14s" % image),
            100 * person,
            100 * not_person,
        )
        assert re.search(expected, output), output


def assert_words_are_tflms(output):
    for name in ("yes", "no", "silence"):
        scores = tflm_pipeline(speech.read_wav(clip(name)))[1].reshape(-1)
        heard = speech.LABELS[int(scores.argmax())]
        listed = ", ".join("%s %d" % (label, s) for label, s in zip(speech.LABELS, scores))
        expected = "  %-18s heard %-8s (%s; " % (clip(name).name, heard, listed)
        assert expected in output, output


def test_demo_detects_the_person_as_tflm_does():
    result = demo()
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert re.match(r"virtual rp2040 board on /dev/pts/\d+$", lines[0])
    assert re.search(r"flashed person_detect to /dev/pts/\d+: \d+ files copied", result.stdout)
    assert_scores_are_tflms(result.stdout)
    assert_words_are_tflms(result.stdout)
    assert lines[-1] == "stopped the virtual board"


# the ARM board's flash, run and speech each stay in make test (test_flash_run, test_speech)
@pytest.mark.slow
def test_demo_on_the_arm_board(arm_board):
    result = demo("--port", arm_board.port, "--board", arm_board.board.name)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "qemu-arm board on %s" % arm_board.port
    flashed = r"flashed person_detect to %s: (ROMFS image deployed|nothing deployed)"
    assert re.search(flashed % arm_board.port, result.stdout), result.stdout
    assert_scores_are_tflms(result.stdout)
    assert any("clock counts instructions" in line for line in lines)
    assert_words_are_tflms(result.stdout)
