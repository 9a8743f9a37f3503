"""Run device code on MicroPython's WebAssembly port under Node, with ulite importable.

The port (npm package pinned in tests/wasm/package.json) is a 32-bit MicroPython without
native emitters: no viper, 31-bit small ints, so ulite runs its `plain` loop backend there.
Its filesystem lives in memory: host files the script reads are copied in at the same
absolute paths, and directories it writes to are copied back when it ends.
"""

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import UserError
from ..paths import MPY_DIR, ROOT

WASM_DIR = ROOT / "tests" / "wasm"
RUNNER = WASM_DIR / "run.mjs"
PACKAGE = WASM_DIR / "node_modules" / "@micropython" / "micropython-webassembly-pyscript"
RUNNER_FAILED = 70  # run.mjs's exit status when Node or the port itself failed


def run(script_path, args=(), heap=None, timeout=600, copy_in=(), copy_out=(), extra_path=()):
    """Run a script file on the WebAssembly port; returns the CompletedProcess (text output).

    copy_in: host files or directories the script reads (the script itself, the ulite
    package and `extra_path` are always copied); copy_out: host directories to copy back
    after the run; extra_path: directories put before the ulite package on sys.path.
    """
    node = shutil.which("node")
    if not node:
        raise UserError("'node' not found on PATH: the WebAssembly port runs under Node (18.3+)")
    if not PACKAGE.is_dir():
        raise UserError(
            "the MicroPython WebAssembly port is not installed: run `make test`, or "
            "`npm ci` in %s" % WASM_DIR
        )
    script_path = Path(script_path).resolve()
    manifest = {
        "heap": heap or 1024 * 1024,
        "script": str(script_path),
        "argv": [str(a) for a in args],
        "path": [str(Path(p).resolve()) for p in extra_path] + [str(MPY_DIR)],
        "copy_in": [str(Path(p).resolve()) for p in (MPY_DIR, script_path, *extra_path, *copy_in)],
        "copy_out": [str(Path(p).resolve()) for p in copy_out],
    }
    with tempfile.NamedTemporaryFile("w", prefix="ulite-wasm-", suffix=".json") as f:
        json.dump(manifest, f)
        f.flush()
        try:
            command = [node, str(RUNNER), f.name]
            result = subprocess.run(
                command, capture_output=True, text=True, timeout=timeout, cwd=WASM_DIR
            )
        except subprocess.TimeoutExpired:
            raise UserError("MicroPython (WebAssembly) did not finish within %d s" % timeout)
    if result.returncode == RUNNER_FAILED:
        raise UserError("the WebAssembly runner failed: %s" % result.stderr.strip())
    return result
