"""The README against its sources: the supported-ops table lists exactly the ops the
resolver can run, its RP2040 times are BENCHMARKS.md's, its heap figures are what `inspect
--board` and the runtime heap table say, the demo's scores are TFLM's, and its spoken-words
REPL session is what MicroPython prints, with TFLM's scores."""

import re

import pytest
from conftest import CORPUS, ROOT, model_path
from oracle import run_tflm
from terminal import unix_repl
from tflm_speech import tflm_pipeline

from host_tools import boards, fit, runtime_heap, speech
from host_tools.images import person_detect_input
from host_tools.model_info import describe

README = (ROOT / "README.md").read_text()
KB = 1024  # how far `make bench` moves the runtime's heap figures (see test_runtime_heap.py)


def test_supported_ops_table_matches_resolver():
    table = README.split("## Supported ops", 1)[1].split("\n## ", 1)[0]
    listed = set()
    for cell in re.findall(r"^\| ([A-Z_0-9, ]+) \|", table, re.M):
        listed.update(name.strip() for name in cell.split(","))
    resolver = (ROOT / "mpy" / "ulite" / "resolver.py").read_text()
    names = set(re.findall(r"# ([A-Z_0-9]+)$", resolver, re.M))
    assert listed == names
    for row in re.findall(r"^\| [A-Z_0-9, ]+ \|.*$", table, re.M):
        test_file = re.search(r"tests/[\w/]+\.py", row)
        assert test_file and (ROOT / test_file.group(0)).exists(), row
    count = re.search(r"runs (\d+) builtin operators", README)
    assert count and int(count.group(1)) == len(names), "the README's opening counts the resolver's ops"


def test_rp2040_figures_are_benchmarks():
    """The README's RP2040 times are BENCHMARKS.md's (from the ARM board's instructions)."""
    section = (ROOT / "BENCHMARKS.md").read_text().split("<!-- bench:rp2040 -->")[1].split("<!--")[0]
    measured = {row[1].strip(): float(row[6].split()[0]) for row in (line.split("|") for line in section.splitlines()[3:]) if len(row) > 6}
    table = README.split("## Speed and memory", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\w+) \|.* \| (\d+) ms \|$", table, re.M)
    assert rows
    for model, ms in rows:
        assert int(ms) == round(measured[model]), model
    for model, ms in re.findall(r"(\w+) (\d+) ms", README.split("## Supported ops")[0]):
        if model in measured:
            assert int(ms) == round(measured[model]), model
    assert "comes to %d ms for person_detect" % round(measured["person_detect"]) in README


def test_fit_table_is_inspects():
    """The "Does the model fit?" table: `inspect MODEL --board rp2040`'s bytes, three ways."""
    header = "| model | frozen into firmware | from ROMFS | from the filesystem (stock firmware) |"
    table = README.split(header, 1)[1].split("\n\n", 1)[0]
    rows = re.findall(r"^\| (\w+) \| ([\d,]+) \| ([\d,]+) \| ([\d,]+) \|$", table, re.M)
    assert len(rows) >= 3
    rp2040, heap_table = boards.load("rp2040"), runtime_heap.load()
    for name, *needed in rows:
        ways = fit.fit(rp2040, describe(model_path(name), plan=True), heap_table)
        for shown, way in zip(needed, ways):
            assert int(shown.replace(",", "")) == pytest.approx(way["needed_bytes"], abs=KB), name
    base = re.search(r"takes ([\d,]+) bytes of heap on a 32-bit board before any kernel", README)
    assert int(base.group(1).replace(",", "")) == pytest.approx(heap_table["filesystem"]["base"], abs=KB)


def test_demo_scores_are_tflms():
    model = (CORPUS / "models" / "person_detect.tflite").read_bytes()
    for image in ("person.bmp", "no_person.bmp"):
        scores = run_tflm(model, [person_detect_input(CORPUS / "data" / image)])[0].reshape(-1)
        not_person, person = (scores.astype(int) + 128) / 256
        line = "%-14s person %3.0f%%   no person %3.0f%%" % (image, 100 * person, 100 * not_person)
        assert line in README, line


def test_speech_session_is_what_micropython_prints(tmp_path):
    """The spoken-words REPL session, typed line by line into the unix port's REPL, in a
    directory holding the models and clips it opens: MicroPython prints exactly what the
    README shows, and the scores shown are TFLM's pipeline's for those clips."""
    intro = "A real session at the REPL of MicroPython's unix port"
    shown = README.split(intro, 1)[1].split("```\n")[1]
    clips = re.findall(r'open\("(\w+\.wav)"', shown)
    for path in [speech.FRONT_END, speech.CLASSIFIER] + [CORPUS / "data" / clip for clip in clips]:
        (tmp_path / path.name).symlink_to(path)
    with unix_repl(tmp_path, heap=speech.HEAP) as terminal:
        for line in re.findall(r"^>>> (.*)$", shown, re.M):
            terminal.type(line + "\r")
    printed = ">>> " + "".join(terminal.log).replace("\r\n", "\n")
    assert printed == shown + ">>> "
    scores = re.findall(r"^array\('b', \[(.*)\]\)$", shown, re.M)
    assert len(clips) == len(scores) == 2
    for clip, listed in zip(clips, scores):
        _, expected = tflm_pipeline(speech.read_wav(CORPUS / "data" / clip))
        assert [int(n) for n in listed.split(", ")] == expected.reshape(-1).tolist(), clip
