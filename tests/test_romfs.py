"""host_tools.romfs: images MicroPython's VfsRom reads, every file's data aligned.

The image is mounted on the unix port (the same extmod/vfs_rom.c as on boards): files and
directories read back as given, files opened in place sit at multiples of ALIGN from the
image's start, and data given twice is stored once.
"""

import pytest

from host_tools import romfs

READ_BACK = """
import sys, uctypes, vfs
with open(sys.argv[1], "rb") as f:
    image = f.read()
rom = vfs.VfsRom(image)
start = uctypes.addressof(image)
def walk(path):
    for name, kind, _, size in rom.ilistdir(path):
        full = path.rstrip("/") + "/" + name
        if kind == 0x4000:
            walk(full)
        else:
            view = memoryview(rom.open(full, "rb"))
            print(full, size, (uctypes.addressof(view) - start) %% %d, bytes(view).hex())
walk("/")
"""


def test_image_reads_back_aligned(tmp_path, micropython):
    files = {
        "lib/ulite/a.mpy": b"M\x06" + bytes(range(7)),
        "lib/ulite/loops/b.mpy": b"x" * 1000,
        "host/tmp/odd.bin": b"\x01\x02\x03",
        "host/tmp/empty.bin": b"",
        "top.py": b"print(1)\n",
    }
    shared = b"the same bytes object, two paths"
    files["host/work/link/model.tflite"] = files["host/real/model.tflite"] = shared
    image = romfs.image(files)
    assert len(image) % 2 == 0 and image.count(shared) == 1
    (tmp_path / "image.romfs").write_bytes(image)
    out = micropython(READ_BACK % romfs.ALIGN, args=[tmp_path / "image.romfs"])
    read = {}
    for line in out.splitlines():
        path, size, misalignment, *data = line.split()
        read[path.lstrip("/")] = (int(size), int(misalignment), bytes.fromhex(data[0] if data else ""))
    assert read == {path: (len(data), 0, data) for path, data in files.items()}


def test_a_file_cannot_also_be_a_directory():
    with pytest.raises(ValueError, match="lib/x/y.mpy: x is a file"):
        romfs.image({"lib/x": b"", "lib/x/y.mpy": b""})
