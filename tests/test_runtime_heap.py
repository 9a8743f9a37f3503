"""The runtime's heap table (boards/runtime_heap.json, what `inspect --board` charges) is
the ARM board's: measured afresh, every figure equals the table's (`make bench` writes it;
after changing ulite's modules, run it), within what the heap's layout moves them by. And
the table bounds what a model's modules (kernels and loop families) take when imported
together on the board."""

import pytest

from conftest import model_path

from host_tools import micropython, runtime_heap
from host_tools.micropython import reports
from host_tools.model_info import describe

TOGETHER = """
import gc, sys
sys.path[:] = ["/rom/lib"]
gc.collect(); start = gc.mem_alloc()
import ulite
ulite.loops.backend()
import ulite.kernels.conv, ulite.kernels.depthwise_conv, ulite.kernels.pooling
import ulite.kernels.reshape, ulite.kernels.softmax
for family in %r:
    __import__("ulite.loops." + family)
gc.collect(); print('{"bytes": %%d}' %% (gc.mem_alloc() - start))
"""


# Bytes a figure moves by with the heap's layout before it (the host's paths, so a fresh
# clone elsewhere): a module's import may or may not be the one that opens a new chunk of
# MicroPython's qstr pool (seen: thumb.depthwise 12,768 in one checkout, 11,360 in another).
LAYOUT = 2048


def test_table_is_the_boards(tmp_path):
    table = runtime_heap.load()
    fresh = runtime_heap.measure()
    stale = "boards/runtime_heap.json is stale: run `make bench`"
    assert fresh["runtime_version"] == table["runtime_version"], stale
    for where in runtime_heap.WHERE:
        assert fresh[where]["base"] == pytest.approx(table[where]["base"], abs=LAYOUT), stale
        for kind in ("kernels", "loops"):
            assert sorted(fresh[where][kind]) == sorted(table[where][kind]), stale
            for name, measured in fresh[where][kind].items():
                assert measured == pytest.approx(table[where][kind][name], abs=LAYOUT), (
                    stale,
                    where,
                    name,
                )
    info = describe(model_path("person_detect"), plan=True)
    assert info["kernels"] == ["conv", "depthwise_conv", "pooling", "reshape", "softmax"]
    script = tmp_path / "together.py"
    script.write_text(TOGETHER % (info["loops"],))
    result = micropython.run("arm", script)
    assert result.returncode == 0, result.stderr
    together = reports.reports(result)[0]["bytes"]
    charged = runtime_heap.cost(table, info["kernels"], "rom", info["loops"])
    assert 0.8 * charged <= together <= charged
