"""The checklist of ulite/resolver.py: every op the resolver runs is in every place a new op
must reach, and a miss fails with the place's name and what to do there. (That no place
lists an op the resolver lacks is checked where each place is tested: test_readme.py,
test_fuzz.py, test_runtime.py.)"""

import ast
import json
import random
import re
import sys

import pytest
from conftest import ROOT
from fuzz_graphs import MAKERS, next_op, _quant
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from host_tools import micropython
from host_tools.model_builder import ModelBuilder
from host_tools.paths import DEVICE_DIR
from host_tools.rp2040 import estimate, layers

MPY = ROOT / "mpy"
sys.path.insert(0, str(MPY))
from ulite.model import OPTIONS_TYPES  # noqa: E402
from ulite.opnames import builtin_name  # noqa: E402
from ulite.resolver import CUSTOM_KERNELS, KERNELS  # noqa: E402

SCHEMA_NAMES = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
SCHEMA_OPTIONS = {k: v for k, v in vars(schema.BuiltinOptions).items() if not k.startswith("_")}
RESOLVER = (MPY / "ulite" / "resolver.py").read_text()
README_TABLE = (ROOT / "README.md").read_text().split("## Supported ops", 1)[1].split("\n## ", 1)[0]
# every op the resolver runs: (name, kernel module, builtin code; None for a custom op)
OPS = sorted([(SCHEMA_NAMES.get(c, "BUILTIN_%d" % c), m, c) for c, m in KERNELS.items()] + [(n, m, None) for n, m in CUSTOM_KERNELS.items()])
TWIN_DIR = DEVICE_DIR  # thumb_twin.py
# Assembler kernels of op-level Thumb glue (requant alone is the requantization any int8
# kernel may call through the loops' requantize; the estimate counts it as viper code).
GLUE_KERNELS = {"fc_rows", "dot8", "gather8", "lanes8", "dw8", "add_rescaled", "flip_bytes"}
CALLS_SCRIPT = """
import sys, thumb_twin
thumb_twin.install()
import ulite
for path in sys.argv[1:]:
    try:
        interp = ulite.Interpreter(open(path, "rb").read(), loops="thumb")
    except ulite.UliteError as e:
        print(repr(str(e)))
        continue
    thumb_twin.CALLS.clear()
    interp.invoke()
    print(repr(sorted({key[0] for key in thumb_twin.CALLS})))
"""


SHAPE = (1, 12, 12, 8)
SEEDS = 4  # models per op: the makers pick shapes and variants at random


def op_model(name, seed):
    """A model of the op (after its maker's own reshapes), int8 where it runs int8."""
    rng = random.Random(seed)
    dtype = "int8" if "int8" in MAKERS[name][1] else MAKERS[name][1][0]
    mb = ModelBuilder()
    x = mb.input(SHAPE, dtype, **_quant(rng, dtype))
    y, _, _ = next_op(mb, rng, x, SHAPE, dtype, name)
    mb.output(y)
    return mb.build()


@pytest.fixture(scope="module")
def thumb_calls(tmp_path_factory):
    """{op name: [(model, the assembler kernels it calls on the Thumb backend (twins), or
    why ulite refused it)]}."""
    tmp = tmp_path_factory.mktemp("ops")
    names = sorted(name for name, _, _ in OPS if name in MAKERS)
    models = [(name, op_model(name, seed)) for name in names for seed in range(SEEDS)]
    paths = []
    for i, (_, model) in enumerate(models):
        paths.append(tmp / ("%d.tflite" % i))
        paths[-1].write_bytes(model)
    script = tmp / "calls.py"
    script.write_text(CALLS_SCRIPT)
    result = micropython.run("unix", script, paths, heap=8 << 20, extra_path=[TWIN_DIR])
    assert result.returncode == 0, result.stderr
    calls = {}
    for (name, model), line in zip(models, result.stdout.splitlines()):
        calls.setdefault(name, []).append((model, eval(line)))
    return calls


def options_read_by(module):
    """The BuiltinOptions table names a kernel module mentions (what it reads options from)."""
    path = MPY / "ulite" / "kernels" / (module + ".py")
    strings = [n.value for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Constant)]
    return sorted({s for s in strings if isinstance(s, str) and re.fullmatch(r"[A-Za-z0-9]+Options", s)})


def missing_places(name, module, code, thumb_calls):
    """What the op `name` (builtin `code`, or None for a custom op), run by
    kernels/`module`.py, lacks: one line per place."""
    missing = []
    if code is None:
        if not re.search(r"^    \"%s\": \"%s\",$" % (name, module), RESOLVER, re.M):
            missing.append("resolver.CUSTOM_KERNELS: write the entry as `\"%s\": \"%s\",`" % (name, module))
    else:
        comment = re.search(r"^    %d: \"%s\",  # (\S+)$" % (code, module), RESOLVER, re.M)
        if not comment or comment.group(1) != name:
            missing.append("resolver.KERNELS: write the entry as `%d: \"%s\",  # %s`" % (code, module, name))
    path = MPY / "ulite" / "kernels" / (module + ".py")
    functions = {}
    if path.is_file():
        tree = ast.parse(path.read_text())
        functions = {n.name: [a.arg for a in n.args.args] for n in tree.body if isinstance(n, ast.FunctionDef)}
        imported = {a.asname or a.name for n in tree.body if isinstance(n, ast.ImportFrom) for a in n.names}
        functions.update({f: ["op", "?"] for f in ("check", "prepare") if f in imported and f not in functions})
    if len(functions.get("check", ())) != 2 or len(functions.get("prepare", ())) != 2:
        missing.append("kernels/%s.py: define check(op, requests) and prepare(op, context)" % module)
    if path.is_file():
        for options in options_read_by(module):
            if OPTIONS_TYPES.get(options) != SCHEMA_OPTIONS.get(options):
                missing.append(
                    "model.OPTIONS_TYPES: kernels/%s.py reads %s, add %r: %s"
                    % (module, options, options, SCHEMA_OPTIONS.get(options, "(not in the schema)"))
                )
    if code is not None and builtin_name(code) != name:
        missing.append("opnames: code %d is named %r there, the schema says %r" % (code, builtin_name(code), name))
    rows = [row for row in re.findall(r"^\| ([A-Za-z_0-9, ]+) \|.*$", README_TABLE, re.M)]
    if not any(name in (n.strip() for n in row.split(",")) for row in rows):
        missing.append("README.md, Supported ops: add a row for %s (dtypes, the tests against TFLM)" % name)
    if name not in MAKERS:
        missing.append("tests/fuzz_graphs.py MAKERS: add a maker building a %s op" % name)
    listed = [url for _, url in json.loads((ROOT / "package.json").read_text())["urls"]]
    if "mpy/ulite/kernels/%s.py" % module not in listed:
        missing.append("package.json: run `python -m host_tools build-runtime --board virtual --package-json`")
    for model, called in thumb_calls.get(name, ()):
        glue = sorted(set(called) & GLUE_KERNELS) if isinstance(called, list) else []
        ops = [layer for layer in layers.read(model) if layer.name == name]
        if glue and (name not in estimate.OTHER or any(estimate.plan(layer) is None for layer in ops)):
            missing.append(
                "host_tools/rp2040/estimate.py: %s runs the Thumb kernels %s; plan its calls"
                " (estimate.plan) and measure its glue on the ARM board (OTHER, rp2040/calibrate.py)"
                % (name, glue)
            )
            break
    return missing


@pytest.mark.parametrize("name, module, code", OPS, ids=[name for name, _, _ in OPS])
def test_op_is_in_every_place(name, module, code, thumb_calls):
    missing = missing_places(name, module, code, thumb_calls)
    assert not missing, "%s is missing from:\n  " % name + "\n  ".join(missing)

