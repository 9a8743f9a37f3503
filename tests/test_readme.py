"""The README's supported-ops table lists every op the resolver has a kernel for."""

import re
import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "mpy"))
from ulite.opnames import BUILTIN_NAMES  # noqa: E402
from ulite.resolver import KERNELS  # noqa: E402


def table_ops():
    text = (ROOT / "README.md").read_text()
    section = text.split("## Supported ops", 1)[1].split("\n## ", 1)[0]
    return {m.group(1) for m in re.finditer(r"^\| *([A-Z0-9_]+) *\|", section, re.M)}


def test_every_kernel_has_a_readme_row():
    missing = sorted(
        BUILTIN_NAMES[code] for code in KERNELS if BUILTIN_NAMES[code] not in table_ops()
    )
    assert not missing, "README's supported-ops table lacks %s" % ", ".join(missing)
