"""`demo` end to end on a virtual RP2040: TFLM's person detection model flashed, run on the
corpus images over the board's REPL, and its scores equal to TFLM's."""

import os
import re
import subprocess
import sys

from oracle import run_tflm

from host_tools.images import person_detect_input
from host_tools.paths import CORPUS, ROOT


def demo():
    env = dict(os.environ, ULITE_CORPUS=str(CORPUS))
    return subprocess.run(
        [sys.executable, "-m", "host_tools", "demo"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=600,
    )


def test_demo_detects_the_person_as_tflm_does():
    result = demo()
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert re.match(r"virtual rp2040 board on /dev/pts/\d+$", lines[0])
    assert re.search(r"flashed person_detect to /dev/pts/\d+: \d+ files copied", result.stdout)
    assert "warning" not in result.stdout
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
        assert re.search(expected, result.stdout), result.stdout
    assert lines[-1] == "stopped the virtual board"
