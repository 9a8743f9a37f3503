"""The heap ulite's runtime takes on a 32-bit board, module by module, measured on the ARM
board (device/module_heap.py): imported from ROMFS (only what cannot run in place comes into
RAM, e.g. native code) and from a filesystem (all of it into RAM). `make bench` writes the
table (boards/runtime_heap.json); tests/test_runtime_heap.py checks it against the board.

A model's runtime is the base (`import ulite` and its loop backend's package) plus the
kernel modules its ops import and the loop modules (families) holding the loops it runs,
which the backend imports on first use; each kernel and each family is measured alone
after the base, with the modules it imports, so their sum is an upper bound where they
share a module.
"""

import json

from . import micropython, runtime
from .errors import UserError
from .micropython import reports
from .paths import BOARDS_DIR, DEVICE_DIR, MPY_DIR

TABLE = BOARDS_DIR / "runtime_heap.json"
SCRIPT = DEVICE_DIR / "module_heap.py"
WHERE = ("rom", "filesystem")
MEASURED_ON = "the ARM board (host_tools/qemu.py) with the RP2040's runtime (armv6m .mpy)"


def kernel_modules():
    """Every module of ulite/kernels/."""
    return sorted(
        p.stem for p in (MPY_DIR / "ulite" / "kernels").glob("*.py") if p.stem != "__init__"
    )


def measure(kernels=None):
    """A fresh table: {"runtime_version", "measured_on", "rom": {"base", "kernels": {name:
    bytes}, "loops": {family: bytes}}, "filesystem": {...}}, for `kernels` (default: all) and
    every family of the board's backend, on a board booted for each."""
    kernels = kernel_modules() if kernels is None else list(kernels)
    table = {"runtime_version": runtime.version(), "measured_on": MEASURED_ON}
    for where in WHERE:
        result = micropython.run("arm", SCRIPT, [where, *kernels])
        found = reports.reports(result)
        if result.returncode or not found:
            raise UserError("measuring the runtime's heap failed: %s" % reports.last_line(result))
        table[where] = found[-1]
    return table


def load():
    if not TABLE.is_file():
        raise UserError("no runtime heap table at %s: run `make bench`" % TABLE)
    return json.loads(TABLE.read_text())


def write(table, path=TABLE):
    path.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")


def cost(table, kernels, where, loops=None):
    """Heap bytes of the runtime a model with `kernels` imports, loaded from `where`, with
    the loop families `loops` (None: all of them, an upper bound)."""
    measured = table[where]
    if loops is None:
        loops = measured["loops"]
    missing = sorted(set(kernels) - set(measured["kernels"]))
    missing += sorted(set(loops) - set(measured["loops"]))
    if missing:
        raise UserError(
            "the runtime heap table (%s) has no %s: run `make bench`"
            % (TABLE.name, ", ".join(missing))
        )
    return (
        measured["base"]
        + sum(measured["kernels"][k] for k in kernels)
        + sum(measured["loops"][family] for family in loops)
    )
