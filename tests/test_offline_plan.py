"""TFLM's OfflineMemoryAllocation metadata: ulite places those tensors where the plan says."""

import json

import numpy as np
from oracle import compare

from host_tools.model_builder import ModelBuilder

PLAN = """
import json, sys
from ulite.allocator import memory_plan
plan = memory_plan(open(sys.argv[1], "rb").read())
print(json.dumps({str(i): o for i, (o, n) in plan.tensors().items()}))
"""


def chain_model(offsets=None):
    """x -> ADD(x, x) -> a -> ADD(a, x) -> b -> ADD(b, b) -> y, all (1, 64) int8."""
    mb = ModelBuilder()
    q = dict(scale=0.05, zero_point=1)
    x = mb.input((1, 64), "int8", **q)
    a = mb.tensor((1, 64), "int8", **q)
    b = mb.tensor((1, 64), "int8", **q)
    y = mb.tensor((1, 64), "int8", **q)
    mb.op("ADD", [x, x], [a], "AddOptions")
    mb.op("ADD", [a, x], [b], "AddOptions")
    mb.op("ADD", [b, b], [y], "AddOptions")
    mb.output(y)
    if offsets:
        mb.offline_plan(offsets)
    return mb.build()


def test_offline_offsets_are_honoured(tmp_path, micropython):
    offsets = [256, 64, -1, 0]  # x and a pinned, b online, y pinned where nothing else lives
    path = tmp_path / "m.tflite"
    path.write_bytes(chain_model(offsets))
    placed = json.loads(micropython(PLAN, args=[path]).splitlines()[-1])
    assert placed["0"] == 256 and placed["1"] == 64 and placed["3"] == 0
    b = placed["2"]  # b is live with x (256..320) and a (64..128): it must avoid both
    assert not (b < 320 and b + 64 > 256) and not (b < 128 and b + 64 > 64)
    x = np.random.default_rng(0).integers(-128, 128, (1, 64), dtype=np.int8)
    compare([(chain_model(offsets), [x]), (chain_model(), [x])])


def test_offline_plan_that_overlaps_live_tensors_is_refused(tmp_path, micropython):
    path = tmp_path / "m.tflite"
    path.write_bytes(chain_model([0, 0, -1, -1]))  # x and a live together at the same offset
    out = micropython(
        "import ulite, sys\ntry:\n    ulite.Interpreter(open(sys.argv[1], 'rb').read())\nexcept ulite.ModelError as e:\n    print('REFUSED', e)\n",
        args=[path],
    )
    assert out.startswith("REFUSED memory plan overlaps")
