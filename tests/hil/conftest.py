"""Hardware-in-the-loop fixtures: a board to flash and run, virtual or real.

Every test that takes `board` runs on three targets:
- "virtual": a virtual RP2040 (`python -m host_tools vboard`: MicroPython's unix port with
  a Pico's heap and its filesystem in a scratch directory);
- "arm": the virtual ARM board (`vboard --board qemu-arm`: MicroPython's bare-metal qemu
  port on a Cortex-M3 under QEMU, running the armv6m code a Pico runs). It has no writable
  filesystem: flash deploys convert's ROMFS image (model and runtime) and it restarts;
- "real": a real board when ULITE_HIL_PORT names its serial device (`make hil
  PORT=/dev/ttyACM0 BOARD=rp2040`); without it, the real-board runs are skipped with that
  reason. PORT may also be a virtual ARM board started by hand (`make hil PORT=/dev/pts/N
  BOARD=qemu-arm`).
Each virtual board starts once per session, when a test first needs it, and stops when the
session ends.

Tests of what flash does to a filesystem (copying, skipping, replacing and removing files,
.part files) take `fs_board`: only the targets with a writable filesystem. A ROMFS-only board
has no files to copy or remove: flash replaces its whole image, whose deploys (same image
again, cut off, rejected) tests/hil/test_qemu_vboard.py tests.
"""

import os
import subprocess
from dataclasses import dataclass

import pytest

from host_tools import boards, fit, qemu_vboard, runtime_heap, vboards
from host_tools.model_info import describe
from host_tools.paths import tool

REAL_PORT = os.environ.get("ULITE_HIL_PORT", "")
REAL_BOARD = os.environ.get("ULITE_HIL_BOARD", "rp2040")
NO_REAL_BOARD = "no real board: run `make hil PORT=/dev/ttyACM0 BOARD=rp2040`"


@dataclass
class Target:
    kind: str  # "virtual", "arm" or "real"
    port: str
    board: boards.Board
    romfs_only: bool = False  # no writable filesystem: models come in ROMFS images


@pytest.fixture(scope="session")
def virtual_board():
    board = boards.load("rp2040")
    with vboards.started(board.name) as port:
        yield Target("virtual", port, board)


@pytest.fixture(scope="session")
def arm_board():
    board = boards.load("qemu-arm")
    with vboards.started(board.name) as port:
        yield Target("arm", port, board, romfs_only=True)


def real_board():
    if not REAL_PORT:
        pytest.skip(NO_REAL_BOARD)
    romfs_only = qemu_vboard.status(REAL_PORT) is not None
    return Target("real", REAL_PORT, boards.load(REAL_BOARD), romfs_only)


@pytest.fixture(params=["virtual", "arm", "real"])
def board(request):
    if request.param == "real":
        return real_board()
    return request.getfixturevalue(request.param + "_board")


@pytest.fixture(params=["virtual", "real"])
def fs_board(request):
    """A board with a writable filesystem (see the module's doc)."""
    if request.param == "virtual":
        return request.getfixturevalue("virtual_board")
    target = real_board()
    if target.romfs_only:
        pytest.skip("%s has no writable filesystem (ROMFS only)" % REAL_PORT)
    return target


def skip_unless_runnable(target, model_path):
    """Skip, saying why, a model ulite cannot run yet or that cannot fit a real board."""
    info = describe(model_path, plan=True)
    if info["unsupported"]:
        pytest.skip(
            "ulite cannot run %s yet: %s" % (model_path.stem, ", ".join(info["unsupported"]))
        )
    if target.kind == "real":
        kept = "romfs" if target.romfs_only else "filesystem"
        row = fit.row(target.board, info, runtime_heap.load(), kept, kept)
        if not row["fits"]:
            pytest.skip(fit.warning(target.board, row, "from its " + kept))
    return info


def mpremote(port, *args, check=True):
    """One plain `mpremote connect PORT ...` invocation (no `resume`: it soft resets); its
    output, or with check=False the CompletedProcess."""
    result = subprocess.run(
        [tool("mpremote"), "connect", port, *args], capture_output=True, text=True, timeout=60
    )
    if not check:
        return result
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout
