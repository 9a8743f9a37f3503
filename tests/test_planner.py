"""The memory plan, computed by ulite on MicroPython, checked independently on the host.

Lifetimes are recomputed here from the flatbuffer with TFLM's own schema code, so a planner
bug cannot hide behind its own bookkeeping: no two tensors alive at the same op may share
a byte, and the activation total must not exceed TFLM's planned (head) bytes.
"""

import json

import numpy as np
import oracle
import pytest
import suite_16x8
from conftest import MODELS, model_path, tflm_arena
from deep_graphs import GRAPHS
from test_least_scratch import CUT_BY_THE_PLAN
from tflite_micro.python.tflite_micro import runtime
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from host_tools.benchmark import recorded_arena
from host_tools.model_info import describe_all

ALL_MODELS = sorted(p.stem for p in MODELS.glob("*.tflite"))
ISSUE2_MODELS = ["hello_world_int8", "hello_world_float", "ad01_int8", "simple_add"]
CONV_MODELS = ["person_detect", "vww_96_int8", "kws_ref_model", "ic_resnet8_int8", "micro_speech_quantized"]

PLAN_SCRIPT = """
import json, sys
from ulite.allocator import memory_plan
plan = memory_plan(open(sys.argv[1], "rb").read())
tensors = [[i, o, n] for i, (o, n) in plan.tensors().items()]
print(json.dumps({"total": plan.planned_bytes, "activations": plan.activation_bytes, "tensors": tensors}))
"""


def plan_on_device(micropython, name):
    return json.loads(micropython(PLAN_SCRIPT, heap="4M", args=[model_path(name)]).splitlines()[-1])


def host_lifetimes(name):
    buf = model_path(name).read_bytes()
    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(buf, 0))
    graph = model.subgraphs[0]
    first, last = {}, {}
    for t in graph.inputs:
        first[t], last[t] = 0, 0
    for scope, op in enumerate(graph.operators, start=1):
        for t in op.outputs:
            first.setdefault(t, scope)
            last[t] = scope
        for t in op.inputs:
            if t >= 0:
                last[t] = scope
    end = len(graph.operators)
    for t in graph.outputs:
        first.setdefault(t, end)
        last[t] = end
    for t, tensor in enumerate(graph.tensors):
        if tensor.isVariable:  # state: alive across invokes
            first[t], last[t] = 0, end + 1
    return first, last


@pytest.mark.parametrize("name", ALL_MODELS)
def test_live_tensors_never_share_bytes(micropython, name):
    plan = plan_on_device(micropython, name)
    first, last = host_lifetimes(name)
    placed = plan["tensors"]
    assert placed, "nothing planned"
    for i, (a, a_off, a_size) in enumerate(placed):
        assert a_off % 4 == 0
        assert a_off + a_size <= plan["total"]
        for b, b_off, b_size in placed[i + 1 :]:
            live_together = not (first[a] > last[b] or first[b] > last[a])
            overlap = a_off < b_off + b_size and b_off < a_off + a_size
            assert not (live_together and overlap), "tensors %d and %d share bytes while both live" % (a, b)


@pytest.mark.parametrize("name", ISSUE2_MODELS + CONV_MODELS)
def test_activation_bytes_within_tflm_head(micropython, name):
    assert plan_on_device(micropython, name)["activations"] <= tflm_arena(name)["head"]


ARENA_SCRIPT = """
import sys, ulite
print(ulite.Interpreter(open(sys.argv[1], "rb").read()).arena_used)
"""


@pytest.mark.parametrize("name", ISSUE2_MODELS + CONV_MODELS)
def test_whole_arena_within_tflm_total(micropython, name):
    """Activations, kernels' scratch and every op's tables: no more than TFLM's whole arena
    (its planned head and its persistent tail) for the same model."""
    arena = int(micropython(ARENA_SCRIPT, heap="4M", args=[model_path(name)]).split()[-1])
    assert arena <= tflm_arena(name)["total"]


# builder graphs from outside the corpus: deep int8 ones, the 16x8 suite, and small
# convolutions whose scratch the plan must cut to stay within TFLM's arena
BUILT = dict(GRAPHS, **suite_16x8.MODELS, **{name: lambda job=job: job()[0] for name, job in CUT_BY_THE_PLAN.items()})


@pytest.fixture(scope="module")
def built_arenas(tmp_path_factory):
    """{graph name: (ulite's whole arena, TFLM's)} for the builder graphs, ulite's from one
    describe on the unix port."""
    folder = tmp_path_factory.mktemp("built")
    paths, tflm = [], []
    for name, make in BUILT.items():
        model = make()
        paths.append(folder / ("%s.tflite" % name))
        paths[-1].write_bytes(model)
        interp = runtime.Interpreter.from_bytes(model, arena_size=1 << 22)
        tflm.append(recorded_arena(interp)["total"])
    ulite = [info["arena_bytes"] for info in describe_all(paths)]
    return dict(zip(BUILT, zip(ulite, tflm)))


@pytest.mark.parametrize("name", BUILT)
def test_built_graph_arena_within_tflm_total(built_arenas, name):
    """Residual, U-Net and branching graphs outside the corpus, whose early tensors stay
    alive across many ops, the 16x8 suite and small convolutions: no more arena than
    TFLM's whole one. (resnet_32_32_32's peak is three 32 KB tensors at a conv,
    encoder_decoder_16x8's and the small convolutions' the scratch: it must shrink there,
    as TFLM's reference convs have none.)"""
    ulite, tflm = built_arenas[name]
    assert ulite <= tflm, "%s: ulite %d bytes, TFLM %d" % (name, ulite, tflm)


def test_deep_graphs_bit_exact():
    """The deep graphs run as TFLM runs them, so the arena compared above is one that works."""
    rng = np.random.default_rng(12)
    jobs = []
    for make in GRAPHS.values():
        model = make()
        graph = schema.Model.GetRootAsModel(model, 0).Subgraphs(0)
        shape = graph.Tensors(graph.Inputs(0)).ShapeAsNumpy()
        jobs.append((model, [rng.integers(-128, 128, size=shape, dtype=np.int8)]))
    assert oracle.compare(jobs) == len(GRAPHS)
