"""Host tools given bad input print one clear line and exit non-zero, never a traceback."""

import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT, UNSUPPORTED_OP, model_path, write_unsupported_model

HELLO = model_path("hello_world_int8")
REGRESSIONS = ROOT / "tests" / "regressions"


def host_tool(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "host_tools", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"PYTHONPATH": str(ROOT), "PATH": ""},
    )


def assert_one_error_line(result, words):
    """Exit status 1, nothing on stdout, one `error: ...` line naming `words`, no traceback."""
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert words in lines[0]
    assert result.stdout == ""


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad")
    model = HELLO.read_bytes()
    (d / "empty.tflite").write_bytes(b"")
    write_unsupported_model(d / "unsupported.tflite")
    (d / "truncated.tflite").write_bytes(model[:700])
    (d / "garbage.tflite").write_bytes(bytes(range(256)) * 4)
    flipped = bytearray(model)
    flipped[0] ^= 0x40  # root table offset far past the end
    (d / "flipped.tflite").write_bytes(bytes(flipped))
    (d / "folder.tflite").mkdir()
    (d / "text.npy").write_text("1, 2, 3\n")
    (d / "truncated.npy").write_bytes(b"\x93NUMPY\x01\x00")
    np.save(d / "ok.npy", np.zeros((1, 1), np.int8))
    np.save(d / "float.npy", np.zeros((1, 1), np.float32))
    np.save(d / "shape.npy", np.zeros((1, 2), np.int8))
    np.save(d / "strings.npy", np.array(["a"]))
    np.save(d / "objects.npy", np.array([None], dtype=object), allow_pickle=True)
    np.savez(d / "archive.npz", x=np.zeros((1, 1), np.int8))
    return d


BAD = {
    "inspect missing": (["inspect", "missing.tflite"], "model file not found: missing.tflite"),
    "inspect folder": (["inspect", "folder.tflite"], "model folder.tflite is a directory"),
    "inspect empty": (["inspect", "empty.tflite"], "model is 0 bytes, too short"),
    "inspect truncated": (
        ["inspect", "truncated.tflite"],
        "run past the end of the 700-byte model",
    ),
    "inspect garbage": (["inspect", "garbage.tflite"], "not a TFLite model"),
    "inspect flipped": (["inspect", "--json", "flipped.tflite"], "run past the end"),
    "inspect a .npy": (["inspect", "ok.npy"], "not a TFLite model"),
    "infer missing model": (
        ["infer", "missing.tflite", "--input", "ok.npy", "--out", "o.npz"],
        "model file not found",
    ),
    "infer truncated model": (
        ["infer", "truncated.tflite", "--input", "ok.npy", "--out", "o.npz"],
        "run past the end",
    ),
    "infer folder model": (
        ["infer", "folder.tflite", "--input", "ok.npy", "--out", "o.npz"],
        "is a directory",
    ),
    "infer no input": (["infer", HELLO, "--out", "o.npz"], "model has 1 inputs, got 0"),
    "infer two inputs": (
        ["infer", HELLO, "--input", "ok.npy", "--input", "ok.npy", "--out", "o.npz"],
        "model has 1 inputs, got 2",
    ),
    "infer missing input": (
        ["infer", HELLO, "--input", "missing.npy", "--out", "o.npz"],
        "input file not found: missing.npy",
    ),
    "infer folder input": (
        ["infer", HELLO, "--input", "folder.tflite", "--out", "o.npz"],
        "input folder.tflite is a directory",
    ),
    "infer text input": (
        ["infer", HELLO, "--input", "text.npy", "--out", "o.npz"],
        "input text.npy is not a .npy file",
    ),
    "infer truncated input": (
        ["infer", HELLO, "--input", "truncated.npy", "--out", "o.npz"],
        "cannot read truncated.npy as a .npy array",
    ),
    "infer model as input": (
        ["infer", HELLO, "--input", HELLO, "--out", "o.npz"],
        "is not a .npy file",
    ),
    "infer npz input": (
        ["infer", HELLO, "--input", "archive.npz", "--out", "o.npz"],
        "is an .npz archive",
    ),
    "infer object input": (
        ["infer", HELLO, "--input", "objects.npy", "--out", "o.npz"],
        "cannot read objects.npy",
    ),
    "infer string input": (
        ["infer", HELLO, "--input", "strings.npy", "--out", "o.npz"],
        "holds <U1 values, not numbers",
    ),
    "infer wrong dtype": (
        ["infer", HELLO, "--input", "float.npy", "--out", "o.npz"],
        "input 0: model expects int8 (1, 1), got float32 (1, 1)",
    ),
    "infer wrong shape": (
        ["infer", HELLO, "--input", "shape.npy", "--out", "o.npz"],
        "input 0: model expects int8 (1, 1), got int8 (1, 2)",
    ),
    "infer out in missing dir": (
        ["infer", HELLO, "--input", "ok.npy", "--out", "nodir/o.npz"],
        "directory nodir does not exist",
    ),
    "infer out is a folder": (
        ["infer", HELLO, "--input", "ok.npy", "--out", "folder.tflite"],
        "--out folder.tflite is a directory",
    ),
    "infer bad heap": (
        ["infer", HELLO, "--input", "ok.npy", "--out", "o.npz", "--heap", "lots"],
        "bad size 'lots'",
    ),
    "infer tiny heap": (
        ["infer", HELLO, "--input", "ok.npy", "--out", "o.npz", "--heap", "1k"],
        "MicroPython ran out of heap",
    ),
    "bench frozen without startup": (
        ["bench", HELLO, "--frozen", "folder.tflite"],
        "--frozen goes with --startup",
    ),
    "bench frozen outside a checkout": (
        ["bench", "--startup", HELLO, "--frozen", "folder.tflite"],
        "folder.tflite is not a MicroPython checkout",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_gives_one_line(files, name):
    args, words = BAD[name]
    result = host_tool(*args, cwd=files)
    assert_one_error_line(result, words)
    assert not (files / "o.npz").exists()


def test_output_written_exactly_where_asked(files):
    result = host_tool("infer", HELLO, "--input", "ok.npy", "--out", "result.bin", cwd=files)
    assert result.returncode == 0, result.stderr
    assert np.load(files / "result.bin")["out0"].shape == (1, 1)
    assert not list(files.glob("*.partial")) and not (files / "result.bin.npz").exists()


def convert(model, *args):
    return ["convert", model, "--board", "rp2040", "-o", "out", *args]


CONVERT_BAD = {
    "missing model": (convert("missing.tflite"), "model file not found: missing.tflite"),
    "folder model": (convert("folder.tflite"), "model folder.tflite is a directory"),
    "empty model": (convert("empty.tflite"), "model is 0 bytes, too short"),
    "truncated model": (convert("truncated.tflite"), "run past the end of the 700-byte model"),
    "garbage model": (convert("garbage.tflite"), "not a TFLite model"),
    "flipped model": (convert("flipped.tflite"), "run past the end"),
    "a .npy as model": (convert("ok.npy"), "not a TFLite model"),
    "hostile buffer": (
        convert(REGRESSIONS / "hello_world_int8-1.1231.tflite"),
        "buffer holds 16 bytes but shape (1, 1) of int8 needs 1",
    ),
    "hostile zero point": (
        convert(REGRESSIONS / "g7.151-7.74129.tflite"),
        "zero point -9223372036854775808 outside the int32 range",
    ),
    "unsupported ops": (
        convert("unsupported.tflite"),
        "ulite cannot run " + UNSUPPORTED_OP,
    ),
    "unknown board": (
        ["convert", HELLO, "--board", "pdp11", "-o", "out"],
        "unknown board 'pdp11': choose one of",
    ),
    "name with a space": (convert(HELLO, "--name", "two words"), "is not a Python identifier"),
    "keyword name": (convert(HELLO, "--name", "class"), "--name 'class' is not a Python"),
    "name ulite": (convert(HELLO, "--name", "ulite"), "would hide the ulite package"),
    "out is a file": (
        ["convert", HELLO, "--board", "rp2040", "-o", "ok.npy"],
        "output directory ok.npy is a file",
    ),
    "out under a file": (
        ["convert", HELLO, "--board", "rp2040", "-o", "ok.npy/out"],
        "cannot write to ok.npy/out: Not a directory",
    ),
    "out unwritable": (
        ["convert", HELLO, "--board", "rp2040", "-o", "/proc/ulite-out"],
        "cannot write to /proc/ulite-out: ",
    ),
}


def listing(folder):
    return sorted(
        (str(p.relative_to(folder)), p.read_bytes() if p.is_file() else None)
        for p in folder.rglob("*")
    )


@pytest.mark.parametrize("name", sorted(CONVERT_BAD))
def test_convert_bad_input_gives_one_line_and_writes_nothing(files, name):
    args, words = CONVERT_BAD[name]
    before = listing(files)
    result = host_tool(*args, cwd=files)
    assert_one_error_line(result, words)
    assert listing(files) == before
