"""The virtual ARM board (`vboard --board qemu-arm`) behaves as a board kept plugged in: one
device path across restarts, ROMFS images deployed whole or not at all, the same image not
deployed twice, a reset that reboots it, and no host core spent while nobody uses it."""

import hashlib
import json
import os
import socket
import subprocess
import sys
import time

import numpy as np
import pytest
from conftest import golden_cases, model_path
from terminal import Terminal

from host_tools import boards, qemu_vboard
from host_tools.architectures import MPY_ARCH
from host_tools.board_link import BoardLink
from host_tools.board_run import run_cases
from host_tools.conversion import convert
from host_tools.errors import UserError
from host_tools.flashing import flash, target_board
from host_tools.paths import ROOT

from .conftest import mpremote


def quiet(line):
    pass


def assert_runs_hello_world(port):
    """hello_world_int8 from the board's /rom gives TFLM's outputs."""
    cases = golden_cases("hello_world_int8")
    outputs, _ = run_cases(port, "hello_world_int8", [ins for ins, _ in cases])
    for (_, expected), got in zip(cases, outputs):
        np.testing.assert_array_equal(got[0], expected[0])


def qemu_state(pid):
    """The QEMU process's state letter: R or S running, T stopped (paused)."""
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()[0]


@pytest.fixture
def hello_image(tmp_path):
    out = convert(model_path("hello_world_int8"), boards.load("qemu-arm"), out_dir=tmp_path)
    return out["out"] / "hello_world_int8.romfs"


def test_boots_with_the_image_given_and_prints_its_device_first(hello_image):
    process = subprocess.Popen(
        [sys.executable, "-m", "host_tools", "vboard", "--board", "qemu-arm"]
        + ["--romfs", str(hello_image)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        port, summary = process.stdout.readline().strip(), process.stdout.readline()
        assert port.startswith("/dev/pts/")
        sha256 = hashlib.sha256(hello_image.read_bytes()).hexdigest()
        assert summary.startswith("qemu-arm: virtual ARM board: MicroPython's qemu port")
        assert "heap 200208 bytes, ROMFS image %s" % sha256[:12] in summary
        running = qemu_vboard.status(port)
        assert (running["image_sha256"], running["boots"]) == (sha256, 1)
        assert_runs_hello_world(port)
    finally:
        process.terminate()
        assert process.wait(10) == 0
        process.stdout.close()
    assert qemu_vboard.status(port) is None  # its control socket is gone
    assert not os.path.exists("/proc/%d" % running["qemu_pid"])  # and QEMU with it


def test_free_heap_after_boot_is_the_boards(arm_board):
    """boards/qemu-arm.toml's heap_bytes is what the board has free at its first prompt."""
    free = int(mpremote(arm_board.port, "exec", "import gc; print(gc.mem_free())"))
    assert arm_board.board.heap_bytes <= free < arm_board.board.heap_bytes + 256


def test_plain_mpremote_commands(arm_board):
    flash(arm_board.port, arm_board.board, model_path("hello_world_int8"), log=quiet)
    assert "hello_world_int8.mpy" in mpremote(arm_board.port, "ls", ":/rom")
    out = mpremote(
        arm_board.port, "exec", "x = 41", "+", "soft-reset", "+", "eval", "'x' in globals()"
    )
    assert out.strip().endswith("False")  # soft-reset really reset the interpreter
    out = mpremote(arm_board.port, "exec", "import sys; print(sys.implementation._machine)")
    assert out.strip() == "mps2-an385 with Cortex-M3"


def test_a_deploy_cut_off_or_refused_leaves_the_old_image(arm_board, tmp_path):
    flash(arm_board.port, arm_board.board, model_path("hello_world_int8"), log=quiet)
    before = qemu_vboard.status(arm_board.port)
    image = convert(model_path("ad01_int8"), arm_board.board, out_dir=tmp_path)
    data = (image["out"] / "ad01_int8.romfs").read_bytes()
    header = {"op": "deploy", "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    with socket.socket(socket.AF_UNIX) as conn:  # a flash that dies halfway through
        conn.connect(str(qemu_vboard.control_path(arm_board.port)))
        conn.sendall(json.dumps(header).encode() + b"\n" + data[: len(data) // 2])
    torn = bytearray(data)
    torn[len(data) // 2] ^= 1
    with pytest.raises(UserError, match="SHA-256 does not match"):  # changed on the way
        qemu_vboard.request(arm_board.port, header, bytes(torn))
    with pytest.raises(UserError, match="not a ROMFS image"):
        qemu_vboard.deploy(arm_board.port, model_path("hello_world_int8").read_bytes())
    with pytest.raises(UserError, match="the board's partition holds 4194304"):
        qemu_vboard.deploy(arm_board.port, data + bytes(qemu_vboard.qemu.ROMFS_BYTES))
    assert qemu_vboard.status(arm_board.port) == before  # not restarted, same image
    assert_runs_hello_world(arm_board.port)


def test_flash_deploys_only_for_its_own_board_definition(arm_board):
    with pytest.raises(UserError, match="is a virtual qemu-arm board: use --board qemu-arm"):
        flash(arm_board.port, boards.load("rp2040"), model_path("hello_world_int8"), log=quiet)


def test_flash_allows_armv6m_code_on_the_boards_core():
    """The firmware reports armv7em (a Thumb-2 core without FPU): it runs armv6m code, as
    MicroPython allows; a board definition for another core is still refused."""
    info = {"mpy": 6 | (3 | MPY_ARCH["armv7em"] << 2) << 8, "virtual": None, "machine": "M3"}
    qemu_arm = boards.load("qemu-arm")
    assert target_board(qemu_arm, info, "DEV") == qemu_arm
    with pytest.raises(UserError, match="DEV runs armv7em code .M3., not armv7emsp"):
        target_board(boards.load("rp2350"), info, "DEV")
    armv6m = dict(info, mpy=6 | (3 | MPY_ARCH["armv6m"] << 2) << 8)
    with pytest.raises(UserError, match="DEV runs armv6m code .M3., not armv7emsp"):
        target_board(boards.load("rp2350"), armv6m, "DEV")


def test_machine_reset_reboots_on_the_same_device(arm_board):
    flash(arm_board.port, arm_board.board, model_path("hello_world_int8"), log=quiet)
    boots = qemu_vboard.status(arm_board.port)["boots"]
    terminal = Terminal.on_port(arm_board.port)
    try:
        terminal.sync()
        terminal.type(
            "import machine; machine.reset()\r", b'Type "help()" for more information.\r\n>>> '
        )
    finally:
        terminal.close()
    assert qemu_vboard.status(arm_board.port)["boots"] == boots + 1
    assert_runs_hello_world(arm_board.port)  # with the same image


def test_sleeps_while_no_client_has_it_open(arm_board):
    """QEMU is paused while the device is closed (it would keep a host core busy polling the
    board's UART) and runs again as soon as a client opens it."""
    pid = qemu_vboard.status(arm_board.port)["qemu_pid"]
    deadline = time.monotonic() + 5
    while qemu_state(pid) != "T":
        assert time.monotonic() < deadline, "QEMU still runs with no client"
        time.sleep(0.1)
    with BoardLink(arm_board.port) as link:
        assert qemu_state(pid) in "RS"
        assert link.eval("6 * 7") == 42
