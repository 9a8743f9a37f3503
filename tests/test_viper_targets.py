"""Every viper loop module must compile for the boards' native emitters.

mpy-cross rejects what a board's emitter cannot do (integer literals past its small-int
range, unsupported operations), which the unix port would accept.
"""

import subprocess

import pytest
from conftest import ROOT

from host_tools.paths import tool

VIPER_MODULES = sorted((ROOT / "mpy" / "ulite" / "loops" / "viper").glob("*.py"))


@pytest.mark.parametrize("arch", ["armv6m", "xtensawin"])
@pytest.mark.parametrize("module", VIPER_MODULES, ids=lambda p: p.name)
def test_compiles_for_board(module, arch, tmp_path):
    result = subprocess.run(
        [tool("mpy-cross"), "-march=" + arch, str(module), "-o", str(tmp_path / "out.mpy")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
