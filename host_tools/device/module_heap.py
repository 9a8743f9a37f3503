# Runs on the ARM board (host_tools/micropython/arm.py): the heap ulite's modules take when
# imported, from ROMFS (in place: only what cannot stay in flash, e.g. native code, comes
# into RAM) or from a filesystem (everything loaded into RAM).
# Usage: module_heap.py rom|filesystem KERNEL... ; prints one JSON line:
#   {"base": bytes of `import ulite`, its default loop backend's package and the kernels'
#    common module,
#    "kernels": {name: bytes}, "loops": {family: bytes}}
# Each kernel module (ulite/kernels/NAME) and each module of the backend's FAMILIES (the
# loops, imported on first use) is measured alone after the base, then unloaded.
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
import ulite.kernels.common  # noqa: E402  (what every kernel imports)

backend = ulite.loops.backend()
base = allocated() - start


def unload(names):
    for name in names:
        del sys.modules[name]
        owner, _, child = name.rpartition(".")
        if owner in sys.modules and child in sys.modules[owner].__dict__:
            delattr(sys.modules[owner], child)


def alone(module):
    """Heap bytes of importing `module` (and what it imports), which is then unloaded."""
    loaded = set(sys.modules)
    before = allocated()
    __import__(module)
    cost = allocated() - before
    unload(set(sys.modules) - loaded)
    return cost


costs = {name: alone("ulite.kernels." + name) for name in kernels}
loaded = set(sys.modules)
families = sorted(set(backend.FAMILIES.values()))
unload(set(sys.modules) - loaded)  # thumb's table imports viper's: each family measures it
loops = {family: alone("ulite.loops." + family) for family in families}
print(json.dumps({"base": base, "kernels": costs, "loops": loops}))
