"""`infer`: run a model on MicroPython (not CPython), on one of its ports, and save its outputs."""

import json
import os
import tempfile
from pathlib import Path

import numpy as np

from . import arm_port, ports, unix_port
from .errors import UserError
from .inspect_cmd import describe
from .paths import check_file

DEVICE_SCRIPT = Path(__file__).parent / "device" / "infer.py"
DEFAULT_HEAP = "256k"
OUT_OF_MEMORY = 3  # device/infer.py's exit status when the heap ran out


def add_parser(commands):
    p = commands.add_parser(
        "infer",
        help="run a .tflite model with ulite on MicroPython",
        description=(
            "Run MODEL with ulite on MicroPython (its unix port by default) and write its "
            "outputs to an .npz file (out0, out1, ... with the model's dtypes and shapes). "
            "Inputs are .npy files, one per model input, in order, with exactly the model's "
            "dtype and shape."
        ),
        epilog="example: python -m host_tools infer hello_world_int8.tflite --input x.npy --out y.npz",
    )
    p.add_argument("model", help=".tflite file")
    p.add_argument("--input", action="append", default=[], metavar="X.npy", help="one per model input, in order")
    p.add_argument("--out", required=True, metavar="OUT.npz", help="where to write the outputs")
    p.add_argument(
        "--heap",
        help="MicroPython heap for ulite, besides the model bytes (which live in flash on a "
        "board); default %s; the ARM board's is fixed (about %d bytes)"
        % (DEFAULT_HEAP, arm_port.HEAP_BYTES),
    )
    p.add_argument(
        "--loops",
        choices=("thumb", "viper", "plain"),
        help="loop backend (default: the fastest the port runs; thumb: ARM only; plain: what "
        "ports without viper run)",
    )
    p.add_argument(
        "--port",
        choices=ports.NAMES,
        default="unix",
        help="MicroPython port to run on: unix (64-bit, default), wasm (32-bit WebAssembly, "
        "under Node), arm (the ARM board: bare-metal MicroPython on a Cortex-M in QEMU, "
        "with the RP2040's runtime and the model in ROMFS)",
    )
    p.set_defaults(run=run)


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


def infer(model_path, inputs, heap, loops=None, port="unix"):
    """Run one case; returns (list of output arrays, report dict). Raises UserError."""
    outputs, report = infer_cases(model_path, [inputs], heap, loops, port)
    return outputs[0], report


def infer_cases(model_path, cases, heap, loops=None, port="unix"):
    """Run several input cases in one MicroPython process (one interpreter, reset before
    each case: stateful models start every case afresh, as from a new interpreter).

    port: the MicroPython port to run on, one of host_tools.ports.NAMES (the ARM board's
    heap is fixed: `heap` does not apply there)."""
    model_path = Path(model_path)
    check_file(model_path, "model")
    model_size = model_path.stat().st_size
    with tempfile.TemporaryDirectory(prefix="ulite-infer-") as tmp:
        tmp = Path(tmp)
        spec = {"model": str(model_path.resolve()), "inputs": [], "cases": [], "loops": loops}
        if port == "arm":  # the board reserves the arena first (see device/infer.py)
            spec["arena_bytes"] = describe(model_path)["arena_bytes"]
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
        result = ports.run(
            port, DEVICE_SCRIPT, [tmp / "spec.json"], heap=heap + model_size + 4096, reads=[model_path], writes=[tmp]
        )
        report = _report(result, port)
        outputs = []
        for case in spec["cases"]:
            arrays = []
            for j, meta in enumerate(report["outputs"]):
                raw = Path(case["output_prefix"] + "out%d.bin" % j).read_bytes()
                arrays.append(np.frombuffer(raw, dtype=np.dtype(meta["dtype"]).newbyteorder("<")).reshape(meta["shape"]))
            outputs.append(arrays)
        return outputs, report


def _report(result, port):
    hint = (
        "the ARM board's heap, about %d bytes, is fixed" % arm_port.HEAP_BYTES
        if port == "arm"
        else "try a larger --heap"
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if lines:
        report = json.loads(lines[-1])
        if "error" in report:
            out_of_memory = result.returncode == OUT_OF_MEMORY
            raise UserError(report["error"] + (" (%s)" % hint if out_of_memory else ""))
        if result.returncode == 0:
            return report
    text = result.stderr.strip() or result.stdout.strip()
    detail = (text.splitlines() or ["no output"])[-1]
    if "MemoryError" in text:
        raise UserError("MicroPython ran out of heap: %s (%s)" % (detail, hint))
    raise UserError("MicroPython failed: %s" % detail)


def run(args):
    check_out(args.out)
    if args.port == "arm" and args.heap:
        raise UserError(
            "--heap: the ARM board's heap is fixed (about %d bytes); leave --heap out"
            % arm_port.HEAP_BYTES
        )
    if args.loops == "thumb" and args.port != "arm":
        raise UserError("--loops thumb needs an ARM core: add --port arm")
    inputs = load_inputs(args.input)
    heap = unix_port.parse_size(args.heap or DEFAULT_HEAP)
    outputs, report = infer(args.model, inputs, heap, args.loops, args.port)
    save_outputs(args.out, outputs)
    shapes = ", ".join("out%d %s %s" % (i, a.dtype, a.shape) for i, a in enumerate(outputs))
    invoke_us = report["invoke_us"][0]
    if args.port == "arm":  # the board's clock advances 1 ns per instruction (host_tools/qemu.py)
        invoke = "%.2f M instructions" % (invoke_us / 1000)
    else:
        invoke = "%.2f ms" % (invoke_us / 1000)
    print(
        "%s: %s; invoke %s; arena %d bytes; heap %d bytes"
        % (args.out, shapes, invoke, report["arena_bytes"], report["heap_bytes"])
    )
