"""A model's inputs from .npy files (one per input) and its outputs to an .npz file."""

import os
from pathlib import Path

import numpy as np

from .errors import UserError
from .paths import check_file

NPY_MAGIC = b"\x93NUMPY"


def load_inputs(paths):
    arrays = []
    for path in paths:
        path = Path(path)
        check_file(path, "input")
        with open(path, "rb") as f:
            magic = f.read(len(NPY_MAGIC))
        if magic != NPY_MAGIC:
            if magic[:2] == b"PK":
                raise UserError("input %s is an .npz archive (give one .npy file per input)" % path)
            raise UserError("input %s is not a .npy file" % path)
        try:
            array = np.load(path, allow_pickle=False)
        except (ValueError, OSError, EOFError) as e:
            raise UserError("cannot read %s as a .npy array: %s" % (path, e))
        if array.dtype.kind not in "biuf":
            raise UserError("input %s holds %s values, not numbers" % (path, array.dtype))
        arrays.append(array)
    return arrays


def check_out(path):
    """Refuse an --out path that cannot be written, before any work is done."""
    path = Path(path)
    if path.is_dir():
        raise UserError("--out %s is a directory" % path)
    if not path.parent.is_dir():
        raise UserError("--out %s: directory %s does not exist" % (path, path.parent))


def save_outputs(path, outputs):
    """Write out0, out1, ... to exactly `path` (no .npz appended), all or nothing."""
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    try:
        with open(partial, "wb") as f:
            np.savez(f, **{"out%d" % i: a for i, a in enumerate(outputs)})
        os.replace(partial, path)
    except OSError as e:
        partial.unlink(missing_ok=True)
        raise UserError("cannot write %s: %s" % (path, e.strerror or e))
