"""The loop backends' contract (ulite.loops.FUNCTIONS): thumb, viper and plain each export
exactly those functions (the LAZY families' on first use), on MicroPython (the thumb
backend over the twin kernels, its glue being what runs on the unix port)."""

import json

from host_tools import unix_port
from host_tools.paths import ROOT

TWIN_DIR = ROOT / "host_tools" / "device"
SCRIPT = """
import json, thumb_twin
thumb_twin.install()
from ulite import loops
exported = {}
for name in loops.NAMES:
    backend = loops.backend(name)
    names = [n for n in dir(backend) if not n.startswith("_") and type(getattr(backend, n)) is not type(loops)]
    lazy = [n for n in loops.LAZY if callable(getattr(backend, n))]  # imported on first use
    exported[name] = sorted(set(names + lazy))
print(json.dumps({"contract": loops.FUNCTIONS, "exported": exported}))
"""


def test_every_backend_exports_exactly_the_contract(tmp_path):
    script = tmp_path / "contract.py"
    script.write_text(SCRIPT)
    result = unix_port.run(script, [], extra_path=[TWIN_DIR])
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.splitlines()[-1])
    contract = found["contract"]
    assert len(set(contract)) == len(contract), "ulite.loops.FUNCTIONS names a function twice"
    assert sorted(found["exported"]) == ["plain", "thumb", "viper"]
    for name, exported in found["exported"].items():
        missing = sorted(set(contract) - set(exported))
        extra = sorted(set(exported) - set(contract))
        assert not missing and not extra, "loops.%s: missing %s, outside the contract %s" % (name, missing, extra)
