"""inspect: named JSON fields, whether a model fits a board three ways, and the memory plan
(every buffer of the plan, none sharing bytes with another while both live)."""

import json
import subprocess
import sys

from conftest import ROOT, model_path

from host_tools import boards, runtime_heap


def inspect(*args):
    command = [sys.executable, "-m", "host_tools", "inspect", *map(str, args)]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_json_has_named_fields():
    info = json.loads(inspect(model_path("hello_world_int8"), "--json"))
    assert info["inputs"][0]["dtype"] == "int8" and info["inputs"][0]["shape"] == [1, 1]
    assert info["ops"] == [{"op": "FULLY_CONNECTED", "count": 3}]
    assert "plan" not in info and "fit" not in info


def test_fit_counts_arena_runtime_and_model_bytes():
    info = json.loads(inspect(model_path("ad01_int8"), "--board", "rp2040", "--json"))
    table = runtime_heap.load()
    rp2040 = boards.load("rp2040")
    ways = {row["where"]: row for row in info["fit"]["ways"]}
    assert info["kernels"] == ["fully_connected"]
    assert info["loops"] == ["thumb.fully_connected"]
    runtime = {"firmware": 0}
    for where, measured in (("romfs", table["rom"]), ("filesystem", table["filesystem"])):
        loops = sum(measured["loops"][family] for family in info["loops"])
        runtime[where] = measured["base"] + measured["kernels"]["fully_connected"] + loops
    for where, row in ways.items():
        model = info["model_bytes"] if where == "filesystem" else 0
        assert row["runtime_bytes"] == runtime[where]
        assert row["needed_bytes"] == info["arena_bytes"] + runtime[where] + model
        assert row["fits"] == (row["needed_bytes"] <= rp2040.heap_bytes)
    assert ways["firmware"]["fits"] and not ways["filesystem"]["fits"]  # 277 KB of model bytes
    assert ways["romfs"]["stock_romfs"] is False  # stock RPI_PICO firmware has no ROMFS


def test_plan_places_every_buffer_without_overlap():
    info = json.loads(inspect(model_path("person_detect"), "--plan", "--json"))
    plan = info["plan"]
    buffers = [(t["offset"], t["bytes"], t["first_op"], t["last_op"]) for t in plan["tensors"]]
    buffers += [(s["offset"], s["bytes"], s["op"], s["op"]) for s in plan["scratch"]]
    for i, (o1, n1, f1, l1) in enumerate(buffers):
        assert o1 + n1 <= plan["planned_bytes"]
        for o2, n2, f2, l2 in buffers[i + 1 :]:
            live_together = f1 <= l2 and f2 <= l1
            assert not (live_together and o1 < o2 + n2 and o2 < o1 + n1)
    assert plan["planned_bytes"] + plan["persistent_bytes"] == info["arena_bytes"]
    text = inspect(model_path("person_detect"), "--plan")
    picture = text.split("the arena while each op runs:\n")[1].splitlines()
    assert len(picture) == 1 + len(plan["op_names"]) == 1 + sum(op["count"] for op in info["ops"])
