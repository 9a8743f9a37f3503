"""The loop backends' contract (ulite.loops.FUNCTIONS): thumb, viper and plain each export
exactly those functions, on MicroPython (the thumb backend over the twin kernels, its
glue being what runs on the unix port). The int16 loops come from each backend's int16
module on first use: a backend imported for an int8 model has not loaded it."""

import json

from host_tools import unix_port
from host_tools.paths import ROOT

TWIN_DIR = ROOT / "host_tools" / "device"
SCRIPT = """
import json, sys, thumb_twin
thumb_twin.install()
from ulite import loops
backends = [loops.backend(name) for name in loops.NAMES]
loaded = sorted(m for m in sys.modules if m.endswith(".int16"))  # before any int16 loop is asked for
exported = {}
for name, backend in zip(loops.NAMES, backends):
    int16 = [n for n in loops.FUNCTIONS if n.endswith("_int16") and callable(getattr(backend, n))]
    public = [n for n in dir(backend) if not n.startswith("_") and type(getattr(backend, n)) is not type(loops)]
    exported[name] = sorted(set(public + int16))
print(json.dumps({"contract": loops.FUNCTIONS, "exported": exported, "int16_loaded_before": loaded}))
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
    assert found["int16_loaded_before"] == [], found["int16_loaded_before"]
