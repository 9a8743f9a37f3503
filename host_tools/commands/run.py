"""`run`: run a flashed model on a board through its REPL, with ulite's public API."""

from ..arrays import check_out, load_inputs, save_outputs
from ..board_run import run_cases
from ..results import lines, read_labels
from . import arguments


def add_parser(commands):
    p = commands.add_parser(
        "run",
        help="run a flashed model on a board and fetch its outputs",
        description=(
            "After a soft reset of the board on DEV, import ulite and the model module NAME "
            "(put there by `flash`), send each input over the REPL, run "
            "`ulite.Interpreter(NAME.MODEL)` on the board, and print the outputs (raw, "
            "dequantized, and the top scores, named with --labels) and the invoke time the "
            "board measured (time.ticks_us). Inputs are .npy files, one per model input, in "
            "order, with exactly the model's dtype and shape; --out writes the outputs to an "
            ".npz (out0, out1, ...) as `infer` does."
        ),
        epilog="example: python -m host_tools run --port /dev/ttyACM0 --name model --input x.npy",
    )
    p.add_argument("--port", required=True, metavar="DEV", help="serial device of the board")
    p.add_argument("--name", required=True, help="model module on the board")
    arguments.inputs_and_outputs(p)
    p.set_defaults(run=run)


def run(args):
    if args.out:
        check_out(args.out)
    labels = read_labels(args.labels) if args.labels else None
    outputs, report = run_cases(args.port, args.name, [load_inputs(args.input)])
    for line in lines(outputs[0], report["quantization"], labels, args.top):
        print(line)
    if args.out:
        save_outputs(args.out, outputs[0])
        print("wrote %s" % args.out)
    print(
        "invoke %.2f ms on the board; arena %d bytes, %d bytes of heap free after loading"
        % (report["invoke_us"][0] / 1000, report["arena_bytes"], report["heap_free"])
    )
