"""The loop backends' contract (ulite.loops.FUNCTIONS): thumb, viper and plain each provide
exactly those functions, on MicroPython (the thumb backend over the twin kernels, its glue
being what runs on the unix port), and load them lazily: a backend's FAMILIES names the
module of each function, imported when a kernel first asks for it."""

import json

import pytest

from host_tools import micropython
from host_tools.paths import DEVICE_DIR

TWIN_DIR = DEVICE_DIR  # thumb_twin.py
CONTRACT = """
import json, sys, thumb_twin
thumb_twin.install()
from ulite import loops
found = {}
for name in loops.NAMES:
    backend = loops.backend(name)
    functions = {}
    for fn in sorted(backend.FAMILIES):
        value = getattr(backend, fn)
        home = __import__("ulite.loops." + backend.FAMILIES[fn], None, None, (fn,))
        functions[fn] = [callable(value), getattr(home, fn) is value]
    found[name] = functions
print(json.dumps({"contract": loops.FUNCTIONS, "found": found}))
"""
LAZY = """
import json, sys, thumb_twin
if sys.argv[1] == "thumb":
    thumb_twin.install()
from ulite import loops
def loaded():
    return sorted(m for m in sys.modules if m.startswith("ulite.loops.") and m.count(".") == 3)
backend = loops.backend(sys.argv[1])
chosen = loaded()
backend.lookup_int8
print(json.dumps([chosen, loaded(), backend.FAMILIES["lookup_int8"]]))
"""

FAMILIES = """
import json, thumb_twin
thumb_twin.install()
from ulite import loops
print(json.dumps([[name, loops.backend(name).FAMILIES] for name in ("thumb", "viper")]))
"""
VIPER_LOADED = """
import json, sys, thumb_twin
thumb_twin.install()
from ulite import loops
backend = loops.backend("thumb")
found = {}
for fn in ("fully_connected_int8", "lookup_int8"):
    getattr(backend, fn)
    found[fn] = "ulite.loops.viper" in sys.modules
print(json.dumps(found))
"""
# the functions the thumb backend runs in ARMv6-M assembler (the rest are viper's)
ASSEMBLER_LOOPS = ("requantize", "fully_connected_int8", "binary_int8", "conv_int8", "depthwise_int8")


def run(tmp_path, source, args=()):
    script = tmp_path / "script.py"
    script.write_text(source)
    # every backend's every family compiled from source at once: more than the default heap
    result = micropython.run("unix", script, args, heap=4 << 20, extra_path=[TWIN_DIR])
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_every_backend_provides_exactly_the_contract(tmp_path):
    report = run(tmp_path, CONTRACT)
    contract = report["contract"]
    assert len(set(contract)) == len(contract), "ulite.loops.FUNCTIONS names a function twice"
    assert sorted(report["found"]) == ["plain", "thumb", "viper"]
    for name, functions in report["found"].items():
        missing = sorted(set(contract) - set(functions))
        extra = sorted(set(functions) - set(contract))
        assert not missing and not extra, "loops.%s: missing %s, outside the contract %s" % (name, missing, extra)
        for fn, (is_callable, from_its_module) in functions.items():
            assert is_callable and from_its_module, "loops.%s.%s" % (name, fn)


def test_thumb_runs_viper_loops_but_its_assembler_ones(tmp_path):
    """thumb's table is viper's with the heavy kernels' rows pointing at the assembler glue."""
    families = dict(run(tmp_path, FAMILIES))
    ours = {fn: home for fn, home in families["thumb"].items() if home != families["viper"][fn]}
    assert sorted(ours) == sorted(ASSEMBLER_LOOPS)
    assert all(home.startswith("thumb.") for home in ours.values()), ours


def test_thumb_loads_viper_only_for_viper_loops(tmp_path):
    """A model of assembler loops alone (FULLY_CONNECTED int8) never imports viper's
    package: its table costs a board heap."""
    report = run(tmp_path, VIPER_LOADED)
    assert report == {"fully_connected_int8": False, "lookup_int8": True}


@pytest.mark.parametrize("name", ["thumb", "viper", "plain"])
def test_a_backend_loads_only_the_family_asked_for(tmp_path, name):
    """Choosing a backend loads at most the module that shows the port runs it; asking for
    lookup_int8 then loads its family's module alone (and what that imports: nothing)."""
    chosen, after, family = run(tmp_path, LAZY, [name])
    assert chosen == {"thumb": ["ulite.loops.thumb.asm"], "viper": ["ulite.loops.viper.requant"], "plain": []}[name]
    assert sorted(set(after) - set(chosen)) == ["ulite.loops." + family]


SHARED = """
import json, sys, thumb_twin
if sys.argv[1] == "thumb":
    thumb_twin.install()
from ulite import loops
backend = loops.backend(sys.argv[1])
before = set(sys.modules)
backend.lstm_int8
loaded = sorted(m for m in set(sys.modules) - before if m.startswith("ulite.loops."))
print(json.dumps([loaded, backend.FAMILIES["logistic_tanh_int16"], backend.FAMILIES["binary_int16"]]))
"""


@pytest.mark.parametrize("name", ["thumb", "viper", "plain"])
def test_the_lstm_shares_the_int16_sigmoid_without_the_int16_family(tmp_path, name):
    """The integer LSTM's gates run the one int16 logistic/tanh loop of its backend, the
    family logistic_tanh_int16 is in, which is not the (large) int16 family."""
    loaded, sigmoid_family, int16_family = run(tmp_path, SHARED, [name])
    assert "ulite.loops." + sigmoid_family in loaded and sigmoid_family != int16_family
    assert "ulite.loops." + int16_family not in loaded
