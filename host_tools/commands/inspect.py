"""`inspect`: what a model contains and what it needs from ulite (asked of ulite itself)."""

import json

from ..model_info import describe


def add_parser(commands):
    p = commands.add_parser(
        "inspect",
        help="show a model's inputs, outputs, ops, unsupported ops and arena size",
        description=(
            "Describe MODEL as ulite sees it: inputs and outputs with quantization, an op "
            "histogram, the ops ulite cannot run, and the arena bytes its memory plan needs "
            "next to the model size. The model is parsed by ulite itself, on MicroPython."
        ),
    )
    p.add_argument("model", help=".tflite file")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a report")
    p.set_defaults(run=run)


def _tensor_line(kind, i, t):
    name, shape, dtype, scale, zero_point = t
    quant = " scale %.6g zero_point %d" % (scale, zero_point) if scale else ""
    return "  %s %d: %s %s %s%s" % (kind, i, name, dtype, tuple(shape), quant)


def run(args):
    info = describe(args.model)
    if args.json:
        print(json.dumps(info))
        return
    print("%s: %d bytes" % (args.model, info["model_bytes"]))
    for i, t in enumerate(info["inputs"]):
        print(_tensor_line("input", i, t))
    for i, t in enumerate(info["outputs"]):
        print(_tensor_line("output", i, t))
    print("ops:")
    for name, count in info["ops"]:
        print("  %-28s %d" % (name, count))
    if info["unsupported"]:
        print("unsupported ops: " + ", ".join(info["unsupported"]))
        print("arena: at least %d bytes for activations (model %d bytes)" % (info["arena_bytes"], info["model_bytes"]))
    else:
        print("unsupported ops: none")
        print("arena: %d bytes (model %d bytes, stays in flash)" % (info["arena_bytes"], info["model_bytes"]))
