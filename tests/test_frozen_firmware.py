"""frozen_firmware: `bench --startup --frozen` builds the ARM board's firmware with the
board's own firmware_build (what convert tells a user to type) and convert's manifest; a
failed build is one line naming the build's own error. A stand-in checkout (a Makefile that
records what make was given) takes MicroPython's place: CI has no MicroPython source."""

import os
import shlex

import pytest

from host_tools import boards, frozen_firmware
from host_tools.errors import UserError

RECORDING_MAKEFILE = """\
all:
\tmkdir -p $(BUILD)
\techo 'BOARD=$(BOARD)' > $(BUILD)/firmware.elf
\techo 'MICROPY_HEAP_SIZE=$(MICROPY_HEAP_SIZE)' >> $(BUILD)/firmware.elf
\techo 'FROZEN_MANIFEST=$(FROZEN_MANIFEST)' >> $(BUILD)/firmware.elf
"""
FAILING_MAKEFILE = """\
all:
\t@echo 'CC ../../py/gc.c'
\t@printf '\\033[1;31mError: micropython-lib submodule is not initialized.\\033[0m\\n'
\t@false
"""


@pytest.fixture
def checkout(tmp_path, monkeypatch):
    """A directory shaped like a MicroPython checkout, and an ARM compiler on PATH."""
    root = tmp_path / "micropython"
    (root / "py").mkdir(parents=True)
    (root / "py" / "persistentcode.c").write_text("")
    (root / "ports" / "qemu").mkdir(parents=True)
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / frozen_firmware.TOOLCHAIN).write_text("#!/bin/sh\n")
    (tools / frozen_firmware.TOOLCHAIN).chmod(0o755)
    monkeypatch.setenv("PATH", "%s%s%s" % (tools, os.pathsep, os.environ["PATH"]))
    return root


def test_builds_with_the_boards_firmware_build_and_the_manifest(checkout, tmp_path):
    (checkout / "ports" / "qemu" / "Makefile").write_text(RECORDING_MAKEFILE)
    manifest = tmp_path / "out" / "manifest.py"
    elf = frozen_firmware.build(checkout, manifest, tmp_path / "build")
    assert elf == tmp_path / "build" / "firmware.elf"
    given = dict(word.split("=", 1) for word in elf.read_text().split())
    build = boards.load("qemu-arm").firmware_build.format(manifest=manifest)
    expected = dict(word.split("=", 1) for word in shlex.split(build) if "=" in word)
    assert given == expected


def test_a_failed_build_names_its_error(checkout, tmp_path):
    (checkout / "ports" / "qemu" / "Makefile").write_text(FAILING_MAKEFILE)
    with pytest.raises(UserError, match="micropython-lib submodule is not initialized") as e:
        frozen_firmware.build(checkout, tmp_path / "manifest.py", tmp_path / "build")
    assert "\x1b" not in str(e.value)
