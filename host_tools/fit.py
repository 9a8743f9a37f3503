"""Does a model fit a board? Its arena, the runtime it imports and its own bytes, against
the heap the board's firmware leaves free. Where the runtime and the model are kept decides
what comes into the heap:

- "firmware": frozen into custom firmware (convert's manifest.py): code and bytes stay in
  flash, nothing of them comes into the heap;
- "romfs": in a ROMFS partition (convert's NAME.romfs): the model's bytes stay in flash;
  the runtime's native code and module objects come into RAM;
- "filesystem": copied to the board's filesystem (stock firmware): the runtime and the
  model's bytes (its MODEL literal) are loaded into the heap.

The runtime's heap is measured on the ARM board (runtime_heap.py). The interpreter's own
objects (per-op parameters) come on top: a few KB, `bench`'s "heap kept".
"""

from . import runtime_heap

WAYS = ("firmware", "romfs", "filesystem")  # both the runtime and the model kept there
TITLES = {
    "firmware": "frozen into firmware",
    "romfs": "from ROMFS",
    "filesystem": "from the filesystem",
}


def row(board, info, table, runtime, model):
    """The heap a model needs with the runtime kept in `runtime` and the model in `model`
    (each one of WAYS): a dict of where, arena_bytes, runtime_bytes, model_bytes,
    needed_bytes, heap_bytes, fits. `info`: model_info.describe(model, plan=True)."""
    if runtime == "firmware":
        runtime_bytes = 0
    else:
        runtime_bytes = runtime_heap.cost(
            table, info["kernels"], "rom" if runtime == "romfs" else runtime, info["loops"]
        )
    model_bytes = info["model_bytes"] if model == "filesystem" else 0
    needed = info["arena_bytes"] + runtime_bytes + model_bytes
    return {
        "where": runtime if runtime == model else "%s+%s" % (runtime, model),
        "arena_bytes": info["arena_bytes"],
        "runtime_bytes": runtime_bytes,
        "model_bytes": model_bytes,
        "needed_bytes": needed,
        "heap_bytes": board.heap_bytes,
        "fits": needed <= board.heap_bytes,
    }


def fit(board, info, table):
    """row() for each of WAYS, the runtime and the model kept together; the ROMFS row says
    whether the board's stock firmware has a ROMFS partition (stock_romfs)."""
    rows = [row(board, info, table, way, way) for way in WAYS]
    rows[1]["stock_romfs"] = board.romfs_bytes > 0
    return rows


def sum_text(r):
    parts = ["arena %d" % r["arena_bytes"]]
    if r["runtime_bytes"]:
        parts.append("runtime %d" % r["runtime_bytes"])
    if r["model_bytes"]:
        parts.append("model %d" % r["model_bytes"])
    return "%s = %d bytes" % (" + ".join(parts), r["needed_bytes"])


def warning(board, r, where):
    """None if row `r` fits, else a one-line warning with the numbers."""
    if r["fits"]:
        return None
    return "warning: model will not fit %s %s: %s > %d-byte heap" % (
        board.name,
        where,
        sum_text(r),
        board.heap_bytes,
    )


def lines(board, rows):
    """fit()'s rows as text, one line a way."""
    out = [
        "on %s (%s): %d bytes of heap free after boot"
        % (board.name, board.title, board.heap_bytes)
    ]
    for r in rows:
        spare = r["heap_bytes"] - r["needed_bytes"]
        verdict = "fits, %d to spare" % spare if r["fits"] else "does not fit, %d short" % -spare
        line = "  %-22s %s: %s" % (TITLES[r["where"]], sum_text(r), verdict)
        if r.get("stock_romfs") is False:
            line += " (needs firmware with a ROMFS partition)"
        out.append(line)
    out.append(
        "  (runtime: ulite and the kernels this model imports, measured on the ARM board;"
        " the interpreter's own objects come on top)"
    )
    return out
