"""The ulite runtime (mpy/ulite) as .mpy for a board's architecture; package.json for mip."""

import json
import re
import subprocess
from pathlib import Path

from . import architectures
from .errors import UserError
from .paths import CACHE_DIR, IN_CHECKOUT, MPY_DIR, ROOT, tool

PACKAGE_JSON = ROOT / "package.json"
DEVICE_LIB = "lib"  # where flash puts the runtime on a board, relative to its root


def sources(arch=None):
    """Paths of the runtime's modules, relative to mpy/ (e.g. ulite/loops/viper/requant.py).

    With `arch`, only what that architecture runs: the Thumb assembler backend is for
    Thumb cores alone (architectures.runs_module)."""
    paths = sorted(p.relative_to(MPY_DIR) for p in (MPY_DIR / "ulite").rglob("*.py"))
    if arch is None:
        return paths
    return [p for p in paths if architectures.runs_module(arch, p)]


def version():
    text = (MPY_DIR / "ulite" / "__init__.py").read_text()
    return re.search(r'^__version__ = "([^"]+)"', text, re.M).group(1)


def compile_mpy(source, target, arch, name=None):
    """mpy-cross SOURCE -> TARGET for `arch` (a board's mpy_arch); raises UserError."""
    target.parent.mkdir(parents=True, exist_ok=True)
    command = [tool("mpy-cross"), "-march=" + arch, "-o", str(target)]
    if name:
        command += ["-s", name]
    result = subprocess.run(command + [str(source)], capture_output=True, text=True)
    if result.returncode != 0:
        detail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise UserError("mpy-cross -march=%s failed on %s: %s" % (arch, source, detail))


def build_dir(board):
    """Where `build` puts the runtime for `board` by default."""
    return CACHE_DIR / "runtime" / board.mpy_arch


def build(board, out_dir=None):
    """Compile the runtime for `board`; returns {device path: local .mpy path}.

    Files are recompiled only when their source is newer; .mpy files whose source is gone
    are removed, so the output is exactly the current runtime.
    """
    out = Path(out_dir) if out_dir else build_dir(board)
    files = {}
    for rel in sources(board.mpy_arch):
        device_path = "%s/%s" % (DEVICE_LIB, rel.with_suffix(".mpy").as_posix())
        target = out / device_path
        source = MPY_DIR / rel
        if not target.exists() or target.stat().st_mtime < source.stat().st_mtime:
            compile_mpy(source, target, board.mpy_arch, rel.as_posix())
        files[device_path] = target
    for stale in (out / DEVICE_LIB).rglob("*.mpy"):
        if stale.relative_to(out).as_posix() not in files:
            stale.unlink()
    return files


def package_json():
    """package.json for mip: every runtime module as a .py source, and the version."""
    urls = ",\n".join(
        "    " + json.dumps([rel.as_posix(), "mpy/" + rel.as_posix()]) for rel in sources()
    )
    return '{\n  "urls": [\n%s\n  ],\n  "version": %s\n}\n' % (urls, json.dumps(version()))


def write_package_json():
    """Rewrite the checkout's package.json (what mip reads from the repository)."""
    if not IN_CHECKOUT:
        raise UserError("--package-json rewrites a checkout's package.json: run it in the checkout")
    PACKAGE_JSON.write_text(package_json())

