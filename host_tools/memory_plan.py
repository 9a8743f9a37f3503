"""A model's memory plan made readable (inspect --plan), as TFLM's print_allocations()
does: where the arena holds each tensor and scratch buffer, and a picture of the arena
over time, an op a line."""

import string

SYMBOLS = string.ascii_letters + string.digits  # one per buffer, reused past 62
WIDTH = 64  # characters of arena per line of the picture


def buffers(plan):
    """Every buffer of the planned part: dicts with symbol, what, offset, bytes, first_op,
    last_op (-1: a graph input; an op's scratch lives during that op)."""
    found = [
        {
            "what": "tensor %d %s" % (t["tensor"], t["name"]),
            **{k: t[k] for k in ("offset", "bytes", "first_op", "last_op")},
        }
        for t in plan["tensors"]
    ]
    found += [
        {
            "what": "op %d scratch" % s["op"],
            "offset": s["offset"],
            "bytes": s["bytes"],
            "first_op": s["op"],
            "last_op": s["op"],
        }
        for s in plan["scratch"]
    ]
    found.sort(key=lambda b: (b["first_op"], b["offset"]))
    for i, b in enumerate(found):
        b["symbol"] = SYMBOLS[i % len(SYMBOLS)]
    return found


def _op(index):
    return "input" if index < 0 else str(index)


def table(plan):
    """Lines: a row per buffer (symbol, offset, bytes, first and last op, what)."""
    out = ["  %s %8s %8s %6s %5s  %s" % (" ", "offset", "bytes", "first", "last", "buffer")]
    for b in buffers(plan):
        out.append(
            "  %s %8d %8d %6s %5s  %s"
            % (
                b["symbol"],
                b["offset"],
                b["bytes"],
                _op(b["first_op"]),
                _op(b["last_op"]),
                b["what"],
            )
        )
    out.append(
        "  planned %d bytes (activations and scratch) + persistent %d (kernels' tables) = arena %d"
        % (plan["planned_bytes"], plan["persistent_bytes"], plan["arena_bytes"])
    )
    return out


def picture(plan, width=WIDTH):
    """Lines: the planned part of the arena (offset 0 at the left, `width` characters) while
    each op runs, a buffer's symbol where it lives, '.' where nothing does."""
    total = max(plan["planned_bytes"], 1)
    found = buffers(plan)
    out = ["  op  |%s| %d bytes" % ("-" * width, plan["planned_bytes"])]
    for op, name in enumerate(plan["op_names"]):
        row = ["."] * width
        for b in found:
            if b["first_op"] <= op <= b["last_op"] and b["bytes"]:
                start = b["offset"] * width // total
                end = max(start + 1, -(-(b["offset"] + b["bytes"]) * width // total))
                row[start:end] = b["symbol"] * (end - start)
        out.append("  %3d |%s| %s" % (op, "".join(row), name))
    return out
