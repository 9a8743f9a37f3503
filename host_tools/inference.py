"""A model run by ulite on MicroPython (not CPython), on one of the MicroPythons of
host_tools.micropython, from input arrays to output arrays."""

import json
import tempfile
from pathlib import Path

import numpy as np

from . import micropython
from .errors import UserError
from .micropython import arm, reports
from .model_info import describe
from .paths import DEVICE_DIR, check_file

DEVICE_SCRIPT = DEVICE_DIR / "infer.py"
OUT_OF_MEMORY = 3  # device/infer.py's exit status when the heap ran out
BESIDES_ARENA = 256 * 1024  # the default heap for ulite's modules and objects, beyond the arena


def infer(model_path, inputs, heap=None, loops=None, on="unix"):
    """Run one case; returns (list of output arrays, report dict). Raises UserError."""
    outputs, report = infer_cases(model_path, [inputs], heap, loops, on)
    return outputs[0], report


def infer_cases(model_path, cases, heap=None, loops=None, on="unix"):
    """Run several input cases in one MicroPython process (one interpreter, reset before
    each case: stateful models start every case afresh, as from a new interpreter).

    on: the MicroPython to run on, one of host_tools.micropython.NAMES. heap: the heap
    ulite may use besides the model's bytes (None: its plan's arena + BESIDES_ARENA; the
    ARM board's heap is fixed: `heap` does not apply there)."""
    model_path = Path(model_path)
    check_file(model_path, "model")
    model_size = model_path.stat().st_size
    arena_bytes = describe(model_path)["arena_bytes"]
    if heap is None:
        heap = arena_bytes + BESIDES_ARENA
    with tempfile.TemporaryDirectory(prefix="ulite-infer-") as tmp:
        tmp = Path(tmp)
        spec = {"model": str(model_path.resolve()), "inputs": [], "cases": [], "loops": loops}
        spec["arena_bytes"] = arena_bytes  # reserved first, in one piece (see device/infer.py)
        for c, arrays in enumerate(cases):
            case = {"inputs": []}
            for i, a in enumerate(arrays):
                a = np.ascontiguousarray(a)
                path = tmp / ("case%d_in%d.bin" % (c, i))
                path.write_bytes(a.astype(a.dtype.newbyteorder("<")).tobytes())
                case["inputs"].append(str(path))
                if c == 0:
                    spec["inputs"].append({"shape": list(a.shape), "dtype": str(a.dtype)})
            case["output_prefix"] = str(tmp / ("case%d_" % c))  # device writes <prefix>out<j>.bin
            spec["cases"].append(case)
        (tmp / "spec.json").write_text(json.dumps(spec))
        # The unix port keeps the model in its heap; a board keeps it in flash. Give the
        # port room for the model bytes on top of the heap ulite may use.
        result = micropython.run(
            on, DEVICE_SCRIPT, [tmp / "spec.json"], heap=heap + model_size + 4096, reads=[model_path], writes=[tmp]
        )
        report = _report(result, on)
        outputs = []
        for case in spec["cases"]:
            arrays = []
            for j, meta in enumerate(report["outputs"]):
                raw = Path(case["output_prefix"] + "out%d.bin" % j).read_bytes()
                arrays.append(np.frombuffer(raw, dtype=np.dtype(meta["dtype"]).newbyteorder("<")).reshape(meta["shape"]))
            outputs.append(arrays)
        return outputs, report


def _report(result, on):
    hint = (
        "the ARM board's heap, about %d bytes, is fixed" % arm.HEAP_BYTES
        if on == "arm"
        else "try a larger --heap"
    )
    found = reports.reports(result)
    if found:
        report = found[-1]
        if "error" in report:
            out_of_memory = result.returncode == OUT_OF_MEMORY
            raise UserError(report["error"] + (" (%s)" % hint if out_of_memory else ""))
        if result.returncode == 0:
            return report
    detail = reports.last_line(result)
    if "MemoryError" in (result.stderr.strip() or result.stdout):
        raise UserError("MicroPython ran out of heap: %s (%s)" % (detail, hint))
    raise UserError("MicroPython failed: %s" % detail)
