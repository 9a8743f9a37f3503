"""Seeded mutational fuzzer for ulite's model loading, run on MicroPython.

Seed models: the corpus, small builder models of every kernel (also re-packed with their
default-valued fields written out, and one with an offline memory plan and two subgraphs)
and random graphs (tests/fuzz_graphs.py: plausible chains of every kernel, most then broken
on purpose). Each case is a seed model truncated, or with 1-3 edits: bit flips, bytes set to
00/FF/7F/80, and targeted edits of the flatbuffer's structure found by FlatMap (uoffsets,
soffsets, vtable sizes and entries, vector counts, shape dims, buffer / tensor / opcode
indices, types, scales, zero points, quantized_dimension, options).

Cases run in batches inside one MicroPython process (host_tools/device/fuzz_batch.py): each is
described, constructed in a reused canary-filled arena, and, when it constructs, invoked
with zeroed or patterned inputs; cheap models are also run with the other loop backend
and the outputs compared. A crash is any exception other than ModelError /
UnsupportedOpError / ArenaError (or one the interpreter's safety net converted), any
exception during invoke, a write to the model bytes or past arena_used, backends that
disagree, a MicroPython process that dies, or a case that does not finish in time. Each
distinct crash is saved as tests/regressions/<model>-<seed>.tflite, which
tests/test_regressions.py loads.

    python tests/fuzz.py --cases 100000 [--seed S] [--jobs 2]    (make fuzz N=100000)
"""

import argparse
import json
import math
import os
import queue
import random
import re
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fuzz_graphs import every_kernel, next_op, random_graph  # noqa: E402
from host_tools.micropython import reports  # noqa: E402
from host_tools.model_builder import add_offline_plan, schema  # noqa: E402
from host_tools.paths import CORPUS, DEVICE_DIR, MPY_DIR, tool  # noqa: E402
from host_tools.sizes import parse_size  # noqa: E402

BATCH_SCRIPT = DEVICE_DIR / "fuzz_batch.py"
REGRESSIONS = Path(__file__).parent / "regressions"
CLEAN = ("ok", "ModelError", "UnsupportedOpError", "ArenaError")
# Cheap models (this size at most, and this many multiply-accumulates or output values per
# invoke at most) get more cases, all invoked, half of them with both loop backends.
SMALL = 64 * 1024
CHEAP_WORK = 100_000
GENERATED = re.compile(r"g\d+\.\d+$")
ARENA = 1 << 17  # the reused, canary-filled arena each case is first built in
HEAP = "48M"

# --- where the structure lives: a map of a valid flatbuffer's fields ----------------------

# table name -> {field id: (kind, detail, role)}; kinds: scalar (struct fmt), table, tables,
# vector (element size), string. Field ids follow the TFLite schema.
SCHEMA = {
    "Model": {
        0: ("scalar", "<I", "version"),
        1: ("tables", "OperatorCode", None),
        2: ("tables", "SubGraph", None),
        3: ("string", None, None),
        4: ("tables", "Buffer", None),
        5: ("vector", 4, "buffer_index"),
        6: ("tables", "Metadata", None),
    },
    "OperatorCode": {
        0: ("scalar", "<b", "builtin_code"),
        1: ("string", None, None),
        2: ("scalar", "<i", "version"),
        3: ("scalar", "<i", "builtin_code"),
    },
    "SubGraph": {
        0: ("tables", "Tensor", None),
        1: ("vector", 4, "tensor_index"),
        2: ("vector", 4, "tensor_index"),
        3: ("tables", "Operator", None),
        4: ("string", None, None),
    },
    "Tensor": {
        0: ("vector", 4, "dim"),
        1: ("scalar", "<b", "type"),
        2: ("scalar", "<I", "buffer_index"),
        3: ("string", None, None),
        4: ("table", "Quantization", None),
        5: ("scalar", "<B", "flag"),
        7: ("vector", 4, "dim"),
    },
    "Quantization": {
        0: ("vector", 4, "float"),
        1: ("vector", 4, "float"),
        2: ("vector", 4, "scale"),
        3: ("vector", 8, "zero_point"),
        6: ("scalar", "<i", "quant_dim"),
    },
    "Operator": {
        0: ("scalar", "<I", "opcode_index"),
        1: ("vector", 4, "tensor_index"),
        2: ("vector", 4, "tensor_index"),
        3: ("scalar", "<B", "options_type"),
        4: ("table", "Options", None),
    },
    "Options": {},  # any union member: every present field is fuzzed as raw bytes
    "Buffer": {
        0: ("vector", 1, "data"),
        1: ("scalar", "<Q", "offset"),
        2: ("scalar", "<Q", "offset"),
    },
    "Metadata": {0: ("string", None, None), 1: ("scalar", "<I", "buffer_index")},
}

# byte width of each struct format used above
WIDTH = {"<b": 1, "<B": 1, "<H": 2, "<i": 4, "<I": 4, "<Q": 8}


class Site:
    """One field of the flatbuffer: where it is, how wide, and what it means."""

    __slots__ = ("kind", "pos", "width", "signed")

    def __init__(self, kind, pos, width, signed=False):
        self.kind, self.pos, self.width, self.signed = kind, pos, width, signed


class FlatMap:
    """Every structural field of a valid .tflite flatbuffer, found by walking its schema."""

    def __init__(self, buf):
        self.buf = buf
        self.sites = []
        self.tables = []  # positions of every table, targets for offset edits
        self._seen = set()
        self._table(struct.unpack_from("<I", buf, 0)[0], "Model")

    def _add(self, kind, pos, width, signed=False):
        if 0 <= pos and pos + width <= len(self.buf):
            self.sites.append(Site(kind, pos, width, signed))

    def _u32(self, pos):
        return struct.unpack_from("<I", self.buf, pos)[0]

    def _table(self, pos, name):
        if pos in self._seen or not 0 <= pos <= len(self.buf) - 4:
            return
        self._seen.add(pos)
        self.tables.append(pos)
        buf = self.buf
        vtable = pos - struct.unpack_from("<i", buf, pos)[0]
        self._add("soffset", pos, 4, True)
        self._add("vtable_size", vtable, 2)
        self._add("vtable_size", vtable + 2, 2)
        vtable_size = struct.unpack_from("<H", buf, vtable)[0]
        for slot in range(4, vtable_size, 2):
            field_id = (slot - 4) // 2
            self._add("vtable_entry", vtable + slot, 2)
            offset = struct.unpack_from("<H", buf, vtable + slot)[0]
            if not offset:
                continue
            field = pos + offset
            spec = SCHEMA[name].get(field_id)
            if spec is None:
                self._add("option", field, 1)
                continue
            kind, detail, role = spec
            if kind == "scalar":
                self._add(role, field, WIDTH[detail], detail in ("<b", "<i"))
                continue
            self._add("uoffset", field, 4)
            target = field + self._u32(field)
            if kind == "table":
                self._table(target, detail)
            elif kind == "tables":
                self._add("vector_count", target, 4)
                for i in range(self._u32(target)):
                    element = target + 4 + 4 * i
                    self._add("uoffset", element, 4)
                    self._table(element + self._u32(element), detail)
            else:
                self._add("vector_count", target, 4)
                if kind == "vector":
                    count = self._u32(target)
                    if role == "data":  # weight bytes: a few samples, not every byte
                        for i in sorted({0, count // 2, count - 1}) if count else ():
                            self._add("data", target + 4 + i, 1)
                    else:
                        for i in range(count):
                            self._add(role, target + 4 + detail * i, detail, role != "scale")


# --- mutations ------------------------------------------------------------------------------

SMALL_VALUES = (0, 1, 2, 3, 4, 8)
FLOAT_SPECIALS = (0.0, -0.0, -1.0, 1e-45, 1e-38, 3e38, float("inf"), float("nan"), 1.0, 2.0**-8)


def _values(site, old, size, rng):
    """Candidate new values (unsigned, in the site's width) for a targeted edit."""
    bits = 8 * site.width
    mask = (1 << bits) - 1
    common = list(SMALL_VALUES) + [mask, mask >> 1, 1 << (bits - 1), rng.getrandbits(bits)]
    common += [old + 1, old - 1, old * 2, old // 2, old ^ (1 << rng.randrange(bits))]
    kind = site.kind
    if kind == "uoffset":
        common += [
            size - site.pos,
            size - site.pos - 4,
            size,
            rng.randrange(size),
            old + 4,
            old - 4,
        ]
    elif kind == "soffset":
        common += [-4, -8, size, -size, site.pos, site.pos - size, rng.randrange(-size, size)]
    elif kind == "vtable_size":
        common += [0xFFFE, 0x100, 5, 6, old + 2, old - 2, old + 64]
    elif kind == "vtable_entry":
        common += [old + 4, old - 4, 0x7FFF, rng.randrange(64)]
    elif kind == "vector_count":
        common += [size, size // 4, old + 2, 0x40000000, 0x10000, 4097]
    elif kind == "dim":
        common += [-1, -2, 0, 1 << 16, 1 << 31, 0x7FFFFFFF, 46341, old * 3, rng.randrange(1000)]
    elif kind in ("tensor_index", "buffer_index", "opcode_index"):
        common += [-1, -2, old + 1, old + 2, 256, rng.randrange(32)]
    elif kind == "quant_dim":
        common += [-1, 1, 2, 3, 4, 5, 8, 0x7FFFFFFF]
    elif kind == "type":
        common += list(range(19)) + [-1, 19, 127]
    elif kind == "builtin_code":
        common += [32, 127, 150, 200, 255, rng.randrange(210), -1]
    elif kind == "options_type":
        common += [rng.randrange(130) for _ in range(6)]
    elif kind == "scale":
        f = rng.choice(FLOAT_SPECIALS)
        return [struct.unpack("<I", struct.pack("<f", f))[0]]
    elif kind == "zero_point":
        common += [-129, 128, 127, -128, 255, 32768, -32769, 1 << 40, 1 << 63]
    return common


def _write(data, site, value):
    mask = (1 << (8 * site.width)) - 1
    data[site.pos : site.pos + site.width] = (value & mask).to_bytes(site.width, "little")


def mutate(model, flatmap, rng):
    """A case: {"t": truncated length or -1, "p": [[pos, hex bytes], ...]}."""
    size = len(model)
    data = bytearray(model)
    patches = []
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        roll = rng.random()
        if roll < 0.15:  # bit flip anywhere, or within the structure
            pos = rng.randrange(size) if rng.random() < 0.5 else _structural_pos(flatmap, rng)
            data[pos] ^= 1 << rng.randrange(8)
            patches.append([pos, "%02x" % data[pos]])
            continue
        if roll < 0.30:  # byte set
            pos = rng.randrange(size) if rng.random() < 0.5 else _structural_pos(flatmap, rng)
            data[pos] = rng.choice((0x00, 0xFF, 0x7F, 0x80))
            patches.append([pos, "%02x" % data[pos]])
            continue
        site = rng.choice(flatmap.sites)
        old = int.from_bytes(data[site.pos : site.pos + site.width], "little", signed=site.signed)
        if site.kind == "uoffset" and rng.random() < 0.3:  # point at another table
            value = rng.choice(flatmap.tables) - site.pos
        elif site.kind == "soffset" and rng.random() < 0.3:  # vtable anywhere in the file
            value = site.pos - rng.randrange(size)
        else:
            value = rng.choice(_values(site, old, size, rng))
        _write(data, site, value)
        patches.append([site.pos, data[site.pos : site.pos + site.width].hex()])
    return {"t": -1, "p": patches}


def _structural_pos(flatmap, rng):
    site = rng.choice(flatmap.sites)
    return site.pos + rng.randrange(site.width)


def apply(model, case):
    data = bytearray(model if case["t"] < 0 else model[: case["t"]])
    for pos, patch in case["p"]:
        patch = bytes.fromhex(patch)
        data[pos : pos + len(patch)] = patch
    return bytes(data)


# --- seed models ----------------------------------------------------------------------------


def builder_models():
    """Small valid models covering every kernel ulite has, plus variable and empty tensors."""
    import numpy as np

    from host_tools.model_builder import ModelBuilder

    rng = np.random.default_rng(7)
    models = {}

    mb = ModelBuilder()
    x = mb.input((2, 6), "int8", scale=0.05, zero_point=-3)
    w = mb.const(
        rng.integers(-127, 128, (4, 6)),
        "int8",
        scale=[0.01, 0.02, 0.03, 0.04],
        zero_point=0,
        axis=0,
    )
    b = mb.const(
        rng.integers(-500, 500, 4), "int32", scale=[0.0005, 0.001, 0.0015, 0.002], zero_point=0
    )
    h = mb.tensor((2, 4), "int8", scale=0.1, zero_point=2)
    mb.op(
        "FULLY_CONNECTED",
        [x, w, b],
        [h],
        "FullyConnectedOptions",
        fused_activation_function="RELU",
    )
    s = mb.tensor((2, 4), "int8", scale=1 / 256, zero_point=-128)
    mb.op("SOFTMAX", [h], [s], "SoftmaxOptions", beta=1.0)
    mb.output(mb.output(s))
    models["b_fc_softmax"] = mb.build()

    mb = ModelBuilder()
    x = mb.input((1, 3, 4), "int8", scale=0.1, zero_point=1)
    c = mb.const(rng.integers(-128, 128, (1, 1, 4)), "int8", scale=0.05, zero_point=-2)
    y = mb.tensor((1, 3, 4), "int8", scale=0.2, zero_point=0)
    mb.op("ADD", [x, c], [y], "AddOptions", fused_activation_function="RELU6")
    r = mb.tensor((12,), "int8", scale=0.2, zero_point=0)
    shape = mb.const(np.array([12]), "int32")
    mb.op("RESHAPE", [y, shape], [r], "ReshapeOptions", new_shape=[12])
    q = mb.tensor((12,), "int16", scale=0.01, zero_point=0)
    mb.op("QUANTIZE", [r], [q])
    f = mb.tensor((12,), "float32")
    mb.op("DEQUANTIZE", [q], [f])
    mb.output(f)
    models["b_add_reshape_quant"] = mb.build()

    mb = ModelBuilder()
    x = mb.input((3, 5), "float32")
    w = mb.const(rng.standard_normal((2, 5)), "float32")
    y = mb.tensor((3, 2), "float32")
    mb.op("FULLY_CONNECTED", [x, w], [y], "FullyConnectedOptions")
    state = mb.tensor((3, 2), "float32", variable=True)
    z = mb.tensor((3, 2), "float32")
    mb.op("ADD", [y, state], [z], "AddOptions")
    q = mb.tensor((3, 2), "int8", scale=0.05, zero_point=4)
    mb.op("QUANTIZE", [z], [q])
    mb.output(q)
    models["b_float_variable"] = mb.build()

    mb = ModelBuilder()
    x = mb.input((2, 3), "int8", scale=0.5, zero_point=0)
    y = mb.tensor((2, 3), "int8", scale=0.25, zero_point=-1)
    mb.op("QUANTIZE", [x], [y])
    e = mb.tensor((0, 3), "int8", scale=0.25, zero_point=0)
    mb.op("RESHAPE", [e], [mb.tensor((0,), "int8", scale=0.25, zero_point=0)])
    mb.output(y)
    models["b_requant_empty"] = mb.build()

    mb = ModelBuilder()
    x, shape, dtype = mb.input((2, 24), "int16"), (2, 24), "int16"
    chain = ("SignalWindow", "SignalRfft", "SignalFftAutoScale", "SignalEnergy", "SignalFilterBank",
             "SignalFilterBankSquareRoot", "SignalFilterBankSpectralSubtraction", "SignalPCAN",
             "SignalFilterBankLog", "CAST", "DIV")  # fmt: skip
    for name in chain:  # the audio front end's ops, as TFLM's Signal library chains them
        x, shape, dtype = next_op(mb, random.Random(name), x, shape, dtype, name)
    mb.output(x)
    models["b_signal_chain"] = mb.build()

    models["b_offline_two_subgraphs"] = _offline_two_subgraphs(models["b_fc_softmax"])
    for dtype in ("int8", "float32"):
        models["b_every_kernel_" + dtype] = every_kernel(random.Random(dtype), dtype)
    return models


def _offline_two_subgraphs(model):
    """The model with TFLM's OfflineMemoryAllocation metadata (tensors packed one after
    another) and a second subgraph, a copy of the first, that ulite does not run."""
    import copy

    import flatbuffers

    from host_tools.model_builder import schema

    m = schema.ModelT.InitFromPackedBuf(model, 0)
    graph = m.subgraphs[0]
    m.subgraphs.append(copy.deepcopy(graph))
    offsets, end = [], 0
    for t in graph.tensors:
        size = 1
        for d in t.shape:
            size *= d
        offsets.append(-1 if t.buffer else end)
        end += 0 if t.buffer else (size * (4 if t.type in (0, 2) else 1) + 3) & ~3
    offsets += offsets  # one entry per tensor of every subgraph
    m.metadata = []  # the plan alone
    add_offline_plan(m, offsets)
    builder = flatbuffers.Builder(1024)
    builder.Finish(m.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def with_defaults(model):
    """The same model re-packed with every default-valued field written out, so that the
    fields writers usually omit (opcode index 0, quantized_dimension 0, ...) can be edited."""
    import flatbuffers

    from host_tools.model_builder import schema

    builder = flatbuffers.Builder(1024)
    builder.ForceDefaults(True)
    builder.Finish(
        schema.ModelT.InitFromPackedBuf(model, 0).Pack(builder), file_identifier=b"TFL3"
    )
    return bytes(builder.Output())


def seed_models(generated=0, seed=0):
    """name -> bytes: the corpus models, the builder models (also with default-valued
    fields written out) and `generated` random graphs (named g<seed>.<k>)."""
    models = {p.stem: p.read_bytes() for p in sorted((CORPUS / "models").glob("*.tflite"))}
    models.update(builder_models())
    for name in ("hello_world_int8", "b_fc_softmax", "b_add_reshape_quant"):
        models[name + "_defaults"] = with_defaults(models[name])
    for k in range(generated):
        name = "g%d.%d" % (seed, k)
        models[name] = random_graph(random.Random(name))
    return models


# --- planning cases -------------------------------------------------------------------------


def runnable(model):
    """Whether ulite (imported on CPython) constructs this model: its mutations reach the
    kernels, so they get more cases than those of models refused for unsupported ops."""
    if str(MPY_DIR) not in sys.path:
        sys.path.insert(0, str(MPY_DIR))
    import ulite

    try:
        ulite.Interpreter(model)
        return True
    except ulite.UliteError:
        return False


def invoke_work(model):
    """Multiply-accumulates (or, for ops without weights, output values) of one invoke of a
    valid model: what its plain-loop invoke costs, roughly."""
    m = schema.ModelT.InitFromPackedBuf(model, 0)
    graph = m.subgraphs[0]
    total = 0
    for op in graph.operators:
        out = graph.tensors[op.outputs[0]].shape
        if out is None or not len(out):
            continue
        per_value = 1
        for i in op.inputs:
            t = graph.tensors[i] if i >= 0 else None
            weights = t is not None and m.buffers[t.buffer].data is not None
            if weights and t.shape is not None and len(t.shape) >= 2:
                per_value = max(per_value, math.prod(t.shape) // max(1, out[-1]))
        total += math.prod(out) * per_value
    return int(total)


def plan_cases(models, count, seed):
    """`count` cases: a quarter truncations (spread over the named seed models), the rest
    mutations (more for cheap models that construct: theirs reach the kernels)."""
    rng = random.Random(seed)
    names = sorted(models)
    named = [name for name in names if not GENERATED.match(name)]
    # random graphs are tiny by construction (and their edits may make the estimate moot)
    cheap = {
        name: len(models[name]) <= SMALL
        and (GENERATED.match(name) is not None or invoke_work(models[name]) <= CHEAP_WORK)
        for name in names
    }

    def weight(name):
        if GENERATED.match(name):
            return 1
        return 4 if cheap[name] and runnable(models[name]) else 1

    weighted = [name for name in names for _ in range(weight(name))]
    maps = {name: FlatMap(models[name]) for name in names}
    cases = []
    per_model = max(1, count // 4 // len(named))
    for name in named:
        size = len(models[name])
        lengths = range(size) if size <= per_model else sorted(rng.sample(range(size), per_model))
        for length in lengths:
            cases.append({"m": name, "t": length, "p": [], "seed": "t%d" % length})
    cases = cases[: count // 4] if len(cases) > count // 4 else cases
    index = 0
    while len(cases) < count:
        name = weighted[index % len(weighted)]
        case_seed = "%d.%d" % (seed, index)
        case = mutate(models[name], maps[name], random.Random(case_seed))
        case.update({"m": name, "seed": case_seed})
        cases.append(case)
        index += 1
    for i, case in enumerate(cases):
        fast = cheap[case["m"]]
        roll = rng.random()  # not i % n: the jobs take every n-th case
        case["i"] = i
        case["v"] = fast or roll < 0.1  # costly models invoke slowly: one case in ten
        # plain loops prepare some kernels slowly (LOGISTIC's table: 0.1 s): half the cases
        # of cheap models run them, first (one in four) or as the twin compared with viper
        case["l"] = "plain" if roll < 0.25 and fast else None
        case["x"] = fast and roll < 0.5
    return cases


# --- running cases on MicroPython -----------------------------------------------------------


def _reader(stream, lines):
    for line in stream:
        lines.put(line)
    lines.put(None)


def run_batch(cases, model_paths, workdir, case_timeout, script=BATCH_SCRIPT):
    """Run cases in one MicroPython process, restarting after a crash or a hang.

    Returns {case id: result dict}; a case that killed or stalled the process gets
    r = "ProcessCrash" / "Timeout".
    """
    results = {}
    pending = list(cases)
    batch = 0
    while pending:
        path = workdir / ("cases-%d-%d.jsonl" % (os.getpid(), id(pending) + batch))
        batch += 1
        with open(path, "w") as f:
            f.write(json.dumps({"models": model_paths, "arena": ARENA}) + "\n")
            for case in pending:
                f.write(
                    json.dumps({k: case.get(k) for k in ("i", "m", "t", "p", "v", "l", "x")})
                    + "\n"
                )
        env = dict(os.environ, MICROPYPATH=str(MPY_DIR))
        command = [
            tool("micropython"),
            "-X",
            "heapsize=%d" % parse_size(HEAP),
            str(script),
            str(path),
        ]
        proc = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        lines = queue.Queue()
        threading.Thread(target=_reader, args=(proc.stdout, lines), daemon=True).start()
        stalled = False
        while True:
            try:
                line = lines.get(timeout=case_timeout)
            except queue.Empty:
                stalled = True
                proc.kill()
                break
            if line is None:
                break
            report = reports.parse(line)
            if report and "i" in report:
                results[report["i"]] = report
        proc.wait()
        stderr = proc.stderr.read()
        path.unlink()
        pending = [c for c in pending if c["i"] not in results]
        if pending and (stalled or proc.returncode != 0):
            culprit = pending.pop(0)
            detail = stderr.strip().splitlines()[-1:] or ["exit status %d" % proc.returncode]
            results[culprit["i"]] = {
                "i": culprit["i"],
                "stage": "?",
                "r": "Timeout" if stalled else "ProcessCrash",
                "msg": "no result within %d s" % case_timeout if stalled else detail[0],
            }
        elif pending:
            raise RuntimeError("fuzz batch stopped without reporting %d cases" % len(pending))
    return results


def run_cases(models, cases, jobs=2, case_timeout=60):
    """Run cases over `jobs` MicroPython processes; returns results in case order."""
    with tempfile.TemporaryDirectory(prefix="ulite-fuzz-") as tmp:
        tmp = Path(tmp)
        model_paths = {}
        for name, data in models.items():
            (tmp / (name + ".tflite")).write_bytes(data)
            model_paths[name] = str(tmp / (name + ".tflite"))
        shards = [cases[k::jobs] for k in range(jobs)]
        results = {}
        threads = [
            threading.Thread(
                target=lambda s=s: results.update(run_batch(s, model_paths, tmp, case_timeout))
            )
            for s in shards
            if s
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    return [results[case["i"]] for case in cases]


def is_crash(result):
    """Anything but a clean refusal or success; ModelErrors from the interpreter's safety net
    (an unexpected exception it converted) count too."""
    if result["r"] not in CLEAN or result["msg"].startswith("unexpected "):
        return True
    return result["stage"] == "invoke" and result["r"] != "ok"


def signature(result):
    """Crashes with the same stage, exception and message shape count as one bug."""
    return result["stage"], result["r"], re.sub(r"-?\d+", "N", result["msg"])[:80]


def save_crashes(models, cases, results, directory=REGRESSIONS):
    """Write the smallest model of each distinct crash; returns the paths written."""
    best = {}
    for case, result in zip(cases, results):
        if is_crash(result):
            data = apply(models[case["m"]], case)
            key = signature(result)
            if key not in best or len(data) < len(best[key][1]):
                best[key] = (case, data)
    directory.mkdir(exist_ok=True)
    paths = []
    for case, data in best.values():
        path = directory / ("%s-%s.tflite" % (case["m"], case["seed"]))
        path.write_bytes(data)
        paths.append(path)
    return paths


def graph_count(count):
    """How many random graphs a run of `count` cases adds to the seed models."""
    return max(20, count // 40)


def fuzz(count, seed, jobs=2, save=True):
    """Plan, run and judge `count` cases; returns (cases, results, crash list, saved paths)."""
    models = seed_models(generated=graph_count(count), seed=seed)
    cases = plan_cases(models, count, seed)
    results = run_cases(models, cases, jobs)
    crashes = [(c, r) for c, r in zip(cases, results) if is_crash(r)]
    saved = save_crashes(models, cases, results) if save and crashes else []
    return cases, results, crashes, saved


def summary(cases, results, crashes, elapsed):
    counts = {}
    for r in results:
        key = "%s/%s" % (r["stage"], r["r"])
        counts[key] = counts.get(key, 0) + 1
    lines = ["%d cases in %.1f s, %d crashes" % (len(cases), elapsed, len(crashes))]
    lines += ["  %-32s %d" % (k, counts[k]) for k in sorted(counts)]
    for case, r in crashes[:20]:
        lines.append(
            "  CRASH %s seed %s: %s at %s: %s"
            % (case["m"], case["seed"], r["r"], r["stage"], r["msg"])
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=None, help="default: from the clock (printed)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-save", action="store_true", help="do not write tests/regressions/")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else int(time.time())
    print("fuzzing %d cases, seed %d, %d jobs" % (args.cases, seed, args.jobs), flush=True)
    start = time.time()
    cases, results, crashes, saved = fuzz(args.cases, seed, args.jobs, not args.no_save)
    print(summary(cases, results, crashes, time.time() - start))
    for path in saved:
        print("saved %s" % path.relative_to(ROOT))
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
