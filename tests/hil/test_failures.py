"""A board survives what goes wrong: models that fail to load, invokes given wrong input,
and a flash cut off halfway by the board dying.

After a failed load or invoke the REPL still answers (a following `mpremote exec` works) and
the board's files are unchanged (same files, same hashes: its filesystem, or on the ARM
board the ROMFS image in /rom, where the hostile models go in one image with the runtime).
A flash killed while it
copies a large model (the virtual board's process killed, as when a board is unplugged, or
only its MicroPython, as when a board resets) leaves every file either old or new, never a
torn module, as a virtual board restarted on the same filesystem shows; the next flash
completes and removes what the interrupted one left.
"""

import hashlib
import os
import random
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from conftest import golden_cases, model_path
from fuzz import FlatMap, apply, mutate, runnable

from host_tools import boards, qemu_vboard, vboards
from host_tools.board_link import BoardError, BoardLink
from host_tools.board_run import run_cases
from host_tools.conversion import romfs_image
from host_tools.errors import UserError
from host_tools.flashing import flash
from host_tools.paths import ROOT

from .conftest import mpremote

REGRESSIONS = ROOT / "tests" / "regressions"
LOAD = "import ulite\nf = open(%r, 'rb')\ndata = f.read()\nf.close()\nulite.Interpreter(data)\n"
HOSTILE_MODULE = "FORMAT = 'ulite-model-1'\nARENA_BYTES = 256\nMODEL = %r\n"


def quiet(line):
    pass


def board_files(target):
    """{path: digest} of every file on the board (in /rom on a ROMFS-only board)."""
    with BoardLink(target.port) as link:
        paths = link.list_files("/rom" if target.romfs_only else ".")
        return dict(zip(paths, link.digests(paths)))


def put_beside_the_runtime(target, files):
    """Put {path: bytes} on the board with the runtime; the directory they are in. A
    ROMFS-only board gets one image of the runtime and the files (its /rom)."""
    if target.romfs_only:
        qemu_vboard.deploy(target.port, romfs_image(target.board, files))
        return "/rom/"
    flash(target.port, target.board, model_path("hello_world_int8"), log=quiet)  # the runtime
    with BoardLink(target.port) as link:
        link.write_files(files)
    return ""


def assert_responsive(port):
    assert mpremote(port, "exec", "print(6 * 7)").strip() == "42"


def hostile_models():
    """name -> model bytes ulite refuses: fuzzer finds, mutated and truncated corpus models."""
    models = {
        "buffer": (REGRESSIONS / "hello_world_int8-1.1231.tflite").read_bytes(),
        "zero_point": (REGRESSIONS / "g7.151-7.74129.tflite").read_bytes(),
        "huge_arena": (REGRESSIONS / "g8.1022-8.113627.tflite").read_bytes(),  # 16 MB
        "truncated": model_path("person_detect").read_bytes()[:100000],
    }
    hello = model_path("hello_world_int8").read_bytes()
    flatmap, seed = FlatMap(hello), 0
    while len(models) < 7:
        mutated = apply(hello, mutate(hello, flatmap, random.Random(seed)))
        if not runnable(mutated):
            models["mutated%d" % seed] = mutated
        seed += 1
    return models


def test_failed_loads_leave_the_board_responsive_and_unchanged(board):
    models = hostile_models()
    if board.romfs_only:  # 16 MB: more than the ARM board's 4 MB ROMFS partition holds
        del models["huge_arena"]
    files = {"hostile_%s.tflite" % name: data for name, data in models.items()}
    files["hostile_module.py"] = HOSTILE_MODULE.encode() % models["buffer"]
    where = put_beside_the_runtime(board, files)
    try:
        before = board_files(board)
        for path in sorted(files)[:-1]:
            result = mpremote(board.port, "exec", LOAD % (where + path), check=False)
            out = result.stdout + result.stderr
            assert result.returncode == 1, out
            assert re.search(r"^(ModelError|ArenaError|MemoryError): ", out, re.M), out
            assert_responsive(board.port)
        with pytest.raises(UserError, match="on the board: ModelError: tensor 9 .* needs 1"):
            run_cases(board.port, "hostile_module", [[]])
        assert_responsive(board.port)
        assert board_files(board) == before
    finally:
        if not board.romfs_only:  # (a ROMFS image is replaced whole by the next flash)
            with BoardLink(board.port) as link:
                link.remove(sorted(files))


def test_failed_invokes_leave_the_board_responsive_and_unchanged(board):
    flash(board.port, board.board, model_path("hello_world_int8"), log=quiet)
    before = board_files(board)
    ((inputs, expected),) = golden_cases("hello_world_int8")[:1]
    wrong = [[inputs[0].astype(np.float32)], [np.zeros((1, 2), np.int8)], [], inputs * 2]
    for arrays in wrong:
        with pytest.raises(UserError, match=r"^input 0: .* expects|has 1 inputs, got"):
            run_cases(board.port, "hello_world_int8", [arrays])
        assert_responsive(board.port)
    with BoardLink(board.port) as link:
        link.exec_file("run_model.py")
        link.eval_call("_ul_load('hello_world_int8')")
        with pytest.raises(BoardError, match="ValueError"):
            link.exec("_ul_fill(0, 0, 'AAAA')")  # 3 bytes into a 1-byte input, on the board
        assert link.eval_call("_ul_invoke()") >= 0  # the same session goes on
    assert_responsive(board.port)
    outputs, _ = run_cases(board.port, "hello_world_int8", [inputs])
    np.testing.assert_array_equal(outputs[0][0], expected[0])
    assert board_files(board) == before


def host_files(fs_dir):
    return {str(p.relative_to(fs_dir)): p.read_bytes() for p in fs_dir.rglob("*") if p.is_file()}


def board_processes(fs_dir):
    """(MicroPython pid, vboard pid) of the virtual board running on fs_dir, or None."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.readlink("/proc/%s/cwd" % pid) != str(fs_dir):
                continue
            with open("/proc/%s/status" % pid) as f:
                return int(pid), int(f.read().split("PPid:")[1].split()[0])
        except OSError:
            continue
    return None


def kill_midway(port, fs_dir, victim):
    """Flash ad01_int8 as `probe` with the CLI and kill `victim` once a quarter of the module
    is copied; returns the flash's stderr."""
    command = [sys.executable, "-m", "host_tools", "flash", str(model_path("ad01_int8"))]
    command += ["--port", port, "--board", "rp2040", "--name", "probe"]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    deadline = time.monotonic() + 60
    while max((p.stat().st_size for p in fs_dir.glob("probe.mpy*")), default=0) < 64 * 1024:
        assert process.poll() is None, "flash ended before the kill: %r" % (process.communicate(),)
        assert time.monotonic() < deadline, "the copy of probe.mpy never started"
        time.sleep(0.001)
    micropython, server = board_processes(fs_dir)
    os.kill(server if victim == "vboard" else micropython, signal.SIGKILL)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 1, err
    return err


@pytest.mark.parametrize("victim", ["vboard", "micropython"])
def test_flash_killed_halfway_leaves_old_or_new_files(tmp_path, victim):
    fs_dir = tmp_path / "fs"
    rp2040 = boards.load("rp2040")
    with vboards.started(rp2040.name, fs_dir=fs_dir) as port:
        flash(port, rp2040, model_path("hello_world_int8"), name="probe", log=quiet)
        with BoardLink(port) as link:  # a runtime file to replace and one to remove, too
            link.exec("f = open('lib/ulite/tensor.mpy', 'ab'); f.write(b'x'); f.close()")
            link.write_files({"lib/ulite/stale.py": b"STALE = 1\n"})
        old = host_files(fs_dir)
        err = kill_midway(port, fs_dir, victim)
        assert re.fullmatch(r"error: lost the board on %s: .+\n" % port, err), err
        interrupted = host_files(fs_dir)
    assert interrupted["probe.mpy"] == old["probe.mpy"]  # the module being copied: still whole
    for _ in range(50):  # the killed board's MicroPython follows it (hang-up)
        if board_processes(fs_dir) is None:
            break
        time.sleep(0.1)
    assert board_processes(fs_dir) is None
    with vboards.started(rp2040.name, fs_dir=fs_dir) as port:  # the same filesystem
        with BoardLink(port) as link:
            sha256 = link.eval_call(
                "import probe, ulite\nulite.Interpreter(probe.MODEL)\nprint(repr(probe.SHA256))"
            )
        flash(port, rp2040, model_path("hello_world_int8"), name="probe", log=quiet)
        again = host_files(fs_dir)  # the model unchanged, not copied: its .part removed
        flash(port, rp2040, model_path("ad01_int8"), name="probe", log=quiet)
        new = host_files(fs_dir)
        ((inputs, expected),) = golden_cases("ad01_int8")[:1]
        outputs, _ = run_cases(port, "probe", [inputs])
    np.testing.assert_array_equal(outputs[0][0], expected[0])
    hello = hashlib.sha256(model_path("hello_world_int8").read_bytes()).hexdigest()
    assert sha256 == hello  # and it still runs
    assert len(interrupted["probe.mpy.part"]) < len(new["probe.mpy"])  # killed midway
    torn = [
        path
        for path in set(old) | set(new) | set(interrupted)
        if interrupted.get(path) not in (old.get(path), new.get(path))
        and not path.endswith(".part")
    ]
    assert not torn
    assert interrupted["lib/ulite/stale.py"] == old["lib/ulite/stale.py"]  # removed last
    assert "lib/ulite/stale.py" not in new
    assert not [path for path in again if path.endswith(".part")]
    assert not [path for path in new if path.endswith(".part")]
