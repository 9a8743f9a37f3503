"""`run`: run a flashed model on a board through its REPL, with ulite's public API."""

import numpy as np

from ..arrays import load_inputs
from ..board_run import run_cases

SHOWN_VALUES = 16  # print outputs up to this many values


def add_parser(commands):
    p = commands.add_parser(
        "run",
        help="run a flashed model on a board and fetch its outputs",
        description=(
            "After a soft reset of the board on DEV, import ulite and the model module NAME "
            "(put there by `flash`), send each input over the REPL, run "
            "`ulite.Interpreter(NAME.MODEL)` on the board, and print the outputs and the "
            "invoke time the board measured (time.ticks_us). Inputs are .npy files, one per "
            "model input, in order, with exactly the model's dtype and shape; --out writes "
            "the outputs to an .npz (out0, out1, ...) as `infer` does."
        ),
        epilog="example: python -m host_tools run --port /dev/ttyACM0 --name model --input x.npy",
    )
    p.add_argument("--port", required=True, metavar="DEV", help="serial device of the board")
    p.add_argument("--name", required=True, help="model module on the board")
    p.add_argument(
        "--input",
        action="append",
        default=[],
        metavar="X.npy",
        help="one per model input, in order",
    )
    p.add_argument("--out", metavar="OUT.npz", help="write the outputs here")
    p.set_defaults(run=run)


def run(args):
    outputs, report = run_cases(args.port, args.name, [load_inputs(args.input)])
    for j, a in enumerate(outputs[0]):
        values = (
            (" " + np.array2string(a.reshape(-1), separator=", "))
            if a.size <= SHOWN_VALUES
            else ""
        )
        print("out%d %s %s%s" % (j, a.dtype, a.shape, values))
    if args.out:
        np.savez(args.out, **{"out%d" % j: a for j, a in enumerate(outputs[0])})
        print("wrote %s" % args.out)
    print(
        "invoke %.2f ms on the board; arena %d bytes, %d bytes of heap free after loading"
        % (report["invoke_us"][0] / 1000, report["arena_bytes"], report["heap_free"])
    )
