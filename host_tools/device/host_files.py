# Runs on the ARM board (see host_tools/micropython/arm.py): a device script there sees the host's
# files at their absolute host paths ("." and ".." taken as written, as os.path.abspath
# takes them). The ROMFS image holds them under /host: reads are served from it, in place
# (memoryview(open(path, "rb")) costs no heap). A file opened for writing goes back to the
# host over stdout as it is written, in lines that start with MARK:
#   MARK open N PATH / MARK data N BASE64 / MARK close N   (N: the upload's number)
# and the script's exit status comes last: MARK exit STATUS. A file written cannot be read
# back in the same run.
import binascii
import sys

import vfs

MARK = "\x1e"
CHUNK = 1536  # bytes per data line (2 KB of base64)
EROFS = 30


class Upload:
    def __init__(self, number, path):
        self.number = number
        self.open = True
        print("%sopen %d %s" % (MARK, number, path))

    def write(self, data):
        if isinstance(data, str):
            data = data.encode()
        view = memoryview(data)
        for start in range(0, len(view), CHUNK):
            text = binascii.b2a_base64(view[start : start + CHUNK], newline=False)
            print("%sdata %d %s" % (MARK, self.number, text.decode()))
        return len(view)

    def flush(self):
        pass

    def close(self):
        if self.open:
            self.open = False
            print("%sclose %d" % (MARK, self.number))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class HostFiles:
    """A filesystem for vfs.mount: `rom` (a VfsRom) below `root` for reading, uploads for
    writing."""

    def __init__(self, rom, root):
        self.rom = rom
        self.root = root
        self.uploads = 0

    def mount(self, readonly, mkfs):
        pass

    def umount(self):
        pass

    def open(self, path, mode):
        if "w" in mode:
            self.uploads += 1
            return Upload(self.uploads, normal(path))
        if "a" in mode or "+" in mode:
            raise OSError(EROFS)
        return self.rom.open(self.root + normal(path), mode)

    def stat(self, path):
        return self.rom.stat(self.root + normal(path))

    def ilistdir(self, path):
        return self.rom.ilistdir(self.root + normal(path))


def normal(path):
    """/a/./b/../c -> /a/c."""
    parts = []
    for part in path.split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part and part != ".":
            parts.append(part)
    return "/" + "/".join(parts)


def exit_status(e):
    code = e.args[0] if e.args else None
    if code is None or isinstance(code, int):
        return code or 0
    print(code)
    return 1


def run(script, argv, path):
    """Run `script` as __main__ with sys.argv = [script] + argv and `path` first on
    sys.path, the host's files mounted at /."""
    vfs.mount(HostFiles(vfs.VfsRom(vfs.rom_ioctl(2, 0)), "/host"), "/")
    sys.argv[:] = [script] + argv
    sys.path[:0] = path
    with open(script) as f:
        code = compile(f.read(), script, "exec")
    status = 0
    try:
        exec(code, {"__name__": "__main__"})
    except SystemExit as e:
        status = exit_status(e)
    print("%sexit %d" % (MARK, status))
