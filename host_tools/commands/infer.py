"""`infer`: run a model on MicroPython (not CPython), on one of its ports; print its outputs
readably and save them."""

from .. import micropython
from ..arrays import check_out, load_inputs, save_outputs
from ..errors import UserError
from ..inference import BESIDES_ARENA, infer
from ..micropython import arm
from ..results import lines, read_labels
from ..sizes import parse_size
from . import arguments


def add_parser(commands):
    p = commands.add_parser(
        "infer",
        help="run a .tflite model with ulite on MicroPython",
        description=(
            "Run MODEL with ulite on MicroPython (its unix port by default) and print its "
            "outputs: raw and dequantized (with the output's scale and zero point), and the "
            "top scores, named with --labels. --out also writes them to an .npz file (out0, "
            "out1, ... with the model's dtypes and shapes). Inputs are .npy files, one per "
            "model input, in order, with exactly the model's dtype and shape."
        ),
        epilog="example: python -m host_tools infer hello_world_int8.tflite --input x.npy",
    )
    p.add_argument("model", help=".tflite file")
    arguments.inputs_and_outputs(p)
    p.add_argument(
        "--heap",
        help="MicroPython heap for ulite, besides the model bytes (which live in flash on a "
        "board); default: the model's arena + %dk; the ARM board's is fixed (about %d bytes)"
        % (BESIDES_ARENA // 1024, arm.HEAP_BYTES),
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
    if args.out:
        check_out(args.out)
    if args.on == "arm" and args.heap:
        raise UserError(
            "--heap: the ARM board's heap is fixed (about %d bytes); leave --heap out"
            % arm.HEAP_BYTES
        )
    if args.loops == "thumb" and args.on != "arm":
        raise UserError("--loops thumb needs an ARM core: add --on arm")
    labels = read_labels(args.labels) if args.labels else None
    inputs = load_inputs(args.input)
    heap = parse_size(args.heap) if args.heap else None
    outputs, report = infer(args.model, inputs, heap, args.loops, args.on)
    quantization = [(meta["scale"], meta["zero_point"]) for meta in report["outputs"]]
    for line in lines(outputs, quantization, labels, args.top):
        print(line)
    if args.out:
        save_outputs(args.out, outputs)
        print("wrote %s" % args.out)
    invoke_us = report["invoke_us"][0]
    if args.on == "arm":  # the board's clock advances 1 ns per instruction (host_tools/qemu.py)
        invoke = "%.2f M instructions" % (invoke_us / 1000)
    else:
        invoke = "%.2f ms" % (invoke_us / 1000)
    print(
        "invoke %s; arena %d bytes; heap %d bytes"
        % (invoke, report["arena_bytes"], report["heap_bytes"])
    )
