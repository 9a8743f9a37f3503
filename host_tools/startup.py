"""Time to first inference and heap (`bench --startup`): ulite on the ARM board, and on the
unix port beside TFLM's own interpreter.

ARM board (host_tools/qemu.py, instructions counted by QEMU): one boot per model with the
runtime as armv6m .mpy, the model module `convert --board rp2040` writes and the raw .tflite
in ROMFS. `import ulite`, `import MODEL` and `ulite.Interpreter(MODEL.MODEL)` (the
interpreter allocates its arena; the module's tables and plan were precomputed by convert),
one invoke; after a soft reset, a construction from the raw .tflite (read in place, into an
arena reserved first).
Heap: what ulite's modules and the interpreter hold after the first construction beyond
the arena and the model module (and after the raw construction, beyond its arena), and the
peak: the least free heap (after `import ulite` and the model module) in which the first
construction succeeds, arena included, found by search with the rest of the heap filled.

Frozen (`--frozen MICROPYTHON_DIR`): the same on firmware built in that checkout with the
manifest `convert --board qemu-arm` writes (host_tools/frozen_firmware.py): the runtime and
the model module frozen in flash, only the raw .tflite in ROMFS.

Unix port (viper loops, the runtime as .mpy, the port's default 2 MB heap unless the model
needs more): construction time from the converted module's bytes and from the raw .tflite,
beside TFLM's `Interpreter.from_bytes` (the tflite-micro package, its 4 MB arena as `bench`
gives it) on the same machine. Each is the least of several rounds taken in turn (a shared
machine's load only ever adds time, and it moves between rounds).
"""

import ast
import tempfile
import time
from pathlib import Path

from . import benchmark, boards, frozen_firmware, micropython, prepared, qemu, romfs, runtime
from .board_link import BoardLink
from .conversion import convert
from .micropython import reports
from .paths import DEVICE_DIR

DEVICE_SCRIPT = DEVICE_DIR / "startup.py"
UNIX_SCRIPT = DEVICE_DIR / "construct_times.py"
PEAK_STEP = 512
TIMEOUT = 600
UNIX_HEAP = 2 << 20  # the unix port's default


def _image(model_path, tmp):
    """(ROMFS image path, module name): runtime in lib/, NAME.mpy and NAME.tflite at the root."""
    board = boards.load("rp2040")
    converted = convert(model_path, board, out_dir=Path(tmp) / "out")
    name = converted["name"]
    files = {path: local.read_bytes() for path, local in runtime.build(board).items()}
    files[name + ".mpy"] = (converted["out"] / (name + ".mpy")).read_bytes()
    files[name + ".tflite"] = Path(model_path).read_bytes()
    image = Path(tmp) / "startup.romfs"
    image.write_bytes(romfs.image(files))
    return image, name


def _frozen(model_path, tmp, checkout):
    """(ROMFS image path, module name, firmware): ulite and the model module frozen into
    firmware built in `checkout`, NAME.tflite alone in the image."""
    converted = convert(model_path, boards.load("qemu-arm"), out_dir=Path(tmp) / "out")
    name = converted["name"]
    elf = frozen_firmware.build(checkout, converted["out"] / "manifest.py", Path(tmp) / "build")
    image = Path(tmp) / "startup.romfs"
    image.write_bytes(romfs.image({name + ".tflite": Path(model_path).read_bytes()}))
    return image, name, elf


def _fresh(vm, call):
    """The value `call` prints, run on the board just soft-reset (a heap as after boot)."""
    with BoardLink(vm.port, timeout=TIMEOUT) as link:
        link.exec_file(DEVICE_SCRIPT.name)
        return link.eval_call("print(%s)" % call)


def board(model_path, frozen_in=None):
    """The ARM board's figures for one model (a dict; see the module docstring); with
    `frozen_in` (a MicroPython checkout), on firmware with the runtime frozen in."""
    with tempfile.TemporaryDirectory(prefix="ulite-startup-") as tmp:
        if frozen_in is None:
            (image, name), elf = _image(model_path, tmp), None
        else:
            image, name, elf = _frozen(model_path, tmp, frozen_in)
        with qemu.started(romfs=image, elf=elf) as vm, BoardLink(vm.port, timeout=TIMEOUT) as link:
            link.exec_file(DEVICE_SCRIPT.name)
            result = ast.literal_eval(link.exec("_ul_first_inference(%r)" % name).strip())
        with qemu.started(romfs=image, elf=elf) as vm:
            raw = "_ul_construct_raw(%r, %d)" % ("/rom/%s.tflite" % name, result["arena"])
            result.update(_fresh(vm, raw))
            # less a step: each call's own text (compiled by the REPL) moves the heap a little
            low, high = result["arena"], _fresh(vm, "_ul_available(%r)" % name) - PEAK_STEP
            if not _fresh(vm, "_ul_fits(%r, %d)" % (name, high)):
                result["peak_heap"] = None
            else:
                while high - low > PEAK_STEP:
                    mid = (low + high) // 2
                    if _fresh(vm, "_ul_fits(%r, %d)" % (name, mid)):
                        high = mid
                    else:
                        low = mid
                result["peak_heap"] = high - result["arena"]
    result["model"] = Path(model_path).stem
    return result


def unix(model_path, rounds=5, runs=5):
    """Least construction ms on the unix port (from the converted module's bytes and from
    the raw .tflite) and TFLM's, over `rounds` of `runs` constructions each, in turn."""
    from tflite_micro.python.tflite_micro import runtime as tflm

    data = Path(model_path).read_bytes()
    least = {"module_ms": float("inf"), "raw_ms": float("inf"), "tflm_ms": float("inf")}
    with tempfile.TemporaryDirectory(prefix="ulite-startup-") as tmp:
        lib = benchmark.compiled_runtime()
        raw, converted = Path(tmp) / "raw.tflite", Path(tmp) / "converted.tflite"
        raw.write_bytes(data)
        converted.write_bytes(prepared.precompute(data)[0])
        heap = max(UNIX_HEAP, 3 * len(data) + (1 << 20))
        for _ in range(rounds):
            result = micropython.run("unix", UNIX_SCRIPT, [converted, raw, runs], heap=heap, extra_path=[lib])
            found = reports.reports(result)
            if result.returncode or not found:
                raise RuntimeError((result.stdout + result.stderr).strip())
            for key in ("module_ms", "raw_ms"):
                least[key] = min(least[key], found[-1][key])
            for _ in range(runs):
                start = time.perf_counter()
                tflm.Interpreter.from_bytes(data, arena_size=4 << 20)
                least["tflm_ms"] = min(least["tflm_ms"], (time.perf_counter() - start) * 1000)
    least["model"] = Path(model_path).stem
    return least


def millions(instructions):
    """Instructions as text: 1.2M, or 34k (None: did not fit the heap)."""
    if instructions is None:
        return "out of heap"
    return "%.1fM" % (instructions / 1e6) if instructions >= 1e5 else "%dk" % round(instructions / 1e3)


def board_table(board_rows):
    lines = [
        "| model | import ulite | construct (convert's module) | / invoke | construct (raw .tflite) | / invoke | invoke | import + construct | heap held beyond the arena | peak beyond the arena | heap held beyond the arena (raw) | arena |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in board_rows:
        invoke = max(r["invoke"], 1)
        raw = r["construct_raw"]
        lines.append(
            "| %s | %s | %s | %.2f | %s | %s | %s | %s | %d | %s | %s | %d |"
            % (r["model"], millions(r["import_ulite"]), millions(r["construct"]), r["construct"] / invoke,
               millions(raw), "%.2f" % (raw / invoke) if raw else "-", millions(r["invoke"]),
               millions(r["import_ulite"] + r["construct"]), r["held_heap"],
               r["peak_heap"] if r["peak_heap"] is not None else "more than free",
               r.get("held_heap_raw", "out of heap"), r["arena"])
        )  # fmt: skip
    return lines


def markdown(board_rows, unix_rows):
    lines = board_table(board_rows) + [
        "",
        "| model | ulite ms, convert's module | ulite ms, raw .tflite | TFLM ms | raw / TFLM |",
        "|---|---|---|---|---|",
    ]
    for r in unix_rows:
        lines.append(
            "| %s | %.2f | %.2f | %.2f | %.2f |"
            % (r["model"], r["module_ms"], r["raw_ms"], r["tflm_ms"], r["raw_ms"] / r["tflm_ms"])
        )
    return "\n".join(lines)
