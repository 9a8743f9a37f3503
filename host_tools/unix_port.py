"""Run device code on MicroPython's unix port, with the ulite package importable."""

import os
import subprocess

from .errors import UserError
from .paths import MPY_DIR, tool


def parse_size(text):
    """'256k' / '2M' / '200000' -> bytes."""
    value = str(text).strip().lower()
    scale = 1
    if value.endswith("k"):
        scale, value = 1024, value[:-1]
    elif value.endswith("m"):
        scale, value = 1024 * 1024, value[:-1]
    try:
        size = int(float(value) * scale)
    except ValueError:
        raise UserError("bad size %r: use bytes, or a number with k or M (e.g. 256k)" % text)
    if size <= 0:
        raise UserError("size must be positive, got %r" % text)
    return size


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
