"""Real values in and out of the device API (Tensor.set_floats, Tensor.floats, copy_from of
lists, Interpreter.predict; the arithmetic in ulite/affine.py), checked against TFLM's
QUANTIZE and DEQUANTIZE on tensors of the same scale and zero point: on the unix port, and
on the ARM board (single-precision floats)."""

import json

import numpy as np
import pytest
from conftest import model_path
from oracle import run_tflm

from host_tools import micropython
from host_tools.model_builder import ModelBuilder
from host_tools.model_info import describe

# (dtype, scale, zero point) of the quantized tensors
PARAMS = [("int8", 0.05, -3), ("int8", 1 / 3, 127), ("int16", 5e-4, 0), ("int16", 0.1, -100)]
# reals travel as float32 bytes: a board parses decimal text to float32 not always to the
# nearest value
DEVICE = """
import json, sys, ulite
from array import array


def load(path):
    with open(path, "rb") as f:
        return f.read()


spec = json.loads(load(sys.argv[1]))
for case in spec["cases"]:
    values = array("f", bytes.fromhex(case["values"]))
    q = ulite.Interpreter(load(case["quantize"]))
    q.output(0).set_floats(values)
    q.input(0).set_floats(values)  # float32: as they are
    d = ulite.Interpreter(load(case["dequantize"]))
    d.input(0).copy_from(case["ints"])
    print(json.dumps({
        "quantized": bytes(q.output(0).data).hex(),
        "float32": bytes(q.input(0).floats()).hex(),
        "dequantized": bytes(d.input(0).floats()).hex(),
    }))
p = ulite.Interpreter(load(spec["predict"]))
inputs = array("f", bytes.fromhex(spec["inputs"]))
print(json.dumps({"predicted": [bytes(p.predict([x])).hex() for x in inputs]}))
"""


def one_op(name, in_dtype, out_dtype, count, scale, zero_point):
    """A QUANTIZE or DEQUANTIZE model over `count` values; the int side has (scale, zp)."""
    quant = {"scale": scale, "zero_point": zero_point}
    mb = ModelBuilder()
    x = mb.input((count,), in_dtype, **({} if in_dtype == "float32" else quant))
    y = mb.tensor((count,), out_dtype, **({} if out_dtype == "float32" else quant))
    mb.op(name, [x], [y])
    mb.output(y)
    return mb.build()


def predicted_by_tflm(model_file, x):
    """What predict([x]) gives for a single-input, single-output int8 model: TFLM's QUANTIZE
    of x, the model, TFLM's DEQUANTIZE (float32 values)."""
    info = describe(model_file)
    (_, in_shape, _, in_scale, in_zp), = info["inputs"]
    (_, _, _, out_scale, out_zp), = info["outputs"]
    quantize = one_op("QUANTIZE", "float32", "int8", 1, in_scale, in_zp)
    dequantize = one_op("DEQUANTIZE", "int8", "float32", 1, out_scale, out_zp)
    q = run_tflm(quantize, [np.array([x], np.float32)])[0].reshape(in_shape)
    y = run_tflm(model_file.read_bytes(), [q])[0].reshape(1)
    return run_tflm(dequantize, [y])[0]


def tflm_hex(model_file, x):
    """TFLM's output bytes for the one-op model in `model_file`, in hex."""
    return run_tflm(model_file.read_bytes(), [x])[0].tobytes().hex()


def reals(rng, scale, count=64):
    """Values around the whole quantized range and past it (within int32 once divided by
    the scale: beyond, TFLM's conversion to int32 is undefined), ties and zeros."""
    spread = rng.normal(0, 300 * scale, count - 12)
    ties = (np.arange(-4, 4) + 0.5) * scale
    edges = [0.0, -0.0, 1e6 * scale, -1e6 * scale]
    return np.concatenate([spread, ties, edges]).astype(np.float32)


def job(tmp_path):
    """(spec path, reads, expected lines): every PARAMS case and hello_world_int8's predict."""
    rng = np.random.default_rng(15)
    spec, reads, expected = {"cases": []}, [], []
    for i, (dtype, scale, zp) in enumerate(PARAMS):
        values = reals(rng, scale)
        info = np.iinfo(dtype)
        ints = rng.integers(info.min, info.max + 1, 64).astype(dtype)
        paths = {}
        for kind, model in (
            ("quantize", one_op("QUANTIZE", "float32", dtype, len(values), scale, zp)),
            ("dequantize", one_op("DEQUANTIZE", dtype, "float32", len(ints), scale, zp)),
        ):
            paths[kind] = tmp_path / ("%s%d.tflite" % (kind, i))
            paths[kind].write_bytes(model)
            reads.append(paths[kind])
        spec["cases"].append(
            {"quantize": str(paths["quantize"]), "dequantize": str(paths["dequantize"]),
             "values": values.tobytes().hex(), "ints": [int(v) for v in ints]}
        )  # fmt: skip
        expected.append(
            {
                "quantized": tflm_hex(paths["quantize"], values),
                "float32": values.tobytes().hex(),
                "dequantized": tflm_hex(paths["dequantize"], ints),
            }
        )
    hello = model_path("hello_world_int8")
    inputs = np.linspace(0, 6.3, 9).astype(np.float32)
    expected.append({"predicted": [predicted_by_tflm(hello, x).tobytes().hex() for x in inputs]})
    spec.update(predict=str(hello), inputs=inputs.tobytes().hex())
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    return path, reads + [hello, path], expected


@pytest.mark.parametrize("on", ["unix", "arm"])
def test_real_values_are_tflms(tmp_path, on):
    spec, reads, expected = job(tmp_path)
    script = tmp_path / "device.py"
    script.write_text(DEVICE)
    result = micropython.run(on, script, [spec], reads=reads)
    assert result.returncode == 0, result.stdout + result.stderr
    got = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert len(got) == len(expected)
    for case, (g, e) in enumerate(zip(got, expected)):
        for key in e:
            assert g[key] == e[key], (on, case, key)


LISTS = """
import ulite
model = open(%r, "rb").read()
i = ulite.Interpreter(model)
x = i.input(0)
x.copy_from([-128])
print(bytes(x.data) == bytes([128]))
for bad in ([128], [1.0], [0, 0], ["a"]):
    try:
        x.copy_from(bad)
    except (TypeError, ValueError) as e:
        print(type(e).__name__, e)
"""


def test_copy_from_takes_a_list_of_values(tmp_path):
    script = tmp_path / "lists.py"
    script.write_text(LISTS % str(model_path("hello_world_int8")))
    result = micropython.run("unix", script)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "True"
    kinds = [line.split()[0] for line in lines[1:]]
    assert kinds == ["ValueError", "TypeError", "ValueError", "TypeError"]
    assert "128 is outside the int8 range" in lines[1]
