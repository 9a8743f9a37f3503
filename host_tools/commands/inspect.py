"""`inspect`: what a model contains and what it needs from ulite (asked of ulite itself);
with --board, whether it fits that board, and with --plan, its memory plan."""

import json

from .. import boards, fit, memory_plan, runtime_heap
from ..model_info import describe, named


def add_parser(commands):
    p = commands.add_parser(
        "inspect",
        help="show a model's inputs, outputs, ops, arena size, fit on a board, memory plan",
        description=(
            "Describe MODEL as ulite sees it: inputs and outputs with quantization, an op "
            "histogram, the ops ulite cannot run, and the arena bytes its memory plan needs "
            "next to the model size. The model is parsed by ulite itself, on MicroPython. "
            "--board B says whether the model fits B three ways: frozen into custom firmware, "
            "from a ROMFS partition, and from the filesystem of stock firmware, counting the "
            "heap of the runtime modules this model imports (measured on the ARM board, a "
            "32-bit MicroPython). --plan prints the memory plan: each tensor's and scratch "
            "buffer's offset, bytes, first and last op, and a picture of the arena op by op."
        ),
        epilog="example: python -m host_tools inspect person_detect.tflite --board rp2040 --plan",
    )
    p.add_argument("model", help=".tflite file")
    p.add_argument("--board", help="say whether it fits this board: " + ", ".join(boards.names()))
    p.add_argument("--plan", action="store_true", help="print the memory plan")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a report")
    p.set_defaults(run=run)


def _tensor_line(kind, i, t):
    name, shape, dtype, scale, zero_point = t
    quant = " scale %.6g zero_point %d" % (scale, zero_point) if scale else ""
    return "  %s %d: %s %s %s%s" % (kind, i, name, dtype, tuple(shape), quant)


def run(args):
    board = boards.load(args.board) if args.board else None
    info = describe(args.model, plan=bool(board or args.plan))
    rows = fit.fit(board, info, runtime_heap.load()) if board else None
    if args.json:
        report = named(info)
        if not args.plan:
            report.pop("plan", None)
        if rows:
            report["fit"] = {"board": board.name, "ways": rows}
        print(json.dumps(report))
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
        print(
            "arena: at least %d bytes for activations (model %d bytes)"
            % (info["arena_bytes"], info["model_bytes"])
        )
    else:
        print("unsupported ops: none")
        print(
            "arena: %d bytes (model %d bytes, stays in flash)"
            % (info["arena_bytes"], info["model_bytes"])
        )
    if rows:
        print("\n".join(fit.lines(board, rows)))
    if args.plan:
        print("memory plan:")
        print("\n".join(memory_plan.table(info["plan"])))
        print("the arena while each op runs:")
        print("\n".join(memory_plan.picture(info["plan"])))
