"""Run device code on the ARM board (host_tools/qemu.py) as on the unix and WebAssembly ports.

The board is a real MicroPython on a Cortex-M3 running the ARMv6-M runtime an RP2040 runs,
with its `thumb` loop backend (viper glue over `asm_thumb` kernels) by default. Each run
boots it once with a ROMFS image holding the runtime (armv6m .mpy in lib/, compiled by
host_tools/runtime.py), device/host_files.py, and under /host the script, the modules of
`extra_path` and the files it reads, at their host paths. The script runs over the raw
REPL with those files mounted at / (read in place: a model costs no heap); files it writes
come back over the serial port, the fast direction, and are written on the host.

The board's heap is fixed, about 200,000 bytes as on a Pico: `heap` cannot raise it.
"""

import base64
import os
import re
import subprocess
import tempfile
from pathlib import Path

from .. import boards, qemu, romfs, runtime
from ..board_link import BoardLink, BoardTimeout
from ..errors import UserError
from ..paths import DEVICE_DIR

HEAP_BYTES = 200_272  # gc.mem_free() after boot (../shared/firmware/SOURCES.md)
HOST_ROOT = "host"  # where the host's files are in the image
HELPERS = DEVICE_DIR / "host_files.py"
MARK = b"\x1e"  # starts the lines host_files.py sends files and the exit status in
RECORD = re.compile(re.escape(MARK) + rb"(\w+) ?([^\r\n]*)\r?\n")
FAULT = b"HardFault exception caught:"
FAULT_END = b"DFSR.EXTERNAL:"  # the firmware's fault report ends with this line, then halts
FAULT_FLAG = re.compile(rb"(\w+\.\w+): +1")


def absolute(path):
    """The absolute path, ".." taken as written (as device/host_files.py takes it)."""
    return Path(os.path.abspath(path))


def host_files(paths):
    """{image path: bytes} for host files and directories (recursively), under HOST_ROOT at
    their absolute paths, and at their real paths where links make those differ."""
    files = {}
    for path in paths:
        path = absolute(path)
        found = sorted(path.rglob("*")) if path.is_dir() else [path]
        for p in found:
            if p.is_file() and "__pycache__" not in p.parts:
                data = p.read_bytes()
                for name in {p, p.resolve()}:
                    files[HOST_ROOT + name.as_posix()] = data
    return files


def image(script_path, copy_in, extra_path):
    """The ROMFS image for one run: runtime, helpers, and the host files."""
    files = {
        device_path: local.read_bytes()
        for device_path, local in runtime.build(boards.load("rp2040")).items()
    }
    files["lib/host_files.py"] = HELPERS.read_bytes()
    files.update(host_files([script_path, *copy_in, *extra_path]))
    return romfs.image(files)


class Output:
    """What the board prints, as it arrives; stops the wait when it reports a fault."""

    def __init__(self):
        self.data = bytearray()
        self.line_start = 0
        self.fault_at = None

    def __call__(self, data):
        self.data += data
        while True:
            end = self.data.find(b"\n", self.line_start)
            if end < 0:
                return
            line = self.data[self.line_start : end]
            self.line_start = end + 1
            if self.fault_at is None and FAULT in line:
                self.fault_at = end - len(line)
            elif self.fault_at is not None and line.startswith(FAULT_END):
                flags = FAULT_FLAG.findall(self.data[self.fault_at :])
                raise BoardFault("HardFault (%s)" % ", ".join(f.decode() for f in flags))


class BoardFault(Exception):
    pass


def uploads(output, copy_out):
    """Split what the script printed from the files it sent; write those under copy_out
    (others are dropped, as the WebAssembly port drops them). Returns (printed text, exit
    status or None if the script did not end)."""
    allowed = [absolute(p) for p in copy_out]
    printed, status, files, paths = [], None, {}, {}
    last = 0
    for record in RECORD.finditer(output):
        printed.append(output[last : record.start()])
        last = record.end()
        verb, arg = record.group(1).decode(), record.group(2).decode()
        if verb == "exit":
            status = int(arg)
            continue
        number, _, rest = arg.partition(" ")
        if verb == "open":
            paths[number], files[number] = Path(rest), bytearray()
        elif verb == "data":
            files[number] += base64.b64decode(rest)
        elif verb == "close":
            path = paths[number]
            if any(path == d or d in path.parents for d in allowed):
                path.write_bytes(files.pop(number))
    printed.append(output[last:])
    text = b"".join(printed).decode(errors="replace").replace("\r\n", "\n")
    return text, status


def run(script_path, args=(), heap=None, timeout=600, copy_in=(), copy_out=(), extra_path=()):
    """Run a script file on the ARM board; returns the CompletedProcess (text output).

    copy_in: host files or directories the script reads; copy_out: host directories whose
    files it writes (sent back when the script closes them); extra_path: directories put
    before the runtime on the module path. `heap` is ignored: see HEAP_BYTES."""
    script_path = absolute(script_path)
    code = "import host_files\nhost_files.run(%r, %r, %r)\n" % (
        script_path.as_posix(),
        [str(a) for a in args],
        [absolute(p).as_posix() for p in extra_path],
    )
    output = Output()
    with tempfile.NamedTemporaryFile(prefix="ulite-arm-", suffix=".romfs") as f:
        f.write(image(script_path, (*copy_in, *copy_out), extra_path))
        f.flush()
        with qemu.started(romfs=f.name) as board:
            try:
                link = BoardLink(board.port)
                try:
                    errors = link.exec_streaming(code, timeout, output)
                finally:
                    link.close()
            except BoardFault as e:
                raise UserError("the ARM board crashed running %s: %s" % (script_path.name, e))
            except BoardTimeout:
                raise UserError(
                    "the ARM board did not finish %s within %d s" % (script_path.name, timeout)
                )
            except UserError:
                if not board.exits_within(2):
                    raise
                raise UserError(
                    "the ARM board stopped (QEMU exited) running %s: %s"
                    % (script_path.name, last_line(output.data))
                )
    stdout, status = uploads(bytes(output.data), copy_out)
    stderr = errors.decode(errors="replace").replace("\r\n", "\n")
    if status is None:  # an exception ended the script: its traceback is in stderr
        status = 1
    return subprocess.CompletedProcess([script_path, *args], status, stdout, stderr)


def last_line(data):
    lines = bytes(data).decode(errors="replace").strip().splitlines()
    return lines[-1] if lines else "no output"
