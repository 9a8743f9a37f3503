"""`bench`: ulite on MicroPython next to TFLM's interpreter, same model, same inputs, one run."""

import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from . import unix_port
from .errors import UserError
from .paths import MPY_DIR, tool

DEVICE_SCRIPT = Path(__file__).parent / "device" / "bench.py"
PEAK_STEP = 512


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
    p.add_argument("model", nargs="+", help=".tflite file(s)")
    p.add_argument("--runs", type=int, default=20, help="timed invokes per runtime (median reported)")
    p.add_argument("--fallback-runs", type=int, default=1, help="timed invokes of the plain-Python fallback")
    p.add_argument("--json", action="store_true", help="one JSON object per model")
    p.add_argument("--per-op", action="store_true", help="time and share per operator type")
    p.add_argument("--markdown", metavar="FILE", help="write a BENCHMARKS.md-style table to FILE")
    p.add_argument(
        "--board",
        choices=["rp2040"],
        help="instead, the time per invoke on this board (RP2040: Cortex-M0+ at 133 MHz, Thumb "
        "backend): instructions counted on the ARM board (qemu-system-arm; thumb and viper loops) "
        "at the Cortex-M0+ cycles per instruction of each part, beside the estimate made without "
        "a board (assembler kernels in an emulator, the rest from figures measured on the board: "
        "host_tools/rp2040/estimate.py)",
    )
    p.set_defaults(run=run)


def random_inputs(model_bytes):
    """Seeded inputs matching the model's input tensors (dtype and shape from TFLM)."""
    from tflite_micro.python.tflite_micro import runtime

    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

    interp = runtime.Interpreter.from_bytes(model_bytes, arena_size=4 << 20)
    count = schema.Model.GetRootAsModel(model_bytes, 0).Subgraphs(0).InputsLength()
    rng = np.random.default_rng(0)
    inputs = []
    for i in range(count):
        details = interp.get_input_details(i)
        dtype = np.dtype(details["dtype"])
        shape = tuple(details["shape"])
        if dtype.kind == "f":
            inputs.append(rng.normal(0, 1, shape).astype(dtype))
        else:
            info = np.iinfo(dtype)
            inputs.append(rng.integers(info.min, info.max + 1, shape).astype(dtype))
    return inputs


def tflm(model_bytes, inputs, runs):
    """Median ms per invoke and the RecordingMicroAllocator's arena numbers."""
    from tflite_micro.python.tflite_micro import runtime

    interp = runtime.Interpreter.from_bytes(model_bytes, arena_size=4 << 20)
    times = []
    for _ in range(runs + 1):
        for i, x in enumerate(inputs):
            interp.set_input(x, i)  # TFLM reuses input memory: set it before every invoke
        start = time.perf_counter()
        interp.invoke()
        times.append(time.perf_counter() - start)
    arena = _recorded_arena(interp)
    return statistics.median(times[1:]) * 1000, arena, np.array(interp.get_output(0)).reshape(-1)


def _recorded_arena(interp):
    read, write = os.pipe()
    saved = os.dup(2)
    os.dup2(write, 2)
    try:
        interp.print_allocations()
    finally:
        os.dup2(saved, 2)
        os.close(write)
        os.close(saved)
    text = os.read(read, 1 << 20).decode(errors="replace")
    os.close(read)
    arena = {}
    for key in ("total", "head", "tail"):
        for line in text.splitlines():
            if "Arena allocation %s " % key in line:
                arena[key] = int(line.split()[-2])
    return arena


def compiled_runtime(tmp):
    """The runtime as .mpy files (as a board runs it), so imports cost no compiler heap."""
    out = Path(tmp) / "lib"
    for src in MPY_DIR.rglob("*.py"):
        if "thumb" in src.relative_to(MPY_DIR).parts:  # ARM only: no inline assembler for x64
            continue
        dst = out / src.relative_to(MPY_DIR).with_suffix(".mpy")
        dst.parent.mkdir(parents=True, exist_ok=True)
        result = subprocess.run([tool("mpy-cross"), "-march=x64", "-o", str(dst), str(src)], capture_output=True, text=True)
        if result.returncode:
            raise UserError("mpy-cross failed on %s: %s" % (src, result.stderr.strip()))
    return out


def device(lib, model_path, inputs_path, loops, runs, mode, heap, extra=()):
    args = [model_path, inputs_path, loops, runs, mode] + list(extra)
    result = unix_port.run(DEVICE_SCRIPT, args, heap=heap, extra_path=[lib])
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode or not lines:
        return None
    return json.loads(lines[-1])


def peak_heap(lib, model_path, inputs_path, heap, arena):
    """Smallest free heap (to PEAK_STEP bytes) in which ulite constructs and runs the model."""
    low, high = 0, 1 << 20
    if device(lib, model_path, inputs_path, "default", 1, "peak", heap, (arena, high)) is None:
        raise UserError("%s does not run with %d free bytes of heap" % (model_path, high))
    while high - low > PEAK_STEP:
        mid = (low + high) // 2
        if device(lib, model_path, inputs_path, "default", 1, "peak", heap, (arena, mid)) is None:
            low = mid
        else:
            high = mid
    return high


def bench_model(path, runs, fallback_runs):
    path = Path(path)
    if not path.is_file():
        raise UserError("model file not found: %s" % path)
    model_bytes = path.read_bytes()
    inputs = random_inputs(model_bytes)
    tflm_ms, tflm_arena, tflm_out = tflm(model_bytes, inputs, runs)
    with tempfile.TemporaryDirectory(prefix="ulite-bench-") as tmp:
        lib = compiled_runtime(tmp)
        inputs_path = Path(tmp) / "inputs.bin"
        inputs_path.write_bytes(b"".join(np.ascontiguousarray(x).tobytes() for x in inputs))
        big_heap = 4 * len(model_bytes) + (8 << 20)
        timed = device(lib, path.resolve(), inputs_path, "default", runs, "time", big_heap)
        if timed is None:
            result = unix_port.run(DEVICE_SCRIPT, [path.resolve(), inputs_path, "default", 1, "time"], heap=big_heap, extra_path=[lib])
            raise UserError("ulite cannot run %s: %s" % (path, (result.stdout + result.stderr).strip().splitlines()[-1]))
        fallback = device(lib, path.resolve(), inputs_path, "plain", fallback_runs, "time", big_heap)
        peak = peak_heap(lib, path.resolve(), inputs_path, big_heap, timed["arena"])
    ulite_ms = timed["median_us"] / 1000
    same = list(tflm_out.view(np.uint8)[:16]) == timed["output"][: len(tflm_out[:16].view(np.uint8))]
    return {
        "model": path.stem,
        "ulite_ms": round(ulite_ms, 3),
        "tflm_ms": round(tflm_ms, 3),
        "ratio": round(ulite_ms / tflm_ms, 2),
        "arena_bytes": timed["arena"],
        "activation_bytes": timed["activation_bytes"],
        "planned_bytes": timed["planned_bytes"],
        "persistent_bytes": timed["persistent_bytes"],
        "tflm_arena_total": tflm_arena.get("total"),
        "tflm_arena_head": tflm_arena.get("head"),
        "heap_overhead_bytes": peak,
        "steady_heap_bytes": timed["steady_heap"],
        "fallback_ms": round(fallback["median_us"] / 1000, 1) if fallback else None,
        "same_output_as_tflm": same,
        "profile": timed["profile"],
    }


def per_op_table(profile):
    totals = {}
    for name, us in profile:
        totals[name] = totals.get(name, 0) + us
    whole = sum(totals.values()) or 1
    rows = sorted(totals.items(), key=lambda kv: -kv[1])
    return ["    %-22s %9.3f ms %5.1f%%" % (name, us / 1000, 100 * us / whole) for name, us in rows]


def markdown(results):
    import platform

    lines = [
        "| model | ulite ms | TFLM ms | ratio | arena B (planned + tables) | activations B | TFLM arena total / head B | heap overhead B (peak / kept) | fallback ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            "| %s | %.2f | %.2f | %.2f | %d (%d + %d) | %d | %s / %s | %d / %d | %s |"
            % (r["model"], r["ulite_ms"], r["tflm_ms"], r["ratio"], r["arena_bytes"], r["planned_bytes"], r["persistent_bytes"], r["activation_bytes"], r["tflm_arena_total"], r["tflm_arena_head"], r["heap_overhead_bytes"], r["steady_heap_bytes"], r["fallback_ms"])
        )
    machine = "%s, %s, Python %s, %d CPUs" % (platform.machine(), platform.processor() or platform.system(), platform.python_version(), os.cpu_count())
    return lines, machine


def run_board(args):
    from .rp2040 import estimate, report

    estimator = estimate.Estimator()
    results = []
    for model in args.model:
        path = Path(model)
        if not path.is_file():
            raise UserError("model file not found: %s" % path)
        r = report.run(path, estimator)
        results.append(r)
        if args.json:
            print(json.dumps({k: v for k, v in r.items() if k != "ops" or args.per_op}))
        else:
            print("\n".join(report.text(r, args.per_op)))
    if args.markdown:
        write_section(args.markdown, "rp2040", report.markdown(results, PUBLISHED))
        if args.per_op:
            tables = ["#### %s\n\n%s" % (r["model"], report.markdown_ops(r)) for r in results]
            write_section(args.markdown, "rp2040-ops", "\n\n".join(tables))


# Board figures published for these models (../shared/docs/peers.md), beside the estimates.
PUBLISHED = {
    "person_detect": "823 ms, RP2040 one core, TFLM + CMSIS-NN (pico-tflmicro); 587 ms on both cores",
    "vww_96_int8": "1631 ms, RP2040 @133 MHz, TinyMaix; VWW 1869 ms, Cortex-M0+ @64 MHz (Bosch HALE); 600.6 ms, Cortex-M4F @120 MHz (TFLM)",
    "kws_ref_model": "KWS 679 ms, Cortex-M0+ @64 MHz (Bosch HALE); 181.9 ms, Cortex-M4F @120 MHz (TFLM)",
    "ic_resnet8_int8": "IC 1669 ms, Cortex-M0+ @64 MHz (Bosch HALE); 704.3 ms, Cortex-M4F @120 MHz (TFLM)",
    "ad01_int8": "AD: 46.5 ms, Cortex-M0+ @64 MHz (Bosch HALE); 10.05 ms, Cortex-M4F @120 MHz (TFLM)",
}


def run(args):
    if args.board:
        return run_board(args)
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


def write_section(path, name, text):
    """Replace the generated section `name` of a markdown file (between its marker comments),
    keeping the prose around it; a missing file or section is created."""
    start, end = "<!-- bench:%s -->" % name, "<!-- /bench:%s -->" % name
    path = Path(path)
    old = path.read_text() if path.exists() else "# Benchmarks\n"
    block = "%s\n%s\n%s" % (start, text, end)
    if start in old and end in old:
        new = old[: old.index(start)] + block + old[old.index(end) + len(end) :]
    else:
        new = old.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(new)
