"""`bench`: ulite on MicroPython next to TFLM's interpreter, same model, same inputs, one run;
or (--board rp2040) the instructions counted on the ARM board beside the RP2040 estimate."""

import json
import time
from pathlib import Path

from .. import runtime_heap
from ..benchmark import bench_model, markdown, per_op_table, write_section
from ..errors import UserError
from ..paths import check_file


def add_parser(commands):
    p = commands.add_parser(
        "bench",
        help="time ulite against TFLM on the same model and inputs",
        description=(
            "Run MODEL with ulite on MicroPython's unix port (viper loops, and the plain-Python "
            "fallback) and with TFLM's own interpreter (the tflite-micro package) on the same "
            "seeded inputs, in one run. Reports median ms per invoke, their ratio, arena bytes "
            "next to TFLM's, and the peak MicroPython heap ulite needs beyond its arena and the "
            "model bytes (the least free heap in which it constructs and runs, found by search)."
        ),
    )
    p.add_argument("model", nargs="*", help=".tflite file(s)")
    p.add_argument("--runs", type=int, default=20, help="timed invokes per runtime (median reported)")
    p.add_argument("--fallback-runs", type=int, default=1, help="timed invokes of the plain-Python fallback")
    p.add_argument("--json", action="store_true", help="one JSON object per model")
    p.add_argument("--per-op", action="store_true", help="time and share per operator type")
    p.add_argument("--markdown", metavar="FILE", help="write a BENCHMARKS.md-style table to FILE")
    p.add_argument(
        "--board",
        help="rp2040 (the one board measured): instead, the time per invoke there (Cortex-M0+ at 133 MHz, Thumb "
        "backend): instructions counted on the ARM board (qemu-system-arm; thumb and viper loops) "
        "at the Cortex-M0+ cycles per instruction of each part, beside the estimate made without "
        "a board (assembler kernels in an emulator, the rest from figures measured on the board: "
        "host_tools/rp2040/estimate.py)",
    )
    p.add_argument(
        "--runtime-heap",
        metavar="FILE",
        help="instead, measure the heap each runtime module takes on the ARM board (from ROMFS "
        "and from a filesystem), the table `inspect --board` reads, and write it to FILE "
        "(`make bench`: boards/runtime_heap.json)",
    )
    p.add_argument(
        "--startup",
        action="store_true",
        help="instead, time to first inference and heap: import and construction counted on "
        "the ARM board (from convert's module and from the raw .tflite), and construction "
        "on this machine's unix port beside TFLM's",
    )
    p.add_argument(
        "--frozen",
        metavar="MICROPYTHON_DIR",
        help="with --startup: on the ARM board only, with firmware built in this MicroPython "
        "checkout (arm-none-eabi-gcc needed) with ulite and the model frozen in, from the "
        "manifest `convert --board qemu-arm` writes",
    )
    p.set_defaults(run=run)


def run_board(args):
    from ..rp2040 import estimate, report

    estimator = estimate.Estimator()
    results = []
    for model in args.model:
        check_file(model, "model")
        r = report.run(Path(model), estimator)
        results.append(r)
        if args.json:
            print(json.dumps({k: v for k, v in r.items() if k != "ops" or args.per_op}))
        else:
            print("\n".join(report.text(r, args.per_op)))
    if args.markdown:
        write_section(args.markdown, "rp2040", report.markdown(results, report.PUBLISHED))
        if args.per_op:
            tables = ["#### %s\n\n%s" % (r["model"], report.markdown_ops(r)) for r in results]
            write_section(args.markdown, "rp2040-ops", "\n\n".join(tables))


def run_startup(args):
    from .. import frozen_firmware, startup

    if args.frozen:
        frozen_firmware.check(args.frozen)
    board_rows, unix_rows = [], []
    for model in args.model:
        check_file(model, "model")
        b = startup.board(model, args.frozen)
        u = None if args.frozen else startup.unix(model)
        board_rows.append(b)
        unix_rows.append(u)
        if args.json:
            print(json.dumps({"board": b, "unix": u}))
            continue
        m = startup.millions
        print(
            "%s: board%s: import ulite %s, construct %s (module) / %s (raw), invoke %s, "
            "held %d B beyond the %d-byte arena (raw: %s), peak %s"
            % (b["model"], " (frozen)" if args.frozen else "", m(b["import_ulite"]),
               m(b["construct"]), m(b["construct_raw"]), m(b["invoke"]), b["held_heap"],
               b["arena"], b.get("held_heap_raw", "out of heap"), b["peak_heap"])
            + ("" if u is None else "; unix: %.2f / %.2f ms, TFLM %.2f ms"
               % (u["module_ms"], u["raw_ms"], u["tflm_ms"]))
        )  # fmt: skip
    if args.markdown and args.frozen:
        write_section(args.markdown, "startup-frozen", "\n".join(startup.board_table(board_rows)))
    elif args.markdown:
        write_section(args.markdown, "startup", startup.markdown(board_rows, unix_rows))


def run(args):
    if args.runtime_heap:
        table = runtime_heap.measure()
        runtime_heap.write(table, Path(args.runtime_heap))
        print("%s: the heap of ulite's modules on %s" % (args.runtime_heap, table["measured_on"]))
        return
    if not args.model:
        raise UserError("give the model(s) to bench (see `bench --help`)")
    if args.board is not None and args.board != "rp2040":
        raise UserError(
            "bench --board %s: only rp2040 is measured (its Thumb code, counted on the ARM "
            "board); without --board, bench times ulite on this machine's MicroPython"
            % args.board
        )
    if args.frozen and not args.startup:
        raise UserError("--frozen goes with --startup (the time to first inference)")
    if args.board:
        return run_board(args)
    if args.startup:
        return run_startup(args)
    results = []
    for model in args.model:
        r = bench_model(model, args.runs, args.fallback_runs)
        results.append(r)
        if args.json:
            print(json.dumps({k: v for k, v in r.items() if k != "profile"}))
            continue
        print(
            "%s: ulite %.2f ms, TFLM %.2f ms, ratio %.2f; arena %d B (TFLM total %s, head %s); heap overhead %d B; fallback %s ms"
            % (r["model"], r["ulite_ms"], r["tflm_ms"], r["ratio"], r["arena_bytes"], r["tflm_arena_total"], r["tflm_arena_head"], r["heap_overhead_bytes"], r["fallback_ms"])
        )
        if args.per_op:
            print("\n".join(per_op_table(r["profile"])))
    if args.markdown:
        lines, machine = markdown(results)
        measured = "Measured by `make bench` on %s, %s." % (machine, time.strftime("%Y-%m-%d"))
        write_section(args.markdown, "unix", measured + "\n\n" + "\n".join(lines))
