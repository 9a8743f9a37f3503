"""What a model contains and needs from ulite, asked of ulite itself (ulite.describe) on
MicroPython's unix port: inputs and outputs, op histogram, unsupported ops, arena bytes."""

from pathlib import Path

from . import micropython
from .errors import UserError
from .micropython import reports
from .paths import DEVICE_DIR, check_file

DEVICE_SCRIPT = DEVICE_DIR / "describe.py"


def describe(model_path):
    info = describe_all([model_path])[0]
    if "error" in info:
        raise UserError("%s: %s" % (model_path, info["error"]))
    return info


def describe_all(model_paths):
    """ulite.describe of each model, in one MicroPython process: a dict per model, with
    "error" (the UliteError's message) for a model ulite cannot read."""
    paths = [Path(p) for p in model_paths]
    for path in paths:
        check_file(path, "model")
    heap = max(p.stat().st_size for p in paths) * 3 + (1 << 20)
    result = micropython.run("unix", DEVICE_SCRIPT, [p.resolve() for p in paths], heap=heap)
    found = reports.reports(result)
    if result.returncode != 0 or len(found) != len(paths):
        failed = paths[len(found)] if len(found) < len(paths) else paths[-1]
        raise UserError("cannot describe %s: %s" % (failed, reports.last_line(result)))
    return found
