"""The ARM board: MicroPython's bare-metal `qemu` port for an MPS2-AN385 (Cortex-M3), run by QEMU.

It runs the ARMv6-M machine code an RP2040 runs (mpy-cross -march=armv6m), with 32-bit words,
single-precision floats and about 200,000 bytes of free heap, like a Pico. QEMU runs it with
`-icount shift=0`: the board's clock advances 1 ns per instruction executed, so differences
of `time.ticks_us()` on the board times 1000 are instruction counts.

Its serial port is a pseudo-terminal (for mpremote and BoardLink). Its ROMFS partition
(4 MB at 0x21000000, mounted at /rom with /rom and /rom/lib on sys.path) is filled from an
image file when QEMU starts: the firmware cannot write it, so a new image means a restart.

    with started(romfs="model.romfs") as board:
        link = BoardLink(board.port)
"""

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from . import processes
from .errors import UserError
from .paths import SHARED

FIRMWARE = Path(
    os.environ.get("ULITE_ARM_FIRMWARE", SHARED / "firmware" / "micropython-mps2-an385.elf")
)
ROMFS_ADDRESS = 0x21000000
ROMFS_BYTES = 4 << 20
INSTALL_HINT = "install it with `apt-get install -y qemu-system-arm` (Debian/Ubuntu)"
PTY_LINE = re.compile(r"char device redirected to (/dev/pts/\d+)")


def qemu_binary():
    """Path of qemu-system-arm, or UserError saying how to install it."""
    found = shutil.which("qemu-system-arm")
    if not found:
        raise UserError("qemu-system-arm not found: " + INSTALL_HINT)
    return found


def firmware():
    if not FIRMWARE.is_file():
        raise UserError(
            "ARM board firmware not found at %s (set ULITE_ARM_FIRMWARE to its .elf)" % FIRMWARE
        )
    return FIRMWARE


def command(romfs=None, serial="pty", extra=(), elf=None):
    """The QEMU command line that boots the board, with `romfs` (an image file) loaded, its
    UART on `serial` ("pty": QEMU opens a pseudo-terminal; or a terminal device) and `extra`
    QEMU options (e.g. a monitor socket and a log file) added. `elf`: another build of the
    firmware (e.g. with ulite frozen in) instead of the stock one."""
    args = [
        qemu_binary(), "-machine", "mps2-an385", "-nographic", "-monitor", "null",
        "-semihosting", "-serial", serial, "-icount", "shift=0", "-no-reboot",
        "-kernel", str(elf or firmware()),
    ]  # fmt: skip
    if romfs is not None:
        size = Path(romfs).stat().st_size
        if size > ROMFS_BYTES:
            raise UserError(
                "ROMFS image %s is %d bytes; the ARM board's partition holds %d"
                % (romfs, size, ROMFS_BYTES)
            )
        args += ["-device", "loader,file=%s,addr=0x%x,force-raw=on" % (Path(romfs).resolve(), ROMFS_ADDRESS)]
    return args + list(extra)


class Qemu:
    """One QEMU process running the board; `port` is its serial pseudo-terminal. What QEMU
    itself prints goes to a log file, never to a pipe nobody reads.

    `serial`: a terminal device for the board's UART instead, whose other side the caller
    holds open, so that nothing the board prints at boot is lost (QEMU drops what its own
    pseudo-terminal gets before a client opens it). `elf`: the firmware to boot (see
    command)."""

    def __init__(self, romfs=None, timeout=10, serial=None, extra=(), elf=None):
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            command(romfs, serial or "pty", extra, elf),
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.port = serial or self._read_port(timeout)

    def output(self):
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def _read_port(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = PTY_LINE.search(self.output())
            if found:
                return found.group(1)
            if self.process.poll() is not None:
                break
            time.sleep(0.02)
        self.stop()
        last = (self.output().strip().splitlines() or ["no output"])[-1]
        raise UserError("the ARM board (QEMU) did not start: %s" % last)

    def alive(self):
        return self.process.poll() is None

    def exits_within(self, seconds):
        """True if QEMU has exited or does so within `seconds` (a lost serial port may come
        a moment before the process is gone)."""
        try:
            self.process.wait(seconds)
        except subprocess.TimeoutExpired:
            return False
        return True

    def stop(self):
        processes.stop(self.process, 5)


@contextlib.contextmanager
def started(romfs=None, extra=(), elf=None):
    """A running board with `romfs` in its ROMFS partition (and `extra` QEMU options), booted
    from the firmware `elf` (default: the stock one); stopped when the block ends."""
    board = Qemu(romfs, extra=extra, elf=elf)
    try:
        yield board
    finally:
        board.stop()
