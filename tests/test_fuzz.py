"""A bounded run of the fuzzer (tests/fuzz.py) on MicroPython, and checks of the fuzzer itself.

`make fuzz N=100000` runs a long one with a fresh seed; this one is seeded, so it runs the
same cases every time. A crash fails the test and is saved under tests/regressions/.
"""

import os
import random
import sys
from collections import Counter

import pytest

from conftest import model_path
from fuzz import (
    GENERATED,
    FlatMap,
    apply,
    builder_models,
    fuzz,
    graph_count,
    is_crash,
    mutate,
    run_batch,
    seed_models,
    summary,
    with_defaults,
)
from fuzz_graphs import MAKERS

from host_tools.model_builder import schema
from host_tools.paths import MPY_DIR

sys.path.insert(0, str(MPY_DIR))

from ulite.resolver import CUSTOM_KERNELS, KERNELS  # noqa: E402

CASES = 8000  # make test-slow; make test runs the first FAST_CASES of them
FAST_CASES = 300
SEED = 2024


@pytest.mark.parametrize("count", [FAST_CASES, pytest.param(CASES, marks=pytest.mark.slow)])
def test_bounded_fuzz(count):
    cases, results, crashes, saved = fuzz(count, SEED, jobs=os.cpu_count() or 1)
    outcomes = Counter((r["stage"], r["r"]) for r in results)
    assert len(results) == count
    # the mutations reach every stage: refused while parsing, refused by kernels, invoked
    assert outcomes[("construct", "ModelError")] > count // 4
    assert outcomes[("construct", "UnsupportedOpError")] > count // 50
    # (one in eleven or so: mutated Signal-op graphs, with their exact option and shape
    # checks, invoke less often than the other graphs)
    assert outcomes[("invoke", "ok")] > count // 12
    assert not crashes, summary(cases, results, crashes, 0) + "\nsaved: %s" % [
        str(p) for p in saved
    ]


def op_names(model):
    """The names of a model's ops (a custom op's own name)."""
    m = schema.ModelT.InitFromPackedBuf(model, 0)
    names = [
        c.customCode.decode() if c.customCode else NAMES[max(c.builtinCode, c.deprecatedBuiltinCode)]
        for c in m.operatorCodes
    ]
    return {names[op.opcodeIndex] for op in m.subgraphs[0].operators}


NAMES = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}


def test_seeds_cover_every_kernel():
    """Every operator ulite's resolver runs has a random-graph maker, appears in the random
    graphs of the bounded run above, and in the builder models (the property tests' seeds)."""
    kernels = {NAMES[code] for code in KERNELS} | set(CUSTOM_KERNELS)
    assert set(MAKERS) == kernels
    models = seed_models(generated=graph_count(CASES), seed=SEED)
    generated = set().union(*(op_names(m) for n, m in models.items() if GENERATED.match(n)))
    assert generated == kernels
    assert set().union(*map(op_names, builder_models().values())) == kernels


def test_flatmap_finds_every_kind_of_field():
    model = with_defaults(model_path("hello_world_int8").read_bytes())
    kinds = {site.kind for site in FlatMap(model).sites}
    for kind in (
        "uoffset",
        "soffset",
        "vtable_size",
        "vtable_entry",
        "vector_count",
        "dim",
        "buffer_index",
        "tensor_index",
        "opcode_index",
        "quant_dim",
        "type",
        "scale",
        "zero_point",
        "builtin_code",
        "options_type",
        "option",
        "data",
        "flag",
    ):
        assert kind in kinds


def test_mutations_are_reproducible():
    model = model_path("simple_add").read_bytes()
    flatmap = FlatMap(model)
    for seed in range(50):
        a = apply(model, mutate(model, flatmap, random.Random(seed)))
        b = apply(model, mutate(model, flatmap, random.Random(seed)))
        assert a == b and len(a) == len(model) and a != model or seed


def test_crash_classification():
    assert not is_crash({"stage": "construct", "r": "ModelError", "msg": "tensor 3: ..."})
    assert not is_crash({"stage": "invoke", "r": "ok", "msg": ""})
    assert is_crash({"stage": "construct", "r": "IndexError", "msg": ""})
    assert is_crash(
        {
            "stage": "construct",
            "r": "ModelError",
            "msg": "unexpected KeyError while reading op 3: 7",
        }
    )
    assert is_crash({"stage": "invoke", "r": "ModelError", "msg": "x"})
    assert is_crash({"stage": "invoke", "r": "ModelWritten", "msg": ""})


FAKE_DEVICE = """
import json, sys
f = open(sys.argv[1])
f.readline()
for line in f:
    case = json.loads(line)
    if case["m"] == "hang":
        while True:
            pass
    if case["m"] == "die":
        sys.exit(9)
    print(json.dumps({"i": case["i"], "stage": "invoke", "r": "ok", "msg": ""}))
"""


def test_hangs_and_dead_processes_are_crashes(tmp_path):
    script = tmp_path / "fake_device.py"
    script.write_text(FAKE_DEVICE)
    names = ["fine", "hang", "fine", "die", "fine"]
    cases = [{"i": i, "m": m, "t": -1, "p": [], "v": True, "l": None} for i, m in enumerate(names)]
    results = run_batch(cases, {}, tmp_path, case_timeout=2, script=script)
    assert [results[i]["r"] for i in range(5)] == ["ok", "Timeout", "ok", "ProcessCrash", "ok"]
    assert all(is_crash(results[i]) for i in (1, 3))
