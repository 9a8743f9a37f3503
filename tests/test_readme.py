"""The README's supported-ops table lists exactly the ops the resolver can run."""

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
