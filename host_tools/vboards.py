"""Virtual boards of either kind (unix_vboard.VirtualBoard, qemu_vboard.ArmBoard): served
in this process until a signal stops them, or started in the background."""

import contextlib
import os
import select
import signal
import subprocess
import sys

from . import processes
from .errors import UserError
from .paths import ROOT


class Stop(Exception):
    pass


def _raise_stop(signum, frame):
    raise Stop()


def serve(served, summary):
    """Run a board until a signal stops it; prints its device path first, then `summary`."""
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(signum, _raise_stop)
    try:
        served.start()
        print(served.path, flush=True)
        print(summary, flush=True)
        served.serve()
    except Stop:
        pass
    finally:
        served.close()


@contextlib.contextmanager
def started(board_name="rp2040", timeout=30, fs_dir=None, firmware=None):
    """Run `python -m host_tools vboard` in the background, on the filesystem directory
    `fs_dir` (kept) or a temporary one, as `firmware` (unix_vboard.FIRMWARES; None: the
    default); yields its device path."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    command = [sys.executable, "-m", "host_tools", "vboard", "--board", board_name]
    command += ["--dir", str(fs_dir)] if fs_dir else []
    command += ["--firmware", firmware] if firmware else []
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        ready, _, _ = select.select([process.stdout], [], [], timeout)
        line = process.stdout.readline().strip() if ready else ""
        if not line.startswith("/dev/"):
            process.kill()
            detail = (process.stderr.read().strip().splitlines() or ["no output"])[-1]
            raise UserError("the virtual board did not start: %s" % (line or detail))
        yield line
    finally:
        processes.stop(process, 10)
        process.stdout.close()
        process.stderr.close()
