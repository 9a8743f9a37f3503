"""Hardware-in-the-loop fixtures: a board to flash and run, virtual or real.

Every test that takes `board` runs twice: on a virtual RP2040 (`python -m host_tools
vboard`, started once per session), and on a real board when ULITE_HIL_PORT names its serial
device (`make hil PORT=/dev/ttyACM0 BOARD=rp2040`); without it, the real-board runs are
skipped with that reason.
"""

import os
import subprocess
from dataclasses import dataclass

import pytest

from host_tools import boards, vboard
from host_tools.inspect_cmd import describe
from host_tools.paths import tool

REAL_PORT = os.environ.get("ULITE_HIL_PORT", "")
REAL_BOARD = os.environ.get("ULITE_HIL_BOARD", "rp2040")


@dataclass
class Target:
    kind: str  # "virtual" or "real"
    port: str
    board: boards.Board


@pytest.fixture(scope="session")
def virtual_board():
    board = boards.load("rp2040")
    with vboard.started(board.name) as port:
        yield Target("virtual", port, board)


@pytest.fixture(params=["virtual", "real"])
def board(request):
    if request.param == "virtual":
        return request.getfixturevalue("virtual_board")
    if not REAL_PORT:
        pytest.skip("no real board: run `make hil PORT=/dev/ttyACM0 BOARD=rp2040`")
    return Target("real", REAL_PORT, boards.load(REAL_BOARD))


def skip_unless_runnable(target, model_path):
    """Skip, saying why, a model ulite cannot run yet or that cannot fit a real board."""
    info = describe(model_path)
    if info["unsupported"]:
        pytest.skip(
            "ulite cannot run %s yet: %s" % (model_path.stem, ", ".join(info["unsupported"]))
        )
    if target.kind == "real":
        warning = target.board.fit_warning(info["arena_bytes"], model_path.stat().st_size)
        if warning:
            pytest.skip(warning)
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
