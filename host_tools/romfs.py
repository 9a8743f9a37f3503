"""ROMFS images (MicroPython's read-only, memory-mapped filesystem) with aligned file data.

A file in ROMFS is read in place: `memoryview(open(path, 'rb'))` on the board points into
the partition, so a model stored there costs no heap. Its bytes should then sit where a
model frozen in flash would: at an aligned address (TFLM aligns a flatbuffer's buffers to
16 bytes from its start), as an ARMv6-M core cannot load a word from any other.
mpremote's image writer puts file data wherever the records end; this one keeps the
directory records first and the file data after them, every file at a multiple of ALIGN.

The format (micropython extmod/vfs_rom.c): records of varuint kind, varuint payload length,
payload. The image is one filesystem record holding directory records (name, then nested
records) and file records (name, then a data record). A data pointer record gives a file's
size and offset from the start of the filesystem's payload; a padding record's payload is
skipped, so it holds the data. A varuint may be padded with leading 0x80 bytes: offsets and
lengths written at a fixed width make the records' size independent of their values.
"""

FILESYSTEM = 0x14A6B1  # encodes as b"\xd2\xcd\x31": "RM1" with the high bits set
PADDING = 1
DATA_POINTER = 3
DIRECTORY = 4
FILE = 5
ALIGN = 16
FIXED = 4  # bytes of a fixed-width varuint: values below 2**28


def varuint(value, width=None):
    """`value` as a big-endian base-128 varuint, padded to `width` bytes if given."""
    encoded = [value & 0x7F]
    value >>= 7
    while value:
        encoded.insert(0, 0x80 | (value & 0x7F))
        value >>= 7
    if width is not None:
        if len(encoded) > width:
            raise ValueError("ROMFS image too large")
        encoded[:0] = [0x80] * (width - len(encoded))
    return bytes(encoded)


def record(kind, payload, width=None):
    return varuint(kind) + varuint(len(payload), width) + payload


def named(kind, name, payload):
    encoded = name.encode()
    return record(kind, varuint(len(encoded)) + encoded + payload)


def tree(files):
    """{"a/b/c.bin": data} -> {"a": {"b": {"c.bin": "a/b/c.bin"}}} (leaves: the paths)."""
    root = {}
    for path in files:
        *dirs, name = path.split("/")
        node = root
        for d in dirs:
            node = node.setdefault(d, {})
            if not isinstance(node, dict):
                raise ValueError("%s: %s is a file" % (path, d))
        node[name] = path
    return root


def records(node, files, offsets):
    """The directory and file records of `node`; file data by pointer (offsets[path])."""
    out = b""
    for name, child in sorted(node.items()):
        if isinstance(child, dict):
            out += named(DIRECTORY, name, records(child, files, offsets))
        else:
            size, offset = len(files[child]), offsets.get(child, 0)
            pointer = varuint(size, FIXED) + varuint(offset, FIXED)
            out += named(FILE, name, record(DATA_POINTER, pointer))
    return out


def image(files):
    """A ROMFS image holding {"dir/name": bytes}, every file's data at a multiple of
    ALIGN bytes from the start of the image (so of the partition, which is aligned).
    Paths given the same bytes object share one copy of the data."""
    root = tree(files)
    header = len(varuint(FILESYSTEM)) + FIXED  # where the payload, and offsets, start
    listing = records(root, files, {})
    data_start = len(listing) + len(varuint(PADDING)) + FIXED
    offsets, placed, blob = {}, {}, bytearray()  # placed: id(data) -> offset, stored once
    for path, data in files.items():
        if id(data) not in placed:
            blob += bytes(-(header + data_start + len(blob)) % ALIGN)
            placed[id(data)] = data_start + len(blob)
            blob += data
        offsets[path] = placed[id(data)]
    payload = records(root, files, offsets)
    assert len(payload) == len(listing)
    payload += record(PADDING, bytes(blob), FIXED)
    if (header + len(payload)) % 2:  # the image's size must be even
        payload += record(PADDING, b"\0")
    return varuint(FILESYSTEM) + varuint(len(payload), FIXED) + payload
