# Runs on the ARM board, sent over the raw REPL by host_tools/startup.py: the time to first
# inference and the heap of one model, from a freshly booted board. Names start with _ul_
# (the REPL's globals). Instructions are board microseconds x 1000 (QEMU's -icount).
import gc
import sys
import time


def _ul_free():
    gc.collect()
    return gc.mem_free()


def _ul_since(start):
    return time.ticks_diff(time.ticks_us(), start) * 1000


def _ul_first_inference(name):
    """Import ulite and the model module `name`, construct (the interpreter allocates the
    arena), invoke. Prints one dict."""
    r = {"boot_free": _ul_free()}
    start = time.ticks_us()
    import ulite

    r["import_ulite"] = _ul_since(start)
    r["ulite_heap"] = r["boot_free"] - _ul_free()
    free = _ul_free()
    start = time.ticks_us()
    module = __import__(name)
    r["import_model"] = _ul_since(start)
    r["model_heap"] = free - _ul_free()
    start = time.ticks_us()
    interp = ulite.Interpreter(module.MODEL)
    r["construct"] = _ul_since(start)
    r["precomputed"] = interp.precomputed is True
    r["arena"] = len(interp.arena)
    r["held_heap"] = r["boot_free"] - _ul_free() - r["model_heap"] - r["arena"]
    start = time.ticks_us()
    interp.invoke()
    r["invoke"] = _ul_since(start)
    print(repr(r))


def _ul_construct_raw(tflite, arena_bytes):
    """Instructions of `import ulite` and a construction from the raw .tflite file `tflite`
    (read in place from ROMFS) into an arena reserved first (construct_raw None, and
    raw_error, if the heap does not hold it), and the heap it holds beyond the arena."""
    boot_free = _ul_free()
    arena = bytearray(arena_bytes)
    raw = memoryview(open(tflite, "rb"))
    start = time.ticks_us()
    import ulite

    imported = _ul_since(start)
    start = time.ticks_us()
    try:
        interp = ulite.Interpreter(raw, arena=arena)
    except (ulite.ArenaError, MemoryError) as e:
        return {"construct_raw": None, "import_ulite_raw": imported, "raw_error": str(e)}
    spent = _ul_since(start)
    held = boot_free - _ul_free() - arena_bytes
    return {
        "construct_raw": spent, "import_ulite_raw": imported, "held_heap_raw": held,
        "raw_precomputed": interp.precomputed is True,
    }  # fmt: skip


def _ul_unload():
    """Forget the kernels and loops a construction imported, so the next one loads them."""
    for name in list(sys.modules):
        if name.startswith("ulite.kernels.") or name.count(".") == 3 and name.startswith("ulite.loops."):
            parent, _, child = name.rpartition(".")
            del sys.modules[name]
            try:
                delattr(sys.modules[parent], child)
            except AttributeError:
                pass
    for name in ("thumb", "viper", "plain"):
        backend = sys.modules.get("ulite.loops." + name)
        if backend:
            for function in backend.FAMILIES:
                backend.__dict__.pop(function, None)


def _ul_available(name):
    """The largest heap _ul_fits can leave: the largest block free after the imports."""
    import ulite  # noqa: F401

    __import__(name)
    _ul_unload()
    gc.collect()
    low, high = 0, gc.mem_free()
    while high - low > 256:
        mid = (low + high) // 2
        try:
            bytearray(mid)
            low = mid
        except MemoryError:
            high = mid
        gc.collect()
    return low


def _ul_fits(name, free):
    """Whether `import ulite`, then module `name` and the first construction (its arena
    too) succeed with only `free` bytes of heap left after the imports: the ballast's
    chunks fill the rest, the largest hole taken first."""
    import ulite

    module = __import__(name)
    _ul_unload()
    gc.collect()
    try:
        keep = bytearray(free)  # _ul_available measured it after another boot: may not fit now
    except MemoryError:
        return False
    ballast = []
    size = 4096
    while size >= 16:
        try:
            while True:
                ballast.append(bytearray(size))
        except MemoryError:
            size //= 4
    keep = None
    gc.collect()
    try:
        interp = ulite.Interpreter(module.MODEL)
    except (ulite.ArenaError, MemoryError):
        return False
    finally:
        ballast = None
    interp = None
    return True
