"""The loop backends' contract (ulite.loops.FUNCTIONS): thumb, viper and plain each export
exactly those functions, on MicroPython (the thumb backend over the twin kernels, its
glue being what runs on the unix port). The LAZY families load on first use (the packages'
__getattr__), so dir() alone need not list them: each contract name is also looked up."""

import json

from host_tools import micropython
from host_tools.paths import DEVICE_DIR

TWIN_DIR = DEVICE_DIR  # thumb_twin.py
SCRIPT = """
import json, thumb_twin
thumb_twin.install()
from ulite import loops
exported = {}
for name in loops.NAMES:
    backend = loops.backend(name)
    names = set(dir(backend)) | set(n for n in loops.FUNCTIONS if hasattr(backend, n))
    exported[name] = sorted(
        n for n in names if not n.startswith("_") and type(getattr(backend, n)) is not type(loops)
    )
print(json.dumps({"contract": loops.FUNCTIONS, "exported": exported}))
"""


def test_every_backend_exports_exactly_the_contract(tmp_path):
    script = tmp_path / "contract.py"
    script.write_text(SCRIPT)
    # every backend's every family compiled from source at once: more than the default heap
    result = micropython.run("unix", script, [], heap=4 << 20, extra_path=[TWIN_DIR])
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.splitlines()[-1])
    contract = found["contract"]
    assert len(set(contract)) == len(contract), "ulite.loops.FUNCTIONS names a function twice"
    assert sorted(found["exported"]) == ["plain", "thumb", "viper"]
    for name, exported in found["exported"].items():
        missing = sorted(set(contract) - set(exported))
        extra = sorted(set(exported) - set(contract))
        assert not missing and not extra, "loops.%s: missing %s, outside the contract %s" % (name, missing, extra)
