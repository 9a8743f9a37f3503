"""ulite on MicroPython next to TFLM's interpreter, same model, same inputs, one run (the
`bench` command; `bench --board rp2040` is host_tools/rp2040/)."""

import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from . import boards, micropython, runtime
from .errors import UserError
from .micropython import reports
from .paths import DEVICE_DIR, check_file

DEVICE_SCRIPT = DEVICE_DIR / "bench.py"
PEAK_STEP = 512


def compiled_runtime():
    """The runtime as .mpy files for the unix port (as a board runs it, so imports cost no
    compiler heap): the directory to put on its module path."""
    board = boards.load("virtual")
    runtime.build(board)
    return runtime.build_dir(board) / runtime.DEVICE_LIB


def random_inputs(model_bytes):
    """Seeded inputs matching the model's input tensors (dtype and shape from TFLM)."""
    from tflite_micro.python.tflite_micro import runtime as tflm_runtime
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

    interp = tflm_runtime.Interpreter.from_bytes(model_bytes, arena_size=4 << 20)
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
    from tflite_micro.python.tflite_micro import runtime as tflm_runtime

    interp = tflm_runtime.Interpreter.from_bytes(model_bytes, arena_size=4 << 20)
    times = []
    for _ in range(runs + 1):
        for i, x in enumerate(inputs):
            interp.set_input(x, i)  # TFLM reuses input memory: set it before every invoke
        start = time.perf_counter()
        interp.invoke()
        times.append(time.perf_counter() - start)
    arena = recorded_arena(interp)
    return statistics.median(times[1:]) * 1000, arena, np.array(interp.get_output(0)).reshape(-1)


def recorded_arena(interp):
    """TFLM's RecordingMicroAllocator figures of `interp`: whole arena ("total"), planned
    ("head") and persistent ("tail") bytes."""
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


def device(lib, model_path, inputs_path, loops, runs, mode, heap, extra=()):
    """device/bench.py's report (None if it failed) and the run (its CompletedProcess)."""
    args = [model_path, inputs_path, loops, runs, mode] + list(extra)
    result = micropython.run("unix", DEVICE_SCRIPT, args, heap=heap, extra_path=[lib])
    found = reports.reports(result)
    return (found[-1] if found and not result.returncode else None), result


def peak_heap(lib, model_path, inputs_path, heap, arena):
    """Smallest free heap (to PEAK_STEP bytes) in which ulite constructs and runs the model."""
    low, high = 0, 1 << 20
    if device(lib, model_path, inputs_path, "default", 1, "peak", heap, (arena, high))[0] is None:
        raise UserError("%s does not run with %d free bytes of heap" % (model_path, high))
    while high - low > PEAK_STEP:
        mid = (low + high) // 2
        if device(lib, model_path, inputs_path, "default", 1, "peak", heap, (arena, mid))[0] is None:
            low = mid
        else:
            high = mid
    return high


def bench_model(path, runs, fallback_runs):
    path = Path(path)
    check_file(path, "model")
    model_bytes = path.read_bytes()
    inputs = random_inputs(model_bytes)
    tflm_ms, tflm_arena, tflm_out = tflm(model_bytes, inputs, runs)
    lib = compiled_runtime()
    with tempfile.TemporaryDirectory(prefix="ulite-bench-") as tmp:
        inputs_path = Path(tmp) / "inputs.bin"
        inputs_path.write_bytes(b"".join(np.ascontiguousarray(x).tobytes() for x in inputs))
        big_heap = 4 * len(model_bytes) + (8 << 20)
        timed, result = device(lib, path.resolve(), inputs_path, "default", runs, "time", big_heap)
        if timed is None:
            raise UserError("ulite cannot run %s: %s" % (path, reports.last_line(result)))
        fallback, _ = device(lib, path.resolve(), inputs_path, "plain", fallback_runs, "time", big_heap)
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
