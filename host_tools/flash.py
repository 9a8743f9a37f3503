"""`flash`: put the ulite runtime and a converted model on a board, over its REPL."""

import dataclasses
import tempfile
import time
from pathlib import Path

from . import boards, convert, runtime
from .board_link import BoardLink
from .errors import UserError

# MicroPython's native architecture numbers, as in .mpy headers and sys.implementation._mpy.
MPY_ARCH = {
    "x86": 1,
    "x64": 2,
    "armv6": 3,
    "armv6m": 4,
    "armv7m": 5,
    "armv7em": 6,
    "armv7emsp": 7,
    "armv7emdp": 8,
    "xtensa": 9,
    "xtensawin": 10,
    "rv32imc": 11,
    "rv64imc": 12,
}
MPY_VERSION = 6


def add_parser(commands):
    p = commands.add_parser(
        "flash",
        help="copy the ulite runtime and a model to a board",
        description=(
            "Convert MODEL for BOARD (as `convert` does) and copy the runtime (lib/ulite/*.mpy) "
            "and the model module (NAME.mpy) to the board on DEV with mpremote's raw REPL, "
            "after a soft reset. Files already on the board with the same hash are skipped; "
            "each file is written under a temporary name and renamed into place, so an "
            "interrupted copy never leaves a torn module (the next flash removes what it "
            "left). Runtime files the runtime no longer has are removed once the new files "
            "are in place. What the firmware already holds in flash "
            "(frozen, or in ROMFS) with the same version or SHA-256 is not copied. DEV may be "
            "a virtual board (`vboard`). Warns, with the numbers, when the model will not fit."
        ),
        epilog="example: python -m host_tools flash --port /dev/ttyACM0 --board rp2040 model.tflite",
    )
    p.add_argument("model", help=".tflite file")
    p.add_argument("--port", required=True, metavar="DEV", help="serial device of the board")
    p.add_argument("--board", required=True, help="one of: " + ", ".join(boards.names()))
    p.add_argument("--name", help="module name on the board (default: the model file's name)")
    p.set_defaults(run=run)


def target_board(board, info, port):
    """The board to build for, checked against what the device reports about itself."""
    mpy = info["mpy"]
    version, sub, arch = mpy & 0xFF, (mpy >> 8) & 3, (mpy >> 10) & 0x3F
    if info["virtual"]:
        if info["virtual"] != board.name:
            raise UserError(
                "%s is a virtual %s board: use --board %s"
                % (port, info["virtual"], info["virtual"])
            )
        return dataclasses.replace(board, mpy_arch="host")
    if board.mpy_arch == "host":
        raise UserError("%s is a real board (%s), not a virtual one" % (port, info["machine"]))
    if arch != MPY_ARCH[board.mpy_arch]:
        names = {v: k for k, v in MPY_ARCH.items()}
        raise UserError(
            "%s runs %s code (%s), not %s for --board %s"
            % (port, names.get(arch, "no native"), info["machine"], board.mpy_arch, board.name)
        )
    if (version, sub) != (MPY_VERSION, 3):
        raise UserError(
            "%s runs MicroPython with .mpy v%d.%d; ulite's .mpy are v6.3: update the firmware"
            " to MicroPython 1.23 or newer" % (port, version, sub)
        )
    return board


def plan_copies(link, files):
    """The subset of {device path: bytes} whose content the board does not have yet."""
    paths = sorted(files)
    return {
        path: files[path]
        for path, digest in zip(paths, link.digests(paths))
        if digest != link.digest_of(files[path])
    }


def flash(port, board, model_path, name=None, log=print):
    """Flash the runtime and model; returns a dict: name, copied {path: bytes}, unchanged,
    removed [paths], seconds."""
    start = time.monotonic()
    with BoardLink(port) as link:
        build_board = target_board(board, link.info, port)
        with tempfile.TemporaryDirectory(prefix="ulite-flash-") as tmp:
            result = convert.convert(model_path, build_board, name, tmp)
            model_mpy = Path(tmp) / (result["name"] + ".mpy")
            module = {model_mpy.name: model_mpy.read_bytes()}
        name, arena, size = result["name"], result["info"]["arena_bytes"], result["model_bytes"]
        files, removals = {}, []
        runtime_version = link.resident("ulite", "__version__")
        if runtime_version:
            log("runtime: ulite %s is in the board's firmware, not copied" % runtime_version)
        else:
            built = runtime.build(build_board)
            files.update({path: local.read_bytes() for path, local in built.items()})
            prefix = runtime.DEVICE_LIB + "/ulite/"
            removals += [p for p in link.list_files(prefix.rstrip("/")) if p not in files]
        model_in_flash = link.resident(name, "SHA256") == result["sha256"]
        if model_in_flash:
            log("model: %s (same SHA-256) is in the board's firmware, not copied" % name)
            removals += [p for p in (name + ".mpy", name + ".py") if link.digests([p])[0]]
        else:
            files.update(module)
            if link.digests([name + ".py"])[0]:
                removals.append(name + ".py")  # a .py would be imported instead of the .mpy
        # The virtual board stands for firmware with ulite and the models frozen in.
        frozen = link.info["virtual"]
        in_heap = 0 if (model_in_flash or frozen) else size
        warning = board.fit_warning(
            arena,
            in_heap,
            where="" if frozen else " from its filesystem",
            runtime_in_heap=not frozen,
        )
        if warning:
            log(warning + "; freeze ulite and the model into firmware (convert's manifest.py)")
        copies = plan_copies(link, files)
        # what an interrupted flash left (a copy's own write reuses and renames its .part)
        partial = [path + ".part" for path in sorted(files) if path not in copies]
        removals += [p for p, d in zip(partial, link.digests(partial)) if d and p not in removals]
        needed, free = sum(len(d) for d in copies.values()), link.info["fs_free"]
        if free is not None and needed > free:
            raise UserError(
                "board full: %d bytes to copy, %d bytes free on %s's filesystem"
                % (needed, free, port)
            )
        # New files first, then removals: interrupted anywhere, the board keeps a working
        # set (each file old or new, none missing; a stale one may remain).
        link.write_files(copies)
        for path, data in copies.items():
            log("copied %s (%d bytes)" % (path, len(data)))
        link.remove(removals)
        for path in removals:
            log("removed %s" % path)
    seconds = time.monotonic() - start
    log(
        "flashed %s to %s: %d files copied (%d bytes), %d unchanged, in %.1f s"
        % (name, port, len(copies), needed, len(files) - len(copies), seconds)
    )
    return {
        "name": name,
        "copied": copies,
        "unchanged": len(files) - len(copies),
        "removed": removals,
        "seconds": seconds,
    }


def run(args):
    flash(args.port, boards.load(args.board), args.model, args.name)
