"""`infer`: run a model on MicroPython (not CPython), on one of its ports, and save its outputs."""

from .. import micropython
from ..arrays import check_out, load_inputs, save_outputs
from ..errors import UserError
from ..inference import infer
from ..micropython import arm
from ..sizes import parse_size

DEFAULT_HEAP = "256k"


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
        % (DEFAULT_HEAP, arm.HEAP_BYTES),
    )
    p.add_argument(
        "--loops",
        choices=("thumb", "viper", "plain"),
        help="loop backend (default: the fastest the MicroPython runs; thumb: ARM only; "
        "plain: what ports without viper run)",
    )
    p.add_argument(
        "--on",
        choices=micropython.NAMES,
        default="unix",
        help="the MicroPython to run on: unix (its 64-bit unix port, default), wasm (its "
        "32-bit WebAssembly port, under Node), arm (the ARM board: bare-metal MicroPython on "
        "a Cortex-M in QEMU, with the RP2040's runtime and the model in ROMFS)",
    )
    p.set_defaults(run=run)


def run(args):
    check_out(args.out)
    if args.on == "arm" and args.heap:
        raise UserError(
            "--heap: the ARM board's heap is fixed (about %d bytes); leave --heap out"
            % arm.HEAP_BYTES
        )
    if args.loops == "thumb" and args.on != "arm":
        raise UserError("--loops thumb needs an ARM core: add --on arm")
    inputs = load_inputs(args.input)
    heap = parse_size(args.heap or DEFAULT_HEAP)
    outputs, report = infer(args.model, inputs, heap, args.loops, args.on)
    save_outputs(args.out, outputs)
    shapes = ", ".join("out%d %s %s" % (i, a.dtype, a.shape) for i, a in enumerate(outputs))
    invoke_us = report["invoke_us"][0]
    if args.on == "arm":  # the board's clock advances 1 ns per instruction (host_tools/qemu.py)
        invoke = "%.2f M instructions" % (invoke_us / 1000)
    else:
        invoke = "%.2f ms" % (invoke_us / 1000)
    print(
        "%s: %s; invoke %s; arena %d bytes; heap %d bytes"
        % (args.out, shapes, invoke, report["arena_bytes"], report["heap_bytes"])
    )
