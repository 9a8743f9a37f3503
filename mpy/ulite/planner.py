"""Static memory plan: tensor lifetimes from operator order, placed in one arena.

Lifetimes follow TFLM's MarkAllocationLifetimes (micro_allocation_info.cc): scopes count
operators from 1, graph inputs live from scope 0, graph outputs to the last scope, and two
buffers conflict when their [first, last] intervals intersect. Placement is TFLM's greedy
first-fit over buffers sorted by decreasing size (greedy_memory_planner.cc), tried with a few
orderings (TFLM's alone above MANY buffers); the smallest plan wins, so the result is never
larger than TFLM's.

Some buffers (a conv's im2col scratch) work with less than they ask for, only slower:
plan_shrinking cuts them to their least where the total would otherwise pass the room it
is given (see Allocator.plan: TFLM's whole arena at the least), then gives each as much as
fits without passing it again.
"""

from .errors import ModelError

ALIGN = 4
MANY = 512  # buffers above which they are placed in order of use


def align(n):
    return (n + ALIGN - 1) & ~(ALIGN - 1)


def lifetimes(tensor_count, graph_inputs, graph_outputs, ops_io, needs_memory):
    """First and last scope of every tensor (-1 where never used).

    ops_io: (input tensor indices, output tensor indices) per operator, -1 for absent inputs.
    needs_memory(t): whether tensor t is an activation (so must be written before it is read).
    """
    first = [-1] * tensor_count
    last = [-1] * tensor_count
    for t in graph_inputs:
        if first[t] == -1:
            first[t] = 0
        last[t] = 0
    scope = 0
    for op_index, (ins, outs) in enumerate(ops_io):
        scope += 1
        for t in ins:
            if t >= 0:
                if first[t] == -1 and needs_memory(t):
                    raise ModelError(
                        "op %d reads tensor %d before any op writes it" % (op_index, t)
                    )
                last[t] = scope
        for t in outs:
            if first[t] == -1:
                first[t] = scope
            last[t] = scope
    for t in graph_outputs:
        if first[t] == -1:
            if needs_memory(t):  # its bytes would be whatever the arena last held there
                raise ModelError("graph output tensor %d is never written by an op" % t)
            first[t] = scope
        last[t] = scope
    return first, last


def _place(order, sizes, first, last, fixed):
    """Greedy first-fit in the given order; returns (offsets, total bytes)."""
    offsets = [0] * len(sizes)
    placed_at = []  # offsets of the buffers placed so far, ascending
    placed = []  # their buffer ids, in the same order
    for b in order:
        if fixed[b] >= 0:
            offset = fixed[b]
        else:
            size = sizes[b]
            offset = 0
            for i in range(len(placed)):
                p = placed[i]
                if first[p] > last[b] or first[b] > last[p]:
                    continue
                if placed_at[i] - offset >= size:
                    break
                end = placed_at[i] + sizes[p]
                if end > offset:
                    offset = end
        offsets[b] = offset
        i = 0
        while i < len(placed) and placed_at[i] <= offset:
            i += 1
        placed_at.insert(i, offset)
        placed.insert(i, b)
    total = 0
    for b in range(len(sizes)):
        end = offsets[b] + sizes[b]
        if end > total:
            total = end
    return offsets, total


def _by_scope(buffers, scope):
    """`buffers` ordered by scope[b] (stable): a counting sort, as MicroPython's sort is
    quadratic on keys already in order, which lifetimes mostly are."""
    if not buffers:
        return []
    low = min([scope[b] for b in buffers])
    starts = [0] * (max([scope[b] for b in buffers]) - low + 2)
    for b in buffers:
        starts[scope[b] - low + 1] += 1
    for i in range(1, len(starts)):
        starts[i] += starts[i - 1]
    ordered = [0] * len(buffers)
    for b in buffers:
        k = scope[b] - low
        ordered[starts[k]] = b
        starts[k] += 1
    return ordered


def _place_in_time(sizes, first, last, fixed):
    """Buffers in order of first use, each at the lowest free offset where it fits; freed
    after its last use. Pinned buffers keep their offsets
    for the whole run. Returns (offsets, total bytes)."""
    count = len(sizes)
    offsets = [0] * count
    top = 0  # every byte from here up is free
    taken = []  # (start, end) of the pinned buffers
    for b in range(count):
        if fixed[b] >= 0:
            offsets[b] = fixed[b]
            taken.append((fixed[b], fixed[b] + sizes[b]))
            top = max(top, fixed[b] + sizes[b])
    gaps = []  # free (start, end) below top, ascending and apart
    at = 0
    for start, end in sorted(taken):
        if start > at:
            gaps.append((at, start))
        at = max(at, end)
    online = [b for b in range(count) if fixed[b] < 0]
    by_first = _by_scope(online, first)
    by_last = _by_scope(online, last)
    expired = 0  # by_last[:expired] are freed
    for b in by_first:
        while expired < len(by_last) and last[by_last[expired]] < first[b]:
            gone = by_last[expired]
            expired += 1
            start, end = offsets[gone], offsets[gone] + sizes[gone]
            if start == end:
                continue
            i = 0
            while i < len(gaps) and gaps[i][1] < start:
                i += 1
            if i < len(gaps) and gaps[i][1] == start:  # merge with the gap below
                start = gaps.pop(i)[0]
            if i < len(gaps) and gaps[i][0] == end:  # and with the one above
                end = gaps.pop(i)[1]
            if end == top:
                top = start
            else:
                gaps.insert(i, (start, end))
        size = sizes[b]
        for i in range(len(gaps)):
            start, end = gaps[i]
            if end - start >= size:
                offsets[b] = start
                if end - start == size:
                    gaps.pop(i)
                else:
                    gaps[i] = (start + size, end)
                break
        else:
            offsets[b] = top
            top += size
    return offsets, max([offsets[b] + sizes[b] for b in range(count)] or [0])


def plan(sizes, first, last, fixed=None):
    """Arena offsets for buffers with byte `sizes` and lifetimes [first, last].

    fixed[b] >= 0 pins buffer b at that offset (TFLM offline plans). Returns (offsets, total).
    """
    return _plan(sizes, first, last, fixed)[:2]


def _plan(sizes, first, last, fixed=None, only=None):
    """plan(), and the index of the ordering whose placement won (None above MANY
    buffers); only: try that ordering alone."""
    count = len(sizes)
    sizes = [align(s) for s in sizes]
    if fixed is None:
        fixed = [-1] * count
    if count > MANY:
        best = _place_in_time(sizes, first, last, fixed)
        if max(fixed) >= 0:  # the model's own offsets (placing in time never overlaps)
            check(best[0], sizes, first, last)
        return best + (None,)
    pinned = [b for b in range(count) if fixed[b] >= 0]
    free = [b for b in range(count) if fixed[b] < 0]
    # Sort keys as single ints (buffer ids below `count`, first scopes in [low, low + scopes)),
    # each computed once: a key tuple per comparison would churn the heap while planning.
    low = min(first) if count else 0
    scopes = max(first) - low + 1 if count else 1
    orderings = (
        # TFLM: decreasing size, ties broken towards the higher buffer id.
        lambda b: -(sizes[b] * count + b),
        # Decreasing size, ties broken towards the earlier-created buffer.
        lambda b: (first[b] - low - sizes[b] * scopes) * count + b,
        # Longest-lived and largest first: the buffers hardest to fit go down first.
        lambda b: -(last[b] - first[b] + 1) * sizes[b] * count + b,
    )
    best = None
    for i, key in enumerate(orderings):
        if only is not None and i != only:
            continue
        keys = [key(b) for b in range(count)]
        order = pinned + sorted(free, key=lambda b: keys[b])
        result = _place(order, sizes, first, last, fixed)
        if best is None or result[1] < best[1]:
            best = result + (i,)
    check(best[0], sizes, first, last)
    return best


def peak(sizes, first, last):
    """The most bytes alive at once: no plan is smaller."""
    changes = [0] * (max(last) + 2)
    for b in range(len(sizes)):
        changes[first[b]] += align(sizes[b])
        changes[last[b] + 1] -= align(sizes[b])
    peak = alive = 0
    for change in changes:
        alive += change
        peak = max(peak, alive)
    return peak


def plan_shrinking(sizes, least, first, last, fixed=None, room=None):
    """plan() of buffers that each work with any size from least[b] up to sizes[b].

    Returns (offsets, total, granted bytes). The plan of the full sizes, unless its total
    passes `room` (None: any total) and cutting every shrinkable buffer to its least
    lowers it: in place (where they were on top), or placed anew by the same ordering
    (where a buffer above one held the top; tried only where the least sizes' peak is
    lower). Cut, the total is the lowest reached, or `room` if that is more; each cut
    buffer is then moved to the lowest place where its full size fits under the total,
    or else given the largest room it can find there.
    """
    offsets, total, ordering = _plan(sizes, first, last, fixed)
    granted = [align(s) for s in sizes]
    shrinkable = [b for b in range(len(sizes)) if align(least[b]) < granted[b]]
    if not shrinkable or (room is not None and total <= room):
        return offsets, total, granted
    wanted = granted
    granted = list(granted)
    for b in shrinkable:
        granted[b] = align(least[b])
    lowered = max([offsets[b] + granted[b] for b in range(len(sizes))])
    if peak(granted, first, last) < lowered:
        replanned, replanned_total, _ = _plan(granted, first, last, fixed, ordering)
        if replanned_total < lowered:
            offsets, lowered = replanned, replanned_total
    if lowered == total:  # cutting them gains nothing
        return offsets, total, wanted
    total = lowered if room is None else max(lowered, room)
    for b in shrinkable:
        offsets[b], granted[b] = _widest_room(b, wanted[b], offsets, granted, first, last, total)
    return offsets, total, granted


def _widest_room(b, size, offsets, sizes, first, last, total):
    """(offset, bytes) for buffer b below `total` among the others as placed: the lowest
    gap of `size` bytes or more, else the largest (b's own place is one, so it never has
    less than now)."""
    taken = sorted(
        [
            (offsets[p], offsets[p] + sizes[p])
            for p in range(len(sizes))
            if p != b and sizes[p] and not (first[p] > last[b] or first[b] > last[p])
        ]
    )
    taken.append((total, total))
    best = (offsets[b], sizes[b])
    at = 0
    for start, end in taken:
        if start - at >= size:
            return at, size
        if start - at > best[1]:
            best = (at, start - at)
        at = max(at, end)
    return best


def check(offsets, sizes, first, last):
    """Raise ModelError if two buffers that are alive at the same time share bytes."""
    order = sorted(range(len(sizes)), key=lambda b: offsets[b])
    for i, a in enumerate(order):
        end = offsets[a] + sizes[a]
        for b in order[i + 1 :]:
            if offsets[b] >= end:
                break
            if sizes[a] and sizes[b] and not (first[a] > last[b] or first[b] > last[a]):
                raise ModelError(
                    "memory plan overlaps buffers %d and %d (offsets %d, %d) while both are live"
                    % (a, b, offsets[a], offsets[b])
                )
