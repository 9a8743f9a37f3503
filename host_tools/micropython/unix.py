"""Run device code on MicroPython's unix port, with the ulite package importable."""

import os
import subprocess

from ..errors import UserError
from ..paths import MPY_DIR, tool


def environment(extra_path=()):
    """The unix port's environment: ulite (and `extra_path`) on its module path."""
    path = [str(p) for p in extra_path] + [str(MPY_DIR), ".frozen"]
    return dict(os.environ, MICROPYPATH=":".join(path))


def run(script_path, args=(), heap=None, timeout=600, cwd=None, extra_path=()):
    """Run a script file on the unix port; returns the CompletedProcess (text output)."""
    command = [tool("micropython")]
    if heap:
        command += ["-X", "heapsize=%d" % heap]
    command += [str(script_path)] + [str(a) for a in args]
    env = environment(extra_path)
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=cwd, env=env)
    except subprocess.TimeoutExpired:
        raise UserError("MicroPython did not finish within %d s" % timeout)
