# Runs on the ARM board (host_tools/micropython/arm.py): the heap ulite's modules take when
# imported, from ROMFS (in place: only what cannot stay in flash, e.g. native code, comes
# into RAM) or from a filesystem (everything loaded into RAM).
# Usage: module_heap.py rom|filesystem KERNEL... ; prints one JSON line:
#   {"base": bytes of `import ulite` and its default loop backend, "kernels": {name: bytes}}
# Each kernel module (ulite/kernels/NAME) is measured alone after the base, then unloaded.
import gc
import io
import json
import sys

import vfs


class LoadedFiles:
    """A filesystem for vfs.mount: the ROMFS files, read into RAM as a filesystem's are
    (a stream, not memory that could be used in place)."""

    def __init__(self, rom):
        self.rom = rom

    def mount(self, readonly, mkfs):
        pass

    def umount(self):
        pass

    def open(self, path, mode):
        with self.rom.open(path, "rb") as f:
            return io.BytesIO(f.read())

    def stat(self, path):
        return self.rom.stat(path)

    def ilistdir(self, path):
        return self.rom.ilistdir(path)


def allocated():
    gc.collect()
    return gc.mem_alloc()


where, kernels = sys.argv[1], sys.argv[2:]
if where == "filesystem":
    vfs.mount(LoadedFiles(vfs.VfsRom(vfs.rom_ioctl(2, 0))), "/loaded")
    sys.path[:] = ["/loaded/lib"]
else:
    sys.path[:] = ["/rom/lib"]
start = allocated()
import ulite  # noqa: E402
from ulite import kernels as package  # noqa: E402

ulite.loops.backend()
base = allocated() - start
costs = {}
for name in kernels:
    loaded = set(sys.modules)
    before = allocated()
    __import__("ulite.kernels." + name)
    costs[name] = allocated() - before
    for module in set(sys.modules) - loaded:
        del sys.modules[module]
    for attribute in [a for a in dir(package) if "ulite.kernels." + a not in sys.modules]:
        if type(getattr(package, attribute)) is type(package):
            delattr(package, attribute)
print(json.dumps({"base": base, "kernels": costs}))
