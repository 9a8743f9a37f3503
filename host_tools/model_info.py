"""What a model contains and needs from ulite, asked of ulite itself (ulite.describe) on
MicroPython's unix port: inputs and outputs, op histogram, unsupported ops, arena bytes."""

from pathlib import Path

from . import micropython
from .errors import UserError
from .micropython import reports
from .paths import DEVICE_DIR, check_file

DEVICE_SCRIPT = DEVICE_DIR / "describe.py"


def describe(model_path, plan=False):
    """ulite.describe of one model (UserError if ulite cannot read it); with `plan`, also
    "kernels" (the kernel modules its ops import), "loops" (the loop modules it loads on
    an RP2040) and "plan" (see device/describe.py)."""
    info = describe_all([model_path], plan)[0]
    if "error" in info:
        raise UserError("%s: %s" % (model_path, info["error"]))
    return info


def describe_all(model_paths, plan=False):
    """ulite.describe of each model, in one MicroPython process: a dict per model, with
    "error" (the UliteError's message) for a model ulite cannot read."""
    paths = [Path(p) for p in model_paths]
    for path in paths:
        check_file(path, "model")
    heap = max(p.stat().st_size for p in paths) * 3 + ((16 if plan else 1) << 20)  # (+ arena)
    args = (["--plan"] if plan else []) + [p.resolve() for p in paths]
    result = micropython.run("unix", DEVICE_SCRIPT, args, heap=heap)
    found = reports.reports(result)
    if result.returncode != 0 or len(found) != len(paths):
        failed = paths[len(found)] if len(found) < len(paths) else paths[-1]
        raise UserError("cannot describe %s: %s" % (failed, reports.last_line(result)))
    return found


def named(info):
    """`describe`'s dict with named fields instead of positional ones (inspect --json)."""
    fields = ("name", "shape", "dtype", "scale", "zero_point")
    named_info = dict(info)
    for kind in ("inputs", "outputs"):
        named_info[kind] = [dict(zip(fields, tensor)) for tensor in info[kind]]
    named_info["ops"] = [{"op": op, "count": count} for op, count in info["ops"]]
    return named_info
