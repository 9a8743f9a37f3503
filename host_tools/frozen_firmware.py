"""The ARM board's firmware with ulite and a model frozen in (`bench --startup --frozen`).

Runs the board's `firmware_build` (boards/qemu-arm.toml: the stock firmware's build, with
FROZEN_MANIFEST) in a MicroPython checkout with the manifest.py `convert` wrote, as a user
builds it. Needs the checkout (its lib/micropython-lib submodule too: the port's build
checks for it) and arm-none-eabi-gcc.
"""

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

from . import boards
from .errors import UserError

TOOLCHAIN = "arm-none-eabi-gcc"
TOOLCHAIN_HINT = "install it with `apt-get install -y gcc-arm-none-eabi libnewlib-arm-none-eabi`"
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")  # the build colours its own error messages


def command(manifest, build_dir, jobs=None):
    """The make command line, run in the checkout: the board's firmware_build with
    `manifest` frozen, its objects and firmware.elf in `build_dir`."""
    board = boards.load("qemu-arm")
    make = shlex.split(board.firmware_build.format(manifest=Path(manifest).resolve()))
    return make + ["BUILD=%s" % Path(build_dir).resolve(), "-j%d" % (jobs or os.cpu_count())]


def check(checkout):
    """UserError unless `checkout` is a MicroPython checkout and the toolchain is here."""
    if not (Path(checkout) / "py" / "persistentcode.c").is_file():
        raise UserError("%s is not a MicroPython checkout (no py/persistentcode.c)" % checkout)
    if not shutil.which(TOOLCHAIN):
        raise UserError("%s not found: %s" % (TOOLCHAIN, TOOLCHAIN_HINT))


def build(checkout, manifest, build_dir):
    """Build the firmware; returns the path of its firmware.elf. UserError if `checkout` is
    not a MicroPython checkout, the toolchain is missing or the build fails."""
    check(checkout)
    result = subprocess.run(
        command(manifest, build_dir), cwd=checkout, capture_output=True, text=True
    )
    if result.returncode != 0:
        lines = ANSI_ESCAPE.sub("", result.stdout + result.stderr).strip().splitlines()
        detail = next((s for s in lines if "error" in s.lower()), lines[-1] if lines else "")
        raise UserError("the firmware build failed in %s: %s" % (checkout, detail.strip()))
    return Path(build_dir).resolve() / "firmware.elf"
