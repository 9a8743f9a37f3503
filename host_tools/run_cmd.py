"""`run`: run a flashed model on a board through its REPL, with ulite's public API."""

import base64

import numpy as np

from .board_link import BoardError, BoardLink
from .errors import UserError
from .infer import load_inputs

INVOKE_TIMEOUT = 600  # seconds a board may stay silent while it loads a model or invokes
SHOWN_VALUES = 16  # print outputs up to this many values
# Inputs go in small pieces: once a model is loaded, the board's heap is mostly arena and
# interpreter objects, and what is free is in small blocks (vww_96_int8 on the ARM board:
# 35 KB free, none of it in a block above 880 bytes). Each piece needs a block for its
# base64 text and one for its bytes, and each exec one for its compiled code.
INPUT_CHUNK = 192  # input bytes per statement (256 characters of base64)
INPUT_EXEC_TEXT = 2048  # characters of code per exec


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


def _check_inputs(name, given, expected):
    if len(given) != len(expected):
        raise UserError("%s has %d inputs, got %d (--input)" % (name, len(expected), len(given)))
    for i, (a, (shape, dtype)) in enumerate(zip(given, expected)):
        if str(a.dtype) != dtype or tuple(a.shape) != tuple(shape):
            raise UserError(
                "input %d: %s expects %s %s, got %s %s"
                % (i, name, dtype, tuple(shape), a.dtype, a.shape)
            )


def run_cases(port, name, cases):
    """Run each case (a list of input arrays) on the board in one session.

    Returns (outputs, report): outputs[c] is the list of output arrays of case c; report
    has invoke_us (per case, measured on the board), arena_bytes and heap_free.
    """
    with BoardLink(port, timeout=INVOKE_TIMEOUT) as link:
        link.exec_file("run_model.py")
        try:
            meta = link.eval_call("_ul_load(%r)" % name)
        except BoardError as e:
            if "ImportError" in str(e) and "ulite" in str(e):
                raise UserError("ulite is not on the board at %s: flash it first" % port)
            if "ImportError" in str(e) and name in str(e):
                raise UserError("no model %r on the board at %s: flash it first" % (name, port))
            raise
        outputs, invoke_us = [], []
        for arrays in cases:
            _check_inputs(name, arrays, meta["inputs"])
            for i, a in enumerate(arrays):
                data = np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tobytes()
                link.send_b64("_ul_fill", data, i, chunk=INPUT_CHUNK, exec_text=INPUT_EXEC_TEXT)
            invoke_us.append(link.eval_call("_ul_invoke()"))
            results = []
            for j, (shape, dtype) in enumerate(meta["outputs"]):
                text = link.exec("_ul_output(%d)" % j)
                raw = b"".join(base64.b64decode(line) for line in text.split())
                results.append(
                    np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<")).reshape(shape)
                )
            outputs.append(results)
    report = {
        "invoke_us": invoke_us,
        "arena_bytes": meta["arena_bytes"],
        "heap_free": meta["heap_free"],
    }
    return outputs, report


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
