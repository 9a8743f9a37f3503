"""A .tflite model as a frozen-ready MicroPython module for one board (the `convert` command).

Writes, into one directory:
- NAME.py: the model as one `bytes` literal (MODEL) plus its metadata; MODEL carries what
  ulite derives when it constructs the model, computed here (host_tools/prepared.py), so
  the board skips that work;
- NAME.mpy: the same compiled with mpy-cross for the board's architecture;
- manifest.py: freezes the ulite runtime and NAME.py into MicroPython firmware, so MODEL
  lives in flash and costs no heap; with ulite/, the runtime's sources for the board, next
  to it (its paths are relative to its own directory: the directory can move);
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

from . import prepared, runtime
from .errors import UserError
from .model_info import describe
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
# Freezes the ulite runtime (ulite/, beside this file) and the {name} model into MicroPython
# firmware, so the model's bytes stay in flash. Written by `ulite convert`. In a MicroPython
# checkout, with FROZEN_MANIFEST this file's absolute path:
#     {build}
{include}package("ulite")
module("{name}.py")
"""


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
            if (out / path.name).is_dir() and not path.is_dir():
                raise UserError("cannot write %s: it is a directory" % (out / path.name))
        replaced = staging / ".replaced"
        replaced.mkdir()
        for path in files:
            if path.is_dir() and (out / path.name).exists():
                os.replace(out / path.name, replaced / path.name)  # a directory: set aside
            os.replace(path, out / path.name)
    except BaseException:
        if created is not None:
            shutil.rmtree(created, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def convert(model_path, board, name=None, out_dir=None):
    """Check and convert; returns a dict: name, out (Path), files (NAME.py, NAME.mpy,
    manifest.py, the ulite/ sources it freezes, NAME.romfs), info (model_bytes: MODEL's),
    sha256 and source_bytes (of the .tflite), model_bytes (MODEL's: with ulite's precomputed
    entry).

    Raises UserError, before writing anything, for a missing, malformed or unsupported model,
    or one bigger than the board's flash. The files appear together at the end (see staged).
    """
    model_path = Path(model_path)
    name = module_name(model_path, name)
    info = describe(model_path, plan=True)
    if info["unsupported"]:
        raise UserError(
            "%s: ulite cannot run %s; nothing written"
            % (model_path.name, ", ".join(info["unsupported"]))
        )
    data = model_path.read_bytes()
    model = prepared.precompute(data)[0]
    info["model_bytes"] = len(model)
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
                build=board.firmware_build.format(manifest="/path/to/%s/manifest.py" % out.name),
                include='include("%s")\n' % board.base_manifest if board.base_manifest else "",
            )
        )
        for rel in runtime.sources(board.mpy_arch):  # what the board runs, beside the manifest
            (staging / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(MPY_DIR / rel, staging / rel)
        image = staging / (name + ".romfs")
        image.write_bytes(romfs_image(board, {compiled.name: compiled.read_bytes()}))
    return {
        "name": name,
        "out": out,
        "files": [out / p.name for p in (source, compiled, manifest, staging / "ulite", image)],
        "info": info,
        "sha256": hashlib.sha256(data).hexdigest(),
        "model_bytes": len(model),
        "source_bytes": len(data),
    }

