"""The README against its sources: the supported-ops table lists exactly the ops the
resolver can run, and its RP2040 times are BENCHMARKS.md's."""

import re

from conftest import ROOT


def test_supported_ops_table_matches_resolver():
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Supported ops", 1)[1].split("\n## ", 1)[0]
    listed = set()
    for cell in re.findall(r"^\| ([A-Z_0-9, ]+) \|", table, re.M):
        listed.update(name.strip() for name in cell.split(","))
    resolver = (ROOT / "mpy" / "ulite" / "resolver.py").read_text()
    names = set(re.findall(r"# ([A-Z_0-9]+)$", resolver, re.M))
    assert listed == names
    for row in re.findall(r"^\| [A-Z_0-9, ]+ \|.*$", table, re.M):
        test_file = re.search(r"tests/[\w/]+\.py", row)
        assert test_file and (ROOT / test_file.group(0)).exists(), row


def test_rp2040_figures_are_benchmarks():
    """The README's RP2040 times are BENCHMARKS.md's (from the ARM board's instructions)."""
    readme = (ROOT / "README.md").read_text()
    section = (ROOT / "BENCHMARKS.md").read_text().split("<!-- bench:rp2040 -->")[1].split("<!--")[0]
    measured = {row[1].strip(): float(row[6].split()[0]) for row in (line.split("|") for line in section.splitlines()[3:]) if len(row) > 6}
    table = readme.split("## Speed and memory", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\w+) \|.* \| (\d+) ms \|$", table, re.M)
    assert rows
    for model, ms in rows:
        assert int(ms) == round(measured[model]), model
    for model, ms in re.findall(r"(\w+) (\d+) ms", readme.split("## Supported ops")[0]):
        if model in measured:
            assert int(ms) == round(measured[model]), model
    assert "comes to %d ms for person_detect" % round(measured["person_detect"]) in readme
