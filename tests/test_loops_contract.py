"""The loop backends' contract (ulite.loops.FUNCTIONS): thumb, viper and plain each export
exactly those functions, on MicroPython (the thumb backend over the twin kernels, its
glue being what runs on the unix port). The 16x8 and int16 loops come from their modules
(wide.py, int16.py) on first use (the backend's FAMILIES): a backend chosen for an int8 model
has loaded neither, and dir() alone need not list them, so each contract name is looked up."""

import json

from host_tools import micropython
from host_tools.paths import DEVICE_DIR

TWIN_DIR = DEVICE_DIR  # thumb_twin.py
SCRIPT = """
import json, sys, thumb_twin
thumb_twin.install()
from ulite import loops
backends = [loops.backend(name) for name in loops.NAMES]
# before any 16x8 or int16 loop is asked for
loaded = sorted(m for m in sys.modules if m.startswith("ulite.loops.") and m.rpartition(".")[2] in ("wide", "int16"))
exported = {}
for name, backend in zip(loops.NAMES, backends):
    names = set(dir(backend)) | set(n for n in loops.FUNCTIONS if hasattr(backend, n))
    exported[name] = sorted(n for n in names if not n.startswith("_") and callable(getattr(backend, n)))
print(json.dumps({"contract": loops.FUNCTIONS, "exported": exported, "lazy_loaded_before": loaded}))
"""


def test_every_backend_exports_exactly_the_contract(tmp_path):
    script = tmp_path / "contract.py"
    script.write_text(SCRIPT)
    # every backend's modules loaded at once, the lazy ones too: more than the default heap
    result = micropython.run("unix", script, [], heap=8 << 20, extra_path=[TWIN_DIR])
    assert result.returncode == 0, result.stdout + result.stderr
    found = json.loads(result.stdout.splitlines()[-1])
    contract = found["contract"]
    assert len(set(contract)) == len(contract), "ulite.loops.FUNCTIONS names a function twice"
    assert sorted(found["exported"]) == ["plain", "thumb", "viper"]
    for name, exported in found["exported"].items():
        missing = sorted(set(contract) - set(exported))
        extra = sorted(set(exported) - set(contract))
        assert not missing and not extra, "loops.%s: missing %s, outside the contract %s" % (name, missing, extra)
    assert found["lazy_loaded_before"] == [], found["lazy_loaded_before"]
