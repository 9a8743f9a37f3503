"""convert: the model module, its .mpy per architecture, the manifest, the ROMFS image,
refusals before anything is written, and fit warnings with numbers."""

import dataclasses
import hashlib
import re
import subprocess
import sys

import pytest
from conftest import UNSUPPORTED_OP, golden_cases, model_path, write_unsupported_model

from host_tools import boards, conversion, fit, runtime, runtime_heap
from host_tools.errors import UserError
from host_tools.model_info import describe
from host_tools.paths import MPY_DIR, ROOT


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "host_tools", *args], capture_output=True, text=True, cwd=ROOT
    )


def test_module_holds_the_model_and_its_metadata(tmp_path, micropython):
    result = conversion.convert(
        model_path("hello_world_int8"), boards.load("rp2040"), out_dir=tmp_path
    )
    assert result["name"] == "hello_world_int8"
    data = model_path("hello_world_int8").read_bytes()
    out = micropython(
        """
import sys, ulite
sys.path.insert(0, %r)
source = open(%r, "rb").read()
import hello_world_int8 as m
i = ulite.Interpreter(m.MODEL)
print(m.MODEL[:len(source)] != source, m.SHA256, m.FORMAT, m.SOURCE, i.precomputed)
print(m.INPUTS == ((i.input(0).shape, i.input(0).dtype, i.input(0).scale, i.input(0).zero_point),))
print(m.OUTPUTS[0][:2] == (i.output(0).shape, i.output(0).dtype), m.ARENA_BYTES == i.arena_used)
"""
        % (str(tmp_path), str(model_path("hello_world_int8")))
    ).split()
    sha256 = hashlib.sha256(data).hexdigest()
    assert out == [
        "True",  # MODEL is the .tflite with ulite's precomputed entry (test_prepared.py)
        sha256,
        "ulite-model-1",
        "hello_world_int8.tflite",
        "True",
        "True",
        "True",
        "True",
    ]


@pytest.mark.parametrize("name", ["rp2040", "rp2350", "esp32", "esp32s3-psram", "virtual"])
def test_mpy_loads_on_the_board(tmp_path, name):
    """The model module is bytecode only: mpy-cross writes it as portable .mpy v6 (arch 0),
    which every MicroPython 1.22+ loads whatever its architecture."""
    conversion.convert(model_path("hello_world_int8"), boards.load(name), out_dir=tmp_path)
    header = (tmp_path / "hello_world_int8.mpy").read_bytes()[:3]
    assert header == b"M\x06\x00"


RP2_BASE = [("include", ("$(PORT_DIR)/boards/manifest.py",), {})]


@pytest.mark.parametrize(
    "name, base, build",
    [
        ("rp2040", RP2_BASE, "ports/rp2 BOARD=RPI_PICO"),
        ("qemu-arm", [], "ports/qemu BOARD=MPS2_AN385"),  # the qemu port freezes nothing itself
    ],
)
def test_manifest_freezes_runtime_and_model(tmp_path, name, base, build):
    """manifest.py names ulite's sources and the model module relative to itself (a
    MicroPython manifest's paths are relative to its directory), so the directory convert
    wrote can move: no absolute path in it."""
    board = boards.load(name)
    conversion.convert(model_path("hello_world_int8"), board, out_dir=tmp_path / "out")
    moved = tmp_path / "elsewhere"
    (tmp_path / "out").rename(moved)
    calls = []
    namespace = {
        verb: (lambda verb: lambda *a, **k: calls.append((verb, a, k)))(verb)
        for verb in ("include", "package", "module")
    }
    text = (moved / "manifest.py").read_text()
    exec(text, namespace)
    assert calls == base + [("package", ("ulite",), {}), ("module", ("hello_world_int8.py",), {})]
    frozen = sorted(p.relative_to(moved).as_posix() for p in (moved / "ulite").rglob("*.py"))
    assert frozen == [p.as_posix() for p in runtime.sources(board.mpy_arch)]
    assert all((moved / p).read_bytes() == (MPY_DIR / p).read_bytes() for p in frozen)
    assert (moved / "hello_world_int8.py").is_file()
    assert "make -C " + build in text and str(tmp_path) not in text and str(ROOT) not in text


def test_romfs_image_keeps_the_model_out_of_the_heap(tmp_path, micropython):
    """The ROMFS image, mounted as a board mounts its ROMFS partition: importing the model
    and ulite from it costs next to no heap, and the model runs right."""
    conversion.convert(model_path("ad01_int8"), boards.load("virtual"), out_dir=tmp_path)
    ((inputs, expected),) = golden_cases("ad01_int8")[:1]
    out = micropython(
        """
import gc, sys, vfs
f = open(%r, "rb"); image = f.read(); f.close()
vfs.mount(vfs.VfsRom(image), "/rom")
sys.path[:] = ["/rom", "/rom/lib"]
gc.collect(); before = gc.mem_alloc()
import ad01_int8
gc.collect(); print(gc.mem_alloc() - before, len(ad01_int8.MODEL))
import ulite
m = ulite.Interpreter(ad01_int8.MODEL)
m.input(0).copy_from(bytes(%r))
m.invoke()
print(ulite.__file__, bytes(m.output(0).data).hex())
"""
        % (str(tmp_path / "ad01_int8.romfs"), inputs[0].tobytes())
    )
    import_cost, model_size, ulite_file, output = out.split()
    assert int(model_size) > 276976 and int(import_cost) < 2048  # with the precomputed entry
    assert ulite_file.startswith("/rom/lib/ulite/")
    assert output == expected[0].tobytes().hex()


def test_unsupported_model_is_refused_before_writing(tmp_path):
    out = tmp_path / "pd"
    with pytest.raises(UserError) as e:
        conversion.convert(write_unsupported_model(tmp_path / "exp.tflite"), boards.load("rp2040"), out_dir=out)
    assert "exp.tflite: ulite cannot run %s" % UNSUPPORTED_OP in str(e.value)
    assert str(e.value).endswith("nothing written")
    assert not out.exists()


def test_model_bigger_than_flash_is_refused(tmp_path):
    tiny = dataclasses.replace(boards.load("rp2040"), flash_bytes=1000)
    with pytest.raises(
        UserError, match=r"model too big: hello_world_int8.tflite is \d+ bytes with ulite's precomputed tables, rp2040 has 1000"
    ):
        conversion.convert(model_path("hello_world_int8"), tiny, out_dir=tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_names_must_be_identifiers():
    assert conversion.module_name("models/9-layer net.tflite") == "model_9_layer_net"
    for bad in ("class", "two words", "ulite"):
        with pytest.raises(UserError):
            conversion.module_name("x.tflite", bad)


def test_cli_says_with_numbers_whether_the_model_fits(tmp_path):
    """Three ways (inspect --board's): frozen fits, from the filesystem the model's 277 KB
    do not, with the runtime's heap the ARM board measured."""
    result = run_cli(
        "convert", str(model_path("ad01_int8")), "--board", "rp2040", "-o", str(tmp_path / "a")
    )
    assert result.returncode == 0, result.stderr
    size = int(re.search(r"model 276976 bytes \((\d+) with ulite's precomputed", result.stdout).group(1))
    assert size > 276976
    info = dict(describe(model_path("ad01_int8"), plan=True), model_bytes=size)  # MODEL's bytes
    rows = fit.fit(boards.load("rp2040"), info, runtime_heap.load())
    for line in fit.lines(boards.load("rp2040"), rows):
        assert line in result.stdout
    assert "frozen into firmware   arena %d = %d bytes: fits" % ((info["arena_bytes"],) * 2) in result.stdout
    assert "from the filesystem" in result.stdout and "model %d" % size in result.stdout
    assert (
        "make -C ports/rp2 BOARD=RPI_PICO BUILD=build-RPI_PICO-ulite FROZEN_MANIFEST="
        in result.stdout
    )
    result = run_cli(
        "convert", str(model_path("ad01_int8")), "--board", "esp32", "-o", str(tmp_path / "b")
    )
    assert "exceeds the 131072-byte ROMFS partition of esp32" in result.stdout


def test_cli_refusal_is_one_line(tmp_path):
    result = run_cli(
        "convert",
        str(model_path("kws_ref_model_float32")),
        "--board",
        "rp2040",
        "-o",
        str(tmp_path / "o"),
    )
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("error: kws_ref_model_float32.tflite: ulite cannot run ")
    assert result.stderr.count("\n") == 1 and "hybrid" in result.stderr
    assert not (tmp_path / "o").exists()


def tree(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_outputs_appear_together(tmp_path):
    hello, rp2040 = model_path("hello_world_int8"), boards.load("rp2040")
    result = conversion.convert(hello, rp2040, out_dir=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in result["files"])
    assert all(p.parent == tmp_path for p in result["files"])


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()])
@pytest.mark.parametrize("step", ["compile_mpy", "romfs_image"])
def test_failure_midway_leaves_no_partial_output(tmp_path, monkeypatch, step, failure):
    """Failing after some files are written (disk full, Ctrl-C): a new output directory is
    gone, an existing one holds exactly what it held, an earlier conversion included."""
    def fail(*args):
        raise failure

    hello = model_path("hello_world_int8")
    rp2040 = boards.load("rp2040")
    old = tmp_path / "old"
    conversion.convert(model_path("simple_add"), rp2040, name="hello_world_int8", out_dir=old)
    (old / "notes.txt").write_text("mine")
    before = tree(old)
    target = runtime if step == "compile_mpy" else conversion
    monkeypatch.setattr(target, step, fail)
    for out in (old, tmp_path / "new" / "deeper"):
        with pytest.raises(type(failure)):
            conversion.convert(hello, rp2040, out_dir=out)
    top_level = sorted({path.split("/")[0] for path in before})
    assert tree(old) == before and sorted(p.name for p in old.iterdir()) == top_level
    assert not (tmp_path / "new").exists()
