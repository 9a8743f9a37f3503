"""The virtual board behaves like a board to plain mpremote and to a person at its REPL (the
virtual ARM board's own behaviour as a board: tests/hil/test_qemu_vboard.py)."""

import dataclasses
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import golden_cases, model_path
from terminal import Terminal
from test_affine import predicted_by_tflm

from host_tools import boards, vboards
from host_tools.board_link import BoardLink
from host_tools.board_run import run_cases
from host_tools.errors import UserError
from host_tools.flashing import flash
from host_tools.model_info import describe_all
from host_tools.paths import ROOT
from host_tools.unix_vboard import VirtualBoard

from .conftest import mpremote

TRANSCRIPT = ROOT / "build" / "repl_session.txt"


@pytest.fixture
def terminal(request):
    """A person at the REPL of the virtual RP2040, or (parametrized "arm") of the ARM board."""
    board = request.getfixturevalue(getattr(request, "param", "virtual") + "_board")
    term = Terminal.on_port(board.port)
    term.sync()
    yield term
    term.close()


def test_plain_mpremote_commands(virtual_board, tmp_path):
    port = virtual_board.port
    script = tmp_path / "hello_board.py"
    script.write_text("import sys\nprint('hello from', sys.platform)\n")
    assert "cp " in mpremote(port, "fs", "cp", str(script), ":hello_board.py")
    assert "hello_board.py" in mpremote(port, "ls")
    assert "hello from linux" in mpremote(port, "exec", "import hello_board")
    assert "hello from linux" in mpremote(port, "run", str(script))
    assert mpremote(port, "fs", "cat", "hello_board.py") == script.read_text()
    assert "Up to date" in mpremote(port, "fs", "cp", str(script), ":hello_board.py")
    out = mpremote(port, "exec", "x = 41", "+", "soft-reset", "+", "eval", "'x' in globals()")
    assert out.strip().endswith("False")  # soft-reset really reset the interpreter
    mpremote(port, "fs", "rm", "hello_board.py")
    assert "hello_board.py" not in mpremote(port, "ls")


def test_free_heap_is_the_boards_with_models_in_flash(virtual_board):
    """Model modules cost the virtual board no heap, as frozen or ROMFS ones cost a board
    none: after boot, the free heap is the board's, with or without them."""
    heap = virtual_board.board.heap_bytes
    for name in ("hello_world_int8", "ad01_int8"):
        flash(virtual_board.port, virtual_board.board, model_path(name), log=print)
        out = mpremote(
            virtual_board.port,
            "exec",
            "import gc, sys; gc.collect()\nprint(gc.mem_free(), %r in sys.modules)" % name,
        )
        assert out.split()[1] == "True"
        assert int(out.split()[0]) == pytest.approx(heap, abs=4096)  # ~1 KB a module object


def test_stock_firmware_loads_runtime_and_model_into_the_heap():
    """--firmware stock: nothing preloaded, the board's heap free at boot; the runtime and
    the model come from the filesystem into it, and flash says so for a model that cannot
    fit that way (person_detect's 300 KB), but not for one that can, which runs as TFLM."""
    rp2040 = boards.load("rp2040")
    with vboards.started(rp2040.name, firmware="stock") as port:
        out = mpremote(port, "exec", "import gc, sys; gc.collect(); print(gc.mem_free())")
        assert int(out.split()[0]) == pytest.approx(rp2040.heap_bytes, abs=4096)
        said = []
        flash(port, rp2040, model_path("hello_world_int8"), log=said.append)
        assert not [line for line in said if "warning" in line]
        ((inputs, expected),) = golden_cases("hello_world_int8")[:1]
        outputs, _ = run_cases(port, "hello_world_int8", [inputs])
        assert outputs[0][0].tolist() == expected[0].tolist()
        said = []
        flash(port, rp2040, model_path("person_detect"), log=said.append)
        arena = describe_all([model_path("person_detect")])[0]["arena_bytes"]
        warning = "warning: model will not fit rp2040 from its filesystem: arena %d + runtime " % arena
        assert any(line.startswith(warning) and line.endswith("or use ROMFS") for line in said), said


def test_repl_session(virtual_board):
    """What the README shows: ulite at the board's REPL, checked against TFLM's output."""
    flash(virtual_board.port, virtual_board.board, model_path("hello_world_int8"), log=print)
    # after flash: one client at a time, as on a board
    terminal = Terminal.on_port(virtual_board.port)
    terminal.sync()
    ((inputs, expected),) = golden_cases("hello_world_int8")[:1]
    terminal.type("\x04", b"for more information.\r\n>>> ")  # soft reset
    terminal.type("import ulite, hello_world_int8\r")
    terminal.type("m = ulite.Interpreter(hello_world_int8.MODEL)\r")
    terminal.type("x, y = m.input(0), m.output(0)\r")
    out = terminal.type("x.shape, x.dtype, m.arena_used\r")
    assert "((1, 1), 'int8', 56)" in out
    terminal.type("x.copy_from(bytes([%d]))\r" % (int(inputs[0][0, 0]) & 0xFF))
    terminal.type("m.invoke()\r")
    assert "array('b', [%d])" % expected[0][0, 0] in terminal.type("y.values()\r")
    terminal.type("from array import array\r")
    terminal.type("x.copy_from(array('b', [round(1.5708 / x.scale) + x.zero_point]))\r")
    terminal.type("m.invoke()\r")
    out = terminal.type("(y.values()[0] - y.zero_point) * y.scale  # sin(pi/2)\r")
    assert abs(float(out.splitlines()[1]) - 1.0) < 0.1
    comment = "# the same, in and out as TFLM's QUANTIZE, DEQUANTIZE"
    out = terminal.type("m.predict([1.5708])  %s\r" % comment)
    printed = out.splitlines()[1]
    assert printed.startswith("array('f', [") and printed.endswith("])"), printed
    expected = predicted_by_tflm(model_path("hello_world_int8"), 1.5708)[0]
    assert float(printed[len("array('f', [") : -2]) == float(expected)
    terminal.close()
    TRANSCRIPT.parent.mkdir(exist_ok=True)
    TRANSCRIPT.write_text("".join(terminal.log).replace("\r\n", "\n"))


def test_ctrl_c_interrupts_running_code(terminal):
    """(Not on the ARM board: its firmware reads its UART only while it waits for input, so
    a Ctrl-C reaches it only when the running code ends.)"""
    os.write(terminal.fd, b"while True: pass\r\r")
    time.sleep(0.3)
    out = terminal.type("\x03")
    assert "KeyboardInterrupt" in out
    assert "42" in terminal.type("print(6 * 7)\r")


@pytest.mark.parametrize("terminal", ["virtual", "arm"], indirect=True)
def test_pasted_lines_all_run(terminal):
    os.write(terminal.fd, b"a = 1\rb = a + 1\rc = b + 1\rprint('c is', c)\r")
    assert "c is 3" in terminal.read_until(b"c is 3\r\n>>> ")


def test_errors_are_one_line(virtual_board):
    with pytest.raises(UserError, match="no such port: /dev/ulite-none"):
        BoardLink("/dev/ulite-none")
    with pytest.raises(UserError, match="is a virtual rp2040 board: use --board rp2040"):
        flash(
            virtual_board.port,
            virtual_board.board.__class__(**{**virtual_board.board.__dict__, "name": "esp32"}),
            model_path("hello_world_int8"),
        )


def test_stopping_leaves_no_process_or_directory():
    with vboards.started("rp2040") as port:
        with BoardLink(port) as link:
            fs_dir = link.eval("__import__('os').getcwd()")
    assert not Path(fs_dir).exists()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cwd = os.readlink("/proc/%s/cwd" % pid)
        except OSError:
            continue
        assert cwd != fs_dir, "process %s still runs in the board's filesystem" % pid


def test_vboard_prints_its_device_first(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "host_tools", "vboard", "--board", "esp32", "--dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        first, second = process.stdout.readline(), process.stdout.readline()
        assert first.startswith("/dev/pts/")
        assert "virtual esp32" in second and "heap 100000 bytes" in second
    finally:
        process.terminate()
        assert process.wait(10) == 0
        process.stdout.close()
    assert (tmp_path / "lib").is_dir()  # --dir is kept


def test_a_crashing_micropython_stops_the_board(tmp_path):
    """MicroPython dying before its REPL (here: a heap the host cannot give) is an error,
    not an endless round of soft reboots."""
    board = boards.load("rp2040")
    vb = VirtualBoard(dataclasses.replace(board, heap_bytes=1 << 50), tmp_path)
    vb.start()
    try:
        with pytest.raises(UserError, match="MicroPython exited before its REPL started"):
            vb.serve()
    finally:
        vb.close()
