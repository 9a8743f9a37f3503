"""Shared fixtures: the corpus, TFLM's golden outputs, and running code on MicroPython."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from host_tools.micropython import unix  # noqa: E402
from host_tools.paths import CORPUS  # noqa: E402
from host_tools.sizes import parse_size  # noqa: E402

MODELS = CORPUS / "models"
GOLDEN = CORPUS / "golden"


def model_path(name):
    return MODELS / ("%s.tflite" % name)


def golden_cases(name):
    """[(inputs, expected outputs)] for each case TFLM recorded for a corpus model."""
    data = np.load(GOLDEN / ("%s.npz" % name))
    cases = []
    c = 0
    while "case%d_in0" % c in data:
        ins = [data["case%d_in%d" % (c, k)] for k in range(16) if "case%d_in%d" % (c, k) in data]
        outs = [data["case%d_out%d" % (c, k)] for k in range(16) if "case%d_out%d" % (c, k) in data]
        cases.append((ins, outs))
        c += 1
    return cases


# The loops of a unix-port sweep whose jobs the WebAssembly port's fast set runs too, with
# the plain loops (test_wasm_port.KERNEL_JOBS; 32-bit there, the stricter check): the plain
# loops here repeat that, in make test-slow.
PLAIN_ON_WASM = ["viper", pytest.param("plain", marks=pytest.mark.slow)]

UNSUPPORTED_OP = "EXP"


def write_unsupported_model(path):
    """Write to `path` a model of one op TFLM runs and ulite lacks (UNSUPPORTED_OP, float32),
    for the tests of refusals; returns `path`."""
    from host_tools.model_builder import ModelBuilder

    mb = ModelBuilder()
    x = mb.input((1, 4), "float32")
    y = mb.tensor((1, 4), "float32")
    mb.op(UNSUPPORTED_OP, [x], [y])
    mb.output(y)
    path.write_bytes(mb.build())
    return path


def tflm_arena(name):
    return json.loads((GOLDEN / "index.json").read_text())[name]["tflm_arena"]


def run_micropython(tmp_path, source, heap="2M", args=()):
    """Run `source` on the unix port with ulite importable; returns stdout (fails on error)."""
    script = tmp_path / "device_script.py"
    script.write_text(source)
    result = unix.run(script, args, heap=parse_size(heap))
    assert result.returncode == 0, "MicroPython failed:\n%s%s" % (result.stdout, result.stderr)
    return result.stdout


@pytest.fixture
def micropython(tmp_path):
    return lambda source, heap="2M", args=(): run_micropython(tmp_path, source, heap, args)
