"""`convert`: a .tflite model as a frozen-ready MicroPython module for one board.

Writes, into one directory:
- NAME.py: the model as one `bytes` literal (MODEL) plus its metadata; MODEL carries what
  ulite derives when it constructs the model, computed here (host_tools/prepared.py), so
  the board skips that work;
- NAME.mpy: the same compiled with mpy-cross for the board's architecture;
- manifest.py: freezes the ulite runtime and NAME.py into MicroPython firmware, so MODEL
  lives in flash and costs no heap;
- NAME.romfs: a ROMFS image of NAME.mpy and the runtime as .mpy, for `mpremote romfs
  deploy` on firmware with a ROMFS partition: the other way to keep the model in flash.
"""

import contextlib
import hashlib
import io
import keyword
import os
import re
import shutil
import tempfile
from pathlib import Path

from mpremote.romfs import make_romfs

from . import boards, prepared, qemu_vboard, runtime
from .errors import UserError
from .inspect_cmd import describe
from .paths import MPY_DIR

FORMAT = "ulite-model-1"

MODULE = """\
# ulite model module written by `python -m host_tools convert`; do not edit.
# Frozen into firmware (manifest.py) or kept in ROMFS, MODEL stays in flash and costs no heap.
#     import ulite, {name}
#     interp = ulite.Interpreter({name}.MODEL)
FORMAT = {format!r}
SOURCE = {source!r}
SHA256 = {sha256!r}
# (shape, dtype, scale, zero_point) of each input and output; scale 0.0: not quantized
INPUTS = {inputs!r}
OUTPUTS = {outputs!r}
ARENA_BYTES = {arena}  # the arena ulite's plan needs (Interpreter.arena_used)
MODEL = {model!r}
"""

MANIFEST = """\
# Freezes the ulite runtime and the {name} model into MicroPython firmware, so the model's
# bytes stay in flash. Written by `python -m host_tools convert`. In a MicroPython checkout:
#     {build}
{include}package("ulite", base_path={mpy_dir!r})
module("{name}.py", base_path={out_dir!r})
"""


def add_parser(commands):
    p = commands.add_parser(
        "convert",
        help="turn a .tflite model into a frozen module for a board",
        description=(
            "Write DIR/NAME.py (the model as one bytes literal, MODEL, with its input/output "
            "shapes, dtypes and quantization, the arena its plan needs and the .tflite's "
            "SHA-256), DIR/NAME.mpy compiled for BOARD's architecture, DIR/manifest.py to "
            "freeze ulite and the model into MicroPython firmware, and DIR/NAME.romfs for "
            "`mpremote romfs deploy`. A model with ops ulite cannot run is refused before "
            "anything is written. Warns, with the numbers, when the model does not fit BOARD."
        ),
        epilog="example: python -m host_tools convert person_detect.tflite --board rp2040",
    )
    p.add_argument("model", help=".tflite file")
    p.add_argument("--board", required=True, help="one of: " + ", ".join(boards.names()))
    p.add_argument("--name", help="module name (default: the model file's name)")
    p.add_argument("-o", "--out", metavar="DIR", help="output directory (default: NAME-BOARD)")
    p.set_defaults(run=run)


def module_name(model_path, name=None):
    if name is None:
        name = re.sub(r"\W", "_", Path(model_path).stem)
        if name[:1].isdigit():
            name = "model_" + name
    if not name.isidentifier() or keyword.iskeyword(name):
        raise UserError("--name %r is not a Python identifier" % name)
    if name == "ulite":
        raise UserError("--name ulite would hide the ulite package: choose another name")
    return name


def _io(tensors):
    return tuple((tuple(shape), dtype, scale, zp) for _, shape, dtype, scale, zp in tensors)


def model_module(model_path, name, info, data, model):
    """The module's source: `data` is the .tflite's bytes, `model` them with ulite's
    precomputed entry (MODEL)."""
    return MODULE.format(
        name=name,
        format=FORMAT,
        source=Path(model_path).name,
        sha256=hashlib.sha256(data).hexdigest(),
        inputs=_io(info["inputs"]),
        outputs=_io(info["outputs"]),
        arena=info["arena_bytes"],
        model=model,
    )


def romfs_image(board, files):
    """A ROMFS image holding the runtime in lib/ and `files` ({path: bytes}: the model
    module) at its root."""
    with tempfile.TemporaryDirectory(prefix="ulite-romfs-") as tmp:
        root = Path(tmp)
        for device_path, local in runtime.build(board).items():
            (root / device_path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(local, root / device_path)
        for path, data in files.items():
            (root / path).write_bytes(data)
        with contextlib.redirect_stdout(io.StringIO()):  # make_romfs lists what it adds
            return make_romfs(str(root), mpy_cross=False)


@contextlib.contextmanager
def staged(out):
    """Yield a temporary directory inside `out` to write the outputs in; when the block
    ends they are renamed into `out`. A failure, or an interrupt, leaves `out` as it was
    (and no `out` at all if it did not exist): never a partial set of files."""
    if out.exists() and not out.is_dir():
        raise UserError("output directory %s is a file" % out)
    created = next((p for p in reversed((out, *out.parents)) if not p.exists()), None)
    try:
        out.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".ulite-convert-", dir=out))
    except OSError as e:
        raise UserError("cannot write to %s: %s" % (out, e.strerror or e))
    try:
        yield staging
        files = sorted(staging.iterdir())
        for path in files:
            if (out / path.name).is_dir():
                raise UserError("cannot write %s: it is a directory" % (out / path.name))
        for path in files:
            os.replace(path, out / path.name)
    except BaseException:
        if created is not None:
            shutil.rmtree(created, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def convert(model_path, board, name=None, out_dir=None):
    """Check and convert; returns a dict: name, out (Path), files, info, sha256 and
    source_bytes (of the .tflite), model_bytes (MODEL's: with ulite's precomputed entry).

    Raises UserError, before writing anything, for a missing, malformed or unsupported model,
    or one bigger than the board's flash. The files appear together at the end (see staged).
    """
    model_path = Path(model_path)
    name = module_name(model_path, name)
    info = describe(model_path)
    if info["unsupported"]:
        raise UserError(
            "%s: ulite cannot run %s; nothing written"
            % (model_path.name, ", ".join(info["unsupported"]))
        )
    data = model_path.read_bytes()
    model = prepared.precompute(data)[0]
    if len(model) > board.flash_bytes:
        raise UserError(
            "model too big: %s is %d bytes with ulite's precomputed tables, %s has %d bytes"
            " of flash" % (model_path.name, len(model), board.name, board.flash_bytes)
        )
    out = Path(out_dir) if out_dir else Path("%s-%s" % (name, board.name))
    with staged(out) as staging:
        source = staging / (name + ".py")
        source.write_text(model_module(model_path, name, info, data, model))
        compiled = staging / (name + ".mpy")
        runtime.compile_mpy(source, compiled, board.mpy_arch, name + ".py")
        manifest = staging / "manifest.py"
        manifest.write_text(
            MANIFEST.format(
                name=name,
                build=board.firmware_build.format(manifest=(out / manifest.name).resolve()),
                include='include("%s")\n' % board.base_manifest if board.base_manifest else "",
                mpy_dir=str(MPY_DIR),
                out_dir=str(out.resolve()),
            )
        )
        image = staging / (name + ".romfs")
        image.write_bytes(romfs_image(board, {compiled.name: compiled.read_bytes()}))
    source, compiled, manifest, image = (out / p.name for p in (source, compiled, manifest, image))
    return {
        "name": name,
        "out": out,
        "files": [source, compiled, manifest, image],
        "info": info,
        "sha256": hashlib.sha256(data).hexdigest(),
        "model_bytes": len(model),
        "source_bytes": len(data),
    }


def run(args):
    board = boards.load(args.board)
    result = convert(args.model, board, args.name, args.out)
    arena, size = result["info"]["arena_bytes"], result["model_bytes"]
    source, compiled, manifest, image = result["files"]
    print(
        "wrote %s, %s (%s), %s, %s"
        % (source, compiled.name, board.mpy_arch, manifest.name, image.name)
    )
    print(
        "model %d bytes (%d with ulite's precomputed tables and plan), sha256 %s; arena %d bytes"
        % (result["source_bytes"], size, result["sha256"], arena)
    )
    warning = board.fit_warning(
        arena, where=" even with ulite and the model frozen in firmware", runtime_in_heap=False
    )
    # from a filesystem, import loads the model's bytes into the heap (the virtual board's
    # stand for frozen ones; the ARM board has none: its models are in ROMFS)
    from_filesystem = board.mpy_arch != "host" and not qemu_vboard.emulates(board)
    if warning is None and from_filesystem:
        warning = board.fit_warning(
            arena, size, where=" from its filesystem (import loads ulite and the model into the heap)"
        )
        if warning:
            warning += "; freeze ulite and the model into firmware (manifest.py), or use ROMFS"
    if warning:
        print(warning)
    elif qemu_vboard.emulates(board):
        print(
            "fits %s: %d-byte heap for arena %d (ulite's code and the model stay in ROMFS)"
            % (board.name, board.heap_bytes, arena)
        )
    else:
        print(
            "fits %s: %d-byte heap for runtime %d + arena %d%s"
            % (
                board.name,
                board.heap_bytes,
                board.runtime_bytes,
                arena,
                " (+ model %d from the filesystem)" % size if from_filesystem else "",
            )
        )
    print("firmware with ulite and the model frozen in flash (in a MicroPython checkout):")
    print("    " + board.firmware_build.format(manifest=manifest.resolve()))
    image_bytes = image.stat().st_size
    if qemu_vboard.emulates(board):
        print("or boot the virtual ARM board with it (or `flash` it to a running one):")
        print(
            "    python -m host_tools vboard --board %s --romfs %s    # %d-byte image"
            % (board.name, image, image_bytes)
        )
    else:
        print("or, without rebuilding firmware, on a board with ROMFS:")
        print("    mpremote romfs deploy %s    # %d-byte image" % (image, image_bytes))
    if board.romfs_bytes and image_bytes > board.romfs_bytes:
        print(
            "warning: the %d-byte ROMFS image exceeds the %d-byte ROMFS partition of %s"
            % (image_bytes, board.romfs_bytes, board.name)
        )
    print("    (%s: %s)" % (board.name, board.romfs_note))
