"""Run device code on MicroPython's unix port, with the ulite package importable."""

import os
import subprocess

from ..errors import UserError
from ..paths import MPY_DIR, tool


def run(script_path, args=(), heap=None, timeout=600, cwd=None, extra_path=()):
    """Run a script file on the unix port; returns the CompletedProcess (text output)."""
    command = [tool("micropython")]
    if heap:
        command += ["-X", "heapsize=%d" % heap]
    command += [str(script_path)] + [str(a) for a in args]
    env = dict(os.environ)
    env["MICROPYPATH"] = ":".join([str(p) for p in extra_path] + [str(MPY_DIR), ".frozen"])
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=cwd, env=env)
    except subprocess.TimeoutExpired:
        raise UserError("MicroPython did not finish within %d s" % timeout)
