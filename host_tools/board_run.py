"""A flashed model run on a board through its REPL, with ulite's public API (the `run`
command, and `demo`)."""

import base64

import numpy as np

from .board_link import BoardError, BoardLink
from .errors import UserError

INVOKE_TIMEOUT = 600  # seconds a board may stay silent while it loads a model or invokes
# Inputs go in small pieces: once a model is loaded, the board's heap is mostly arena and
# interpreter objects, and what is free is in small blocks (vww_96_int8 on the ARM board:
# 35 KB free, none of it in a block above 880 bytes). Each piece needs a block for its
# base64 text and one for its bytes, and each exec one for its compiled code.
INPUT_CHUNK = 192  # input bytes per statement (256 characters of base64)
INPUT_EXEC_TEXT = 2048  # characters of code per exec


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
    has invoke_us (per case, measured on the board), arena_bytes, heap_free and
    quantization ((scale, zero_point) of each output).
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
            for j, (shape, dtype, _, _) in enumerate(meta["outputs"]):
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
        "quantization": [(scale, zero_point) for _, _, scale, zero_point in meta["outputs"]],
    }
    return outputs, report

