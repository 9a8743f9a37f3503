"""What construction derives, computed ahead of time and kept in the model itself.

`python -m host_tools convert` runs ulite's own construction on the host and stores what
it found in a TFLM-style metadata entry (name NAME, its data in one of the model's
buffers; TFLM and other readers ignore it): the arena plan, each op's arena requests, the
bytes the kernels' prepare wrote into the arena's tables (per-channel multipliers, shifts,
init values, lookup tables, reordered weights, loop geometries), and the loop functions its
ops run, and each op's prepared call (fn, args) where convert could record it. The
interpreter then skips the checks, the planning and the derivations, copies the tables into
the arena, and loads those loops right after allocating the arena (their machine code needs
blocks of heap in one piece: easiest found before the ops' objects); an op with a recorded
call needs neither its kernel module nor its graph node: on a board, importing the kernels
and reading the ops cost more than the rest of the construction.

The entry is used only if it was made for this runtime (FORMAT) and the model has not
changed since: its CRC-32 of the model's bytes outside the entry's data must match.
Otherwise the interpreter derives everything, and says why (Interpreter.precomputed).

The entry's data, little-endian: HEADER (format, crc32, tensor count, op count, planned
bytes, activation bytes, table bytes, shared int bytes, state tensor count, loop names
bytes, call bytes), then an int32 arena offset per tensor (-1: not planned), OP_FIELDS
arrays of an int32 per op (scratch offset, scratch bytes, table bytes, offset and bytes of
its shared ints: -1 and 0 for none, state bytes), the state tensors' indices, the
tensors' rows (model.TensorRows: where the model holds their shapes, data and
quantization, so a board reads tensors without walking the flatbuffer), the tables and
shared ints as they lie after the planned part of the arena, the loop names
(space-separated) and the ops' calls (ulite/layouts/calls.py). The ops' state follows the
shared ints in the arena, zeroed: the entry holds only its size.
"""

import struct

from .model import TENSOR_FIELDS, TensorRows
from .plan import Plan

NAME = "ulite_prepared"
# Bump when a kernel changes what it writes into its tables, asks of the arena or passes
# its loops, or the planner's rules change: entries of other formats are not used.
FORMAT = 9
HEADER = "<2I9i"
HEADER_BYTES = 44
OP_FIELDS = 6


def read(model):
    """(Plan, None) from the entry of `model` (a Model), with its tables in plan.tables,
    its loop names in plan.loops and where its calls lie in plan.calls; or (None, why not)
    if it has no entry (why: None) or one this runtime cannot use."""
    index = model.metadata.get(NAME)
    if index is None:
        return None, None
    start, count = model.buffer_span(index, "metadata " + NAME)
    buf = model.fb.buf
    if count < HEADER_BYTES:
        return None, "its precomputed entry is damaged"
    header = struct.unpack_from(HEADER, buf, start)
    fmt, crc, tensors, ops, planned, activations, tables, shared, states, names, calls = header
    if fmt != FORMAT:
        return None, "it was converted for another ulite (format %d, this one reads %d)" % (
            fmt, FORMAT)  # fmt: skip
    pos = start + HEADER_BYTES
    tail = pos + 4 * (tensors + OP_FIELDS * ops + states + TENSOR_FIELDS * tensors)
    end = tail + tables + shared
    whole = end + names + calls == start + count
    if (tensors, ops) != (model.tensor_count, model.op_count) or not whole:
        return None, "its precomputed entry is damaged"
    try:
        from binascii import crc32
    except ImportError:
        return None, "this port has no binascii.crc32 to check its precomputed entry"
    if crc32(buf[start + count :], crc32(buf[:start])) != crc:  # all but the entry's data
        return None, "it changed since convert precomputed its tables"
    offsets = struct.unpack_from("<%di" % tensors, buf, pos)
    pos += 4 * tensors
    per_op = []  # OP_FIELDS arrays of one int32 per op
    for _ in range(OP_FIELDS):
        per_op.append(struct.unpack_from("<%di" % ops, buf, pos))
        pos += 4 * ops
    scratch_offsets, scratch_bytes, table_bytes, int_offsets, int_bytes, state_bytes = per_op
    variables = list(struct.unpack_from("<%di" % states, buf, pos))
    model.tensor_rows = TensorRows(tensors, buf, pos + 4 * states)
    requests = (scratch_bytes, table_bytes, int_offsets, int_bytes, shared, state_bytes)
    persistent = tables + shared + sum(state_bytes)
    plan = Plan(model, offsets, scratch_offsets, planned, activations, persistent, variables, requests)
    plan.tables = buf[tail:end]
    plan.loops = str(bytes(buf[end : end + names]), "utf-8").split()
    plan.calls = (end + names, calls)  # (position, bytes): read by ulite.calls
    return plan, None

