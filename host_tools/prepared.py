"""ulite's construction done ahead of time and stored in the model, for `convert`.

ulite itself constructs the model on MicroPython's unix port (device/prepare.py); what it
derived (the arena plan, each op's requests, the kernels' tables, the loops it runs: the
layout is mpy/ulite/prepared.py's) becomes the data of a TFLM-style metadata entry. The
model stays a valid .tflite for TFLM and every other reader, which skip metadata they do
not know; a board skips the work, after checking the entry's CRC-32 of the model's other
bytes.

The entry is added without rebuilding the flatbuffer: a new root table, buffers vector and
metadata vector go in front of the model's own bytes, which move down by a multiple of 16
(every offset in a flatbuffer is relative, so they stay valid, and the buffers keep their
alignment), and the entry's data goes at the end, 16-byte aligned.
"""

import struct
import tempfile
import zlib
from pathlib import Path

from .micropython import reports, unix
from .errors import UserError
from .paths import DEVICE_DIR

DEVICE_SCRIPT = DEVICE_DIR / "prepare.py"
HEADER = 8  # root offset and file identifier
CRC_AT = 4  # the CRC-32's offset in the entry's data (after the format)
MODEL_FIELDS = 8  # version, operator_codes, subgraphs, description, buffers,
#                   metadata_buffer, metadata, signature_defs (schema.fbs)
BUFFERS, METADATA = 4, 6


def precompute(model_bytes):
    """(the model with ulite's precomputed entry, replacing any it had; arena bytes)."""
    model = strip(model_bytes)
    with tempfile.TemporaryDirectory(prefix="ulite-prepare-") as tmp:
        model_path, data_path = Path(tmp) / "model.tflite", Path(tmp) / "entry.bin"
        model_path.write_bytes(model)
        info = _device(model, model_path, data_path)
        first = Path(tmp) / "first.tflite"
        first.write_bytes(with_entry(model, info["name"], data_path.read_bytes()))
        _device(model, "--loops", first, data_path)
        return with_entry(model, info["name"], data_path.read_bytes()), info["arena_bytes"]


def _device(model, *args):
    """Run device/prepare.py on the unix port; returns its JSON line."""
    result = unix.run(DEVICE_SCRIPT, args, heap=3 * len(model) + (4 << 20))
    found = reports.reports(result)
    if result.returncode or not found:
        raise UserError("ulite cannot construct the model: %s" % reports.last_line(result))
    return found[-1]


def _u32(buf, pos):
    return struct.unpack_from("<I", buf, pos)[0]


def _fields(buf, table, count):
    """Absolute positions of a table's fields 0..count-1 (0 where absent)."""
    vtable = table - struct.unpack_from("<i", buf, table)[0]
    size = struct.unpack_from("<H", buf, vtable)[0]
    offsets = [
        struct.unpack_from("<H", buf, vtable + 4 + 2 * i)[0] if 4 + 2 * i < size else 0
        for i in range(count)
    ]
    return [table + offset if offset else 0 for offset in offsets]


def _targets(buf, field):
    """Absolute positions of the tables a vector field points to."""
    if not field:
        return []
    vector = field + _u32(buf, field)
    return [vector + 4 + 4 * i + _u32(buf, vector + 4 + 4 * i) for i in range(_u32(buf, vector))]


def _string(buf, table, field_id):
    pos = _fields(buf, table, field_id + 1)[field_id]
    if not pos:
        return None
    start = pos + _u32(buf, pos)
    return bytes(buf[start + 4 : start + 4 + _u32(buf, start)]).decode()


def _entries(buf):
    """(root fields, buffer tables, metadata tables) of a model."""
    root = _u32(buf, 0)
    fields = _fields(buf, root, MODEL_FIELDS)
    return fields, _targets(buf, fields[BUFFERS]), _targets(buf, fields[METADATA])


def strip(model_bytes, name="ulite_prepared"):
    """The model without a metadata entry `name` that with_entry added (its buffer is the
    last one and its data ends the file), else the model unchanged."""
    fields, buffers, metadata = _entries(model_bytes)
    ours = [m for m in metadata if _string(model_bytes, m, 0) == name]
    if not ours:
        return model_bytes
    index = struct.unpack_from("<I", model_bytes, _fields(model_bytes, ours[0], 2)[1])[0]
    data_field = _fields(model_bytes, buffers[index], 1)[0]
    vector = data_field + _u32(model_bytes, data_field)
    if index != len(buffers) - 1 or vector + 4 + _u32(model_bytes, vector) > len(model_bytes):
        raise UserError("the model's %s entry was not written by convert" % name)
    kept = [m for m in metadata if m not in ours]
    return _rebuilt(model_bytes[:vector], fields, buffers[:-1], kept, None)


def with_entry(model_bytes, name, data):
    """The model with a metadata entry `name` whose buffer holds `data`, whose CRC-32
    field (bytes 4..7) is set to the CRC of every other byte of the result."""
    fields, buffers, metadata = _entries(model_bytes)
    model = _rebuilt(model_bytes, fields, buffers, metadata, (name, len(data)))
    start = len(model) - len(data)
    model = model[:start] + data
    crc = zlib.crc32(model[:start])
    return model[: start + CRC_AT] + struct.pack("<I", crc) + model[start + CRC_AT + 4 :]


class _Head:
    """The bytes put in front of the model's own, with offsets resolved once every
    position is known: a field at `at` pointing to `target` holds target - at."""

    def __init__(self):
        self.data = bytearray()
        self.links = []  # (position of a uoffset, absolute target)

    def pos(self):
        return HEADER + len(self.data)

    def put(self, fmt, *values):
        at = self.pos()
        self.data += struct.pack(fmt, *values)
        return at

    def align(self, n):
        self.data += bytes(-self.pos() % n)

    def link(self, target):
        self.links.append((self.put("<I", 0), target))


def _rebuilt(model_bytes, fields, buffers, metadata, entry):
    """Model bytes with a new root table whose buffers and metadata vectors list `buffers`
    and `metadata` (absolute positions in model_bytes), plus a new buffer and metadata
    entry (name, data length) whose data goes at the end, zeroed, when `entry` is given."""
    head = _Head()
    moved = []  # links to the model's own bytes: their targets move down with them
    present = [bool(f) for f in fields]
    present[BUFFERS] = present[METADATA] = True
    vtable = head.put("<%dH" % (2 + MODEL_FIELDS), 4 + 2 * MODEL_FIELDS, 4 + 4 * MODEL_FIELDS,
                      *[4 + 4 * i if present[i] else 0 for i in range(MODEL_FIELDS)])  # fmt: skip
    head.align(4)
    root = head.put("<i", head.pos() - vtable)
    head.put("<I", _u32(model_bytes, fields[0]) if fields[0] else 0)
    slots = {}
    for i in range(1, MODEL_FIELDS):
        slots[i] = head.put("<I", 0)
        if fields[i] and i not in (BUFFERS, METADATA):
            moved.append((slots[i], fields[i] + _u32(model_bytes, fields[i])))
    vectors = {}
    for i, tables in ((BUFFERS, buffers), (METADATA, metadata)):
        vectors[i] = head.put("<I", len(tables) + (1 if entry else 0))
        head.links.append((slots[i], vectors[i]))
        for table in tables:
            moved.append((head.put("<I", 0), table))
        if entry:
            vectors[i] = head.put("<I", 0)  # the new buffer / metadata table, below
    if entry:
        name, length = entry
        meta_vtable = head.put("<4H", 8, 12, 4, 8)
        head.links.append((vectors[METADATA], head.pos()))
        head.put("<i", head.pos() - meta_vtable)
        name_field = head.put("<I", 0)
        head.put("<I", len(buffers))  # the new buffer's index
        head.links.append((name_field, head.pos()))
        head.put("<I", len(name))
        head.data += name.encode() + b"\0"
        head.align(4)
        buffer_vtable = head.put("<3H", 6, 8, 4)
        head.align(4)
        head.links.append((vectors[BUFFERS], head.pos()))
        head.put("<i", head.pos() - buffer_vtable)
        data_field = head.put("<I", 0)
    head.align(16)
    shift = len(head.data)
    body = bytearray(model_bytes[HEADER:])
    out = bytearray(struct.pack("<I", root) + model_bytes[4:HEADER]) + head.data + body
    if entry:
        out += bytes(-(len(out) + 4) % 16)
        vector = len(out)
        out += struct.pack("<I", length) + bytes(length)
        head.links.append((data_field, vector))
    for at, target in head.links:
        struct.pack_into("<I", out, at, target - at)
    for at, target in moved:
        struct.pack_into("<I", out, at, target + shift - at)
    return bytes(out)
