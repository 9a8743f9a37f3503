"""Board definitions: complete, consistent, sourced, and a runtime budget that holds."""

import re

import pytest
from conftest import MODELS

from host_tools import boards, micropython, runtime
from host_tools.errors import UserError
from host_tools.model_info import describe
from host_tools.paths import DEVICE_DIR

NAMES = ["esp32", "esp32s3", "esp32s3-psram", "qemu-arm", "rp2040", "rp2350", "virtual"]
ARCHES = {"armv6m", "armv7emsp", "xtensawin", "host"}


def test_every_board_is_defined():
    assert boards.names() == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_board_is_consistent_and_sourced(name):
    b = boards.load(name)
    assert b.name == name and b.mpy_arch in ARCHES
    # (the ARM board's models live in a ROMFS partition as big as its RAM)
    assert 0 < b.heap_bytes < b.ram_bytes <= b.flash_bytes or name == "esp32s3-psram"
    # without room for the runtime's .mpy in the heap (esp32), ulite must be frozen in firmware
    assert b.max_arena_bytes == max(0, b.heap_bytes - b.runtime_bytes)
    assert re.search(r"micropython/micropython#\d+|measured|derived", b.heap_source)
    assert "{manifest}" in b.firmware_build
    if name == "qemu-arm":  # the qemu port freezes nothing of its own
        assert b.base_manifest == ""
    else:
        assert b.base_manifest.startswith("$(PORT_DIR)/")
    assert b.romfs_note


def test_unknown_board_names_the_known_ones():
    with pytest.raises(UserError, match="unknown board 'pico': choose one of esp32, esp32s3"):
        boards.load("pico")


def test_fit_warning_gives_the_numbers():
    b = boards.load("rp2040")
    assert b.fit_warning(b.max_arena_bytes) is None
    warning = b.fit_warning(b.max_arena_bytes, 1)
    assert warning == (
        "warning: model will not fit rp2040: runtime %d + arena %d + model 1 = 200001"
        " bytes > 200000-byte heap (largest arena %d)"
        % (b.runtime_bytes, b.max_arena_bytes, b.max_arena_bytes)
    )
    frozen = b.fit_warning(b.heap_bytes + 1, runtime_in_heap=False, where=" frozen")
    assert frozen == (
        "warning: model will not fit rp2040 frozen: arena 200001 = 200001 bytes > 200000-byte"
        " heap (largest arena 200000)"
    )


def test_runtime_budget_covers_the_runtime(tmp_path):
    """runtime_bytes >= what the runtime takes besides model and arena, measured on the
    64-bit unix port (an upper bound for 32-bit boards): every module loaded from .mpy,
    run's and flash's board helpers, and the interpreter of each model ulite can run."""
    virtual = boards.load("virtual")
    lib = tmp_path / "board"
    runtime.build(virtual, lib)
    kernels = [
        p.stem for p in runtime.sources() if p.parent.name == "kernels" and p.stem != "__init__"
    ]
    models = [str(p) for p in sorted(MODELS.glob("*.tflite")) if not describe(p)["unsupported"]]
    assert len(models) >= 3
    script = tmp_path / "measure.py"
    script.write_text(
        "import gc, sys\n"
        "gc.collect(); base = gc.mem_alloc()\n"
        + (DEVICE_DIR / "board_files.py").read_text()
        + (DEVICE_DIR / "run_model.py").read_text()
        + "import ulite\n"
        + "for k in %r: __import__('ulite.kernels.' + k)\n" % kernels
        + "f = open(sys.argv[1], 'rb'); model = f.read(); f.close()\n"
        "m = ulite.Interpreter(model)\n"
        "gc.collect(); print(gc.mem_alloc() - base - len(model) - m.arena_used)\n"
    )
    used = {}
    for model in models:  # one process each: the unix port's GC scans its stack conservatively
        result = micropython.run("unix", script, [model], heap=8 << 20, extra_path=[lib / "lib"])
        assert result.returncode == 0, result.stderr
        used[model] = int(result.stdout.split()[-1])
    worst = max(used.values())
    assert worst <= virtual.runtime_bytes, "runtime takes %d bytes: raise runtime_bytes" % worst
    for name in NAMES:
        assert boards.load(name).runtime_bytes == virtual.runtime_bytes
