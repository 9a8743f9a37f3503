"""Host commands: clear one-line errors for user mistakes, real outputs otherwise."""

import subprocess
import sys

import numpy as np
from conftest import ROOT, UNSUPPORTED_OP, golden_cases, model_path, write_unsupported_model


def host(*args):
    return subprocess.run([sys.executable, "-m", "host_tools", *map(str, args)], capture_output=True, text=True, cwd=ROOT)


def assert_user_error(result, *fragments):
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_infer_writes_outputs_with_model_dtypes(tmp_path):
    (inputs, expected), = golden_cases("hello_world_int8")[:1]
    np.save(tmp_path / "x.npy", inputs[0])
    result = host("infer", model_path("hello_world_int8"), "--input", tmp_path / "x.npy", "--out", tmp_path / "y.npz")
    assert result.returncode == 0, result.stderr
    out = np.load(tmp_path / "y.npz")
    assert list(out.keys()) == ["out0"]
    assert out["out0"].dtype == np.int8 and out["out0"].shape == expected[0].shape
    np.testing.assert_array_equal(out["out0"], expected[0])


def test_infer_prints_dequantized_outputs_without_out(tmp_path):
    """No --out needed: infer prints each output raw and dequantized (TFLM's golden output
    here, with the output tensor's scale and zero point)."""
    (inputs, expected), = golden_cases("hello_world_int8")[:1]
    np.save(tmp_path / "x.npy", inputs[0])
    result = host("infer", model_path("hello_world_int8"), "--input", tmp_path / "x.npy")
    assert result.returncode == 0, result.stderr
    q = int(expected[0].reshape(-1)[0])
    scale, zero_point = 0.008290956728160381, 5  # the output's quantization (inspect shows it)
    assert "out0 int8 (1, 1) [%d] = [%.4g]" % (q, (q - zero_point) * scale) in result.stdout
    assert not list(tmp_path.glob("*.npz"))


def test_infer_needs_no_heap_for_a_model_whose_plan_fits(tmp_path):
    """The default heap is the plan's arena and room for ulite's objects, the arena reserved
    first: person_detect runs without --heap (with a fixed 256k it did not)."""
    (inputs, expected), = golden_cases("person_detect")[:1]
    np.save(tmp_path / "x.npy", inputs[0])
    result = host("infer", model_path("person_detect"), "--input", tmp_path / "x.npy")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("out0 int8 (1, 2) %s = " % expected[0].reshape(-1).tolist())


def test_infer_names_the_top_scores_with_labels(tmp_path):
    (inputs, expected), = golden_cases("micro_speech_quantized")[:1]
    np.save(tmp_path / "x.npy", inputs[0])
    labels = ["silence", "unknown", "yes", "no"]
    (tmp_path / "labels.txt").write_text("\n".join(labels) + "\n")
    result = host("infer", model_path("micro_speech_quantized"), "--input", tmp_path / "x.npy", "--labels", tmp_path / "labels.txt", "--top", "2")
    assert result.returncode == 0, result.stderr
    best = np.argsort(-expected[0].reshape(-1).astype(int), kind="stable")[:2]
    top = [line for line in result.stdout.splitlines() if line.startswith("  top 2: ")]
    assert len(top) == 1
    assert [part.split()[0] for part in top[0][len("  top 2: "):].split(", ")] == [labels[k] for k in best]
    (tmp_path / "three.txt").write_text("a\nb\nc\n")
    wrong = host("infer", model_path("micro_speech_quantized"), "--input", tmp_path / "x.npy", "--labels", tmp_path / "three.txt")
    assert_user_error(wrong, "3 labels, but no output has that many values")


def test_infer_user_errors(tmp_path):
    good = golden_cases("ad01_int8")[0][0][0]
    np.save(tmp_path / "good.npy", good)
    np.save(tmp_path / "shape.npy", good[:, :100])
    np.save(tmp_path / "dtype.npy", good.astype(np.float32))
    (tmp_path / "junk.npy").write_bytes(b"not numpy")
    model = model_path("ad01_int8")
    out = tmp_path / "o.npz"
    assert_user_error(host("infer", tmp_path / "missing.tflite", "--input", tmp_path / "good.npy", "--out", out), "not found")
    assert_user_error(host("infer", model, "--input", tmp_path / "missing.npy", "--out", out), "not found")
    assert_user_error(host("infer", model, "--input", tmp_path / "junk.npy", "--out", out), "junk.npy")
    assert_user_error(host("infer", model, "--input", tmp_path / "shape.npy", "--out", out), "(1, 640)", "(1, 100)")
    assert_user_error(host("infer", model, "--input", tmp_path / "dtype.npy", "--out", out), "int8", "float32")
    assert_user_error(host("infer", model, "--out", out), "1 inputs, got 0")
    unsupported = write_unsupported_model(tmp_path / "exp.tflite")
    assert_user_error(host("infer", unsupported, "--input", tmp_path / "good.npy", "--out", out), "unsupported ops", UNSUPPORTED_OP)
    assert not out.exists()


def test_inspect_reports_ops_and_arena():
    result = host("inspect", model_path("ad01_int8"))
    assert result.returncode == 0, result.stderr
    assert "FULLY_CONNECTED              10" in result.stdout
    assert "unsupported ops: none" in result.stdout
    assert "arena: " in result.stdout and "bytes" in result.stdout


def test_inspect_names_unsupported_ops(tmp_path):
    result = host("inspect", write_unsupported_model(tmp_path / "exp.tflite"))
    assert result.returncode == 0
    assert "unsupported ops: %s" % UNSUPPORTED_OP in result.stdout


def test_help_teaches():
    result = host("--help")
    assert result.returncode == 0 and "infer" in result.stdout and "inspect" in result.stdout
    result = host("infer", "--help")
    assert "example:" in result.stdout and "--heap" in result.stdout


def test_inspect_names_int16_variants_ulite_refuses(tmp_path):
    """int16 ops TFLM runs and variants it does not (or that ulite refuses), each on the
    graph input: inspect names each refused op with its variant."""
    from host_tools.model_builder import ModelBuilder

    mb = ModelBuilder()
    q = dict(scale=2.0**-12, zero_point=0)
    x = mb.input((1, 8), "int16", **q)
    steps = [
        ("HARD_SWISH", q, None),  # no int16 HARD_SWISH in TFLM
        ("MUL", dict(scale=2.0**-10, zero_point=4), "MulOptions"),  # TFLM's int16 MUL wants zero points 0
        ("LOGISTIC", dict(scale=2.0**-15, zero_point=0), None),  # runs
        ("TANH", dict(scale=2.0**-14, zero_point=0), None),  # output scale is not 2**-15
    ]
    for name, out_q, options in steps:
        y = mb.output(mb.tensor((1, 8), "int16", **out_q))
        mb.op(name, [x, x] if name == "MUL" else [x], [y], options)
    path = tmp_path / "int16.tflite"
    path.write_bytes(mb.build())
    result = host("inspect", path)
    assert result.returncode == 0, result.stderr
    line = [text for text in result.stdout.splitlines() if text.startswith("unsupported ops: ")][0]
    assert "HARD_SWISH (int16->int16)" in line
    assert "MUL (int16 tensor" in line and "zero point 4" in line
    assert "TANH (int16 output scale" in line and "LOGISTIC" not in line
