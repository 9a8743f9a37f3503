"""`build-runtime`: the ulite package as .mpy for a board's architecture; package.json for mip."""

import json
import re
import subprocess
from pathlib import Path

from . import boards
from .errors import UserError
from .paths import MPY_DIR, ROOT, tool

BUILD_DIR = ROOT / "build"
PACKAGE_JSON = ROOT / "package.json"
DEVICE_LIB = "lib"  # where flash puts the runtime on a board, relative to its root


def add_parser(commands):
    p = commands.add_parser(
        "build-runtime",
        help="compile the ulite runtime to .mpy for a board",
        description=(
            "Compile every module of the ulite package (mpy/ulite) with mpy-cross for BOARD's "
            "architecture into DIR/lib/ulite/ (default build/runtime/ARCH). Copy DIR/lib to a "
            "board's /lib, or let `flash` do it. --package-json rewrites package.json, the "
            "file `mpremote mip install github:OWNER/REPO` reads to install the runtime as .py "
            "sources."
        ),
        epilog="example: python -m host_tools build-runtime --board rp2040",
    )
    p.add_argument("--board", required=True, help="one of: " + ", ".join(boards.names()))
    p.add_argument("-o", "--out", metavar="DIR", help="output directory")
    p.add_argument("--package-json", action="store_true", help="also rewrite package.json")
    p.set_defaults(run=run)


ARM_ARCHES = ("armv6m", "armv7m", "armv7em", "armv7emsp", "armv7emdp")


def sources(arch=None):
    """Paths of the runtime's modules, relative to mpy/ (e.g. ulite/loops/viper/core.py).

    With `arch`, only what that architecture runs: the Thumb assembler backend
    (ulite/loops/thumb) is for ARM cores alone, and mpy-cross refuses it for the others."""
    paths = sorted(p.relative_to(MPY_DIR) for p in (MPY_DIR / "ulite").rglob("*.py"))
    if arch is None or arch in ARM_ARCHES:
        return paths
    return [p for p in paths if p.parts[:3] != ("ulite", "loops", "thumb")]


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


def build(board, out_dir=None):
    """Compile the runtime for `board`; returns {device path: local .mpy path}.

    Files are recompiled only when their source is newer; .mpy files whose source is gone
    are removed, so the output is exactly the current runtime.
    """
    out = Path(out_dir) if out_dir else BUILD_DIR / "runtime" / board.mpy_arch
    files = {}
    arch = board.mpy_arch if board.mpy_arch != "host" else "x64"
    for rel in sources(arch):
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


def run(args):
    board = boards.load(args.board)
    files = build(board, args.out)
    out = Path(args.out) if args.out else BUILD_DIR / "runtime" / board.mpy_arch
    size = sum(p.stat().st_size for p in files.values())
    print(
        "%s: %d modules, %d bytes of .mpy for %s (%s)"
        % (out / DEVICE_LIB / "ulite", len(files), size, board.name, board.mpy_arch)
    )
    if args.package_json:
        PACKAGE_JSON.write_text(package_json())
        print("%s: %d files, version %s" % (PACKAGE_JSON, len(files), version()))
