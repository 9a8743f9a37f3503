"""The unix-port virtual board (`vboard`): MicroPython's unix port behind a pseudo-terminal.

(`vboard --board qemu-arm` runs the ARM board under QEMU instead: host_tools/qemu_vboard.py.)

The unix port already speaks MicroPython's REPL protocols (friendly REPL, raw REPL,
raw-paste). This proxy sits between the terminal a client opens (mpremote, `flash`, `run`,
a serial terminal) and a `micropython` child running on a second terminal, and adds what a
board does that a unix process does not:

- soft reset (Ctrl-D at an empty prompt, sys.exit()): the child exits; we print
  "MPY: soft reboot", start a new child and, if the raw REPL was active, enter it again, so
  plain `mpremote` commands work without `resume`;
- Ctrl-C interrupts running code: the child's terminal generates SIGINT for it while code
  runs (the unix port turns signals on while executing and off while reading input);
- no lost input: the unix port flushes unread input whenever it switches its terminal
  between reading and executing, so we hand it input one command at a time, and only while
  it is blocked reading its terminal;
- the board's memory, as one of two firmwares (FIRMWARES). "custom": firmware with ulite
  and the models frozen in (the way convert's manifest.py builds it, and the only way a
  model like person_detect fits an RP2040), so the runtime's code and the model bytes cost
  no heap: the child gets a heap large enough for them, imports the model modules and the
  ulite runtime in its /lib at boot, then holds back a ballast so that what is left free is
  the board's heap figure, to the byte. "stock": the firmware a board ships with, nothing
  preloaded: the board's heap figure is free at boot, and importing the runtime and the
  model from the filesystem takes from it (with 64-bit objects here: more than a board's).

Its filesystem is a scratch directory: the child's working directory, with lib/ on
sys.path as /lib is on a board. It is not a sandbox: absolute paths reach the host.
"""

import fcntl
import os
import platform
import pty
import re
import select
import shutil
import struct
import subprocess
import tempfile
import termios
import tty
from pathlib import Path

from . import processes
from .architectures import runs_module
from .errors import UserError
from .paths import DEVICE_DIR, tool

MODEL_MARK = b"ulite-model-"  # in every model module convert writes (its FORMAT string)
FRIENDLY_BANNER_END = b'Type "help()" for more information.\r\n>>> '
RAW_BANNER = b"raw REPL; CTRL-B to exit\r\n"
SOFT_REBOOT = b"MPY: soft reboot\r\n"
CTRL_C = 3
# The first thing the child prints: MicroPython runs, and turns SIGINT into KeyboardInterrupt.
# (Before, SIGINT would kill the Python process that hosts it.) An OSC escape, never shown.
RUNNING = b"\x1b]ulite-vboard\x07"
LONE_NEWLINE = re.compile(rb"(?<!\r)\n")
# Blocked in read(0, ...): the syscall number of read, by machine.
FIRMWARES = ("custom", "stock")
READ_SYSCALL = {"x86_64": "0", "aarch64": "63"}.get(platform.machine())
# What the unix port allocates before its REPL runs; a board's heap figure (gc.mem_free() at
# its REPL) already leaves out its own.
STARTUP_BYTES = 2432
OUTPUT_HIGH_WATER = 256 * 1024  # stop reading the child while this much waits for a client
HEAP_HELPER = (DEVICE_DIR / "heap.py").read_text()

# The child's -c program runs three files in turn, so that the code of each is garbage by
# the time the next runs: the free heap left after boot is then the board's, to a KB.
BOOT = """
import gc, os, sys
print(%r, end="")
for _f in %r:
    exec(open(_f).read())
"""
BOOT_IMPORTS = """
for _m in %r:  # model modules and the runtime: frozen on the board, in place at boot
    try:
        __import__(_m)
    except BaseException as _e:
        sys.print_exception(_e)
"""
BOOT_HEAP = """%s
_ballast = leave_free(%d)  # the board's heap, free and in one piece
del leave_free
"""
BOOT_FILES = """
for _f in %r:
    try:
        os.stat(_f)
    except OSError:
        continue
    try:
        exec(open(_f).read())
    except BaseException as _e:
        sys.print_exception(_e)
"""


def _nonblocking(fd):
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)


def runtime_modules(fs_dir):
    """Names of the ulite modules in the board's /lib, to import at boot as frozen ones."""
    lib = Path(fs_dir) / "lib"
    names = []
    for path in sorted((lib / "ulite").rglob("*.*py")) if (lib / "ulite").is_dir() else ():
        parts = path.relative_to(lib).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if runs_module("host", parts):
            names.append(".".join(parts))
    return names


def model_modules(fs_dir):
    """{module name: .mpy size} of the model modules at the top of the board's filesystem."""
    found = {}
    for path in sorted(Path(fs_dir).glob("*.mpy")):
        data = path.read_bytes()
        if MODEL_MARK in data:
            found[path.stem] = len(data)
    return found


class VirtualBoard:
    def __init__(self, board, fs_dir, firmware="custom"):
        self.board = board
        self.firmware = firmware
        self.fs_dir = Path(fs_dir)
        self.private_dir = tempfile.mkdtemp(prefix="ulite-vboard-boot-")  # outside its filesystem
        (self.fs_dir / "lib").mkdir(parents=True, exist_ok=True)
        self.user_fd, self.user_slave = pty.openpty()  # clients open the slave's path
        tty.setraw(self.user_slave)
        _nonblocking(self.user_fd)
        self.path = os.ttyname(self.user_slave)
        self.child = None
        self.child_fd = self.child_slave = None
        self.to_child = bytearray()  # client input the child has not been given yet
        self.to_user = bytearray()  # child output the client has not read yet
        self.raw = False  # is the child in its raw REPL?
        self.booting = False  # swallowing the friendly banner of a restart into raw mode
        self.last_out = b""  # the last byte given to the client
        self.failed_boots = 0  # children in a row that exited before their REPL started

    def start(self):
        self.spawn(["boot.py", "main.py"])

    def preloaded(self):
        """The runtime's modules in /lib that boot imports, as custom firmware has them."""
        return runtime_modules(self.fs_dir) if self.firmware == "custom" else []

    def heap(self, models):
        """-X heapsize for the board's heap plus what boot imports: the model modules and
        the runtime (its code takes a few times its .mpy size on the 64-bit unix port); the
        ballast at boot then trims the free heap to the board's figure."""
        files = (self.fs_dir / "lib").rglob("*.*py") if self.preloaded() else ()
        runtime = sum(p.stat().st_size for p in files)
        usable = STARTUP_BYTES + self.board.heap_bytes + sum(models.values()) + 4 * runtime
        return -(-usable * 256 // 253) + (64 << 10)

    def boot_programs(self, models, boot_files):
        """Write the boot steps to the board's private directory; their paths, in order."""
        steps = (
            BOOT_IMPORTS % (list(models) + self.preloaded()),
            BOOT_HEAP % (HEAP_HELPER, self.board.heap_bytes),
            BOOT_FILES % (boot_files,),
        )
        paths = []
        for i, text in enumerate(steps):
            path = Path(self.private_dir) / ("boot%d.py" % i)
            path.write_text(text)
            paths.append(str(path))
        return paths

    def spawn(self, boot_files):
        models = model_modules(self.fs_dir) if self.firmware == "custom" else {}
        master, slave = pty.openpty()
        tty.setraw(slave)
        attrs = termios.tcgetattr(slave)
        # The unix port restores these settings while running code: let Ctrl-C raise SIGINT
        # then, without flushing input.
        attrs[3] |= termios.ISIG | termios.NOFLSH
        termios.tcsetattr(slave, termios.TCSANOW, attrs)
        env = dict(os.environ)
        env["MICROPYPATH"] = ":.frozen:%s" % (self.fs_dir / "lib")
        env["ULITE_VBOARD"] = self.board.name
        env["ULITE_VBOARD_FIRMWARE"] = self.firmware
        self.child = subprocess.Popen(
            [
                tool("micropython"),
                "-X",
                "heapsize=%d" % self.heap(models),
                "-i",
                "-c",
                BOOT % (RUNNING.decode(), self.boot_programs(models, boot_files)),
            ],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=self.fs_dir,
            env=env,
            start_new_session=True,
            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
        )
        _nonblocking(master)
        self.child_fd, self.child_slave = master, slave
        self.awaiting_read = False  # gave the child a command; wait until it reads again
        self.running = False  # has it printed RUNNING?
        self.repl_started = False  # has it printed a REPL banner?
        self.early_output = bytearray()  # what it printed before RUNNING
        self.boot_output = bytearray()  # what it printed while booting
        self.tail = b""  # the end of its output, for banners split across reads

    def stop_child(self):
        if self.child:
            processes.stop(self.child, 2)
        for fd in (self.child_fd, self.child_slave):
            if fd is not None:
                os.close(fd)
        self.child_fd = self.child_slave = None

    def soft_reset(self):
        """The child exited: start the next one, back in the raw REPL if it was there."""
        self.drain_child()
        self.stop_child()
        # Exiting before its REPL started twice in a row is a crash, not a stray interrupt:
        # starting it again would crash again.
        self.failed_boots = 0 if self.repl_started else self.failed_boots + 1
        if self.failed_boots == 2:
            output = self.boot_output or self.early_output or self.tail
            last = (bytes(output).strip().splitlines() or [b"no output"])[-1]
            raise UserError("MicroPython exited before its REPL started: %s" % last.decode())
        self.to_user += SOFT_REBOOT
        if self.raw:
            self.booting = True
            self.spawn(["boot.py"])  # a board runs main.py only for the friendly REPL
        else:
            self.spawn(["boot.py", "main.py"])

    def close(self):
        self.stop_child()
        os.close(self.user_fd)
        os.close(self.user_slave)
        shutil.rmtree(self.private_dir, ignore_errors=True)

    # child -> client

    def drain_child(self):
        while self.child_fd is not None:
            try:
                data = os.read(self.child_fd, 65536)
            except (BlockingIOError, OSError):
                return
            if not data:
                return
            self.from_child(data)

    def from_child(self, data):
        if not self.running:
            self.early_output += data
            at = self.early_output.find(RUNNING)
            if at < 0:
                return
            self.running = True
            data = bytes(self.early_output[:at] + self.early_output[at + len(RUNNING) :])
        seen = self.tail + data
        raw_at = seen.rfind(RAW_BANNER)
        friendly_at = seen.rfind(FRIENDLY_BANNER_END)
        if max(raw_at, friendly_at) >= 0:
            self.raw = raw_at > friendly_at
            self.repl_started = True
        self.tail = seen[-64:]
        if not self.booting:
            self.to_user += self.cooked(data)
            return
        self.boot_output += data
        end = self.boot_output.find(FRIENDLY_BANNER_END)
        if end >= 0:
            # Show what boot.py printed, not the friendly banner, and enter the raw REPL.
            banner = self.boot_output.rfind(b"MicroPython ", 0, end)
            self.to_user += self.cooked(self.boot_output[: max(banner, 0)])
            self.to_user += self.cooked(self.boot_output[end + len(FRIENDLY_BANNER_END) :])
            self.booting = False
            self.raw = True
            self.to_child[:0] = b"\x01"

    def cooked(self, data):
        """A board prints "\r\n" for "\n", as a terminal needs; the unix port does not."""
        text = LONE_NEWLINE.sub(b"\r\n", data)
        if data[:1] == b"\n" and self.last_out == b"\r":
            text = text[1:]  # the "\r" ended the previous read
        if data:
            self.last_out = data[-1:]
        return text

    # client -> child

    def executing(self):
        """True while the child runs code: its terminal then turns Ctrl-C into SIGINT."""
        return bool(termios.tcgetattr(self.child_slave)[3] & termios.ISIG)

    def reading(self):
        """True when the child is blocked reading its terminal and has read all input."""
        unread = struct.unpack("i", fcntl.ioctl(self.child_slave, termios.TIOCINQ, b"\0" * 4))[0]
        if unread:
            return False
        if READ_SYSCALL is None:
            return not self.executing()
        try:
            with open("/proc/%d/syscall" % self.child.pid) as f:
                fields = f.read().split()
        except OSError:
            return not self.executing()
        return fields[:2] == [READ_SYSCALL, "0x0"]

    def from_user(self, data):
        if CTRL_C in data and self.running and not self.booting and self.executing():
            os.write(self.child_fd, b"\x03")  # SIGINT now, as a board's UART interrupt does
            data = data.replace(b"\x03", b"")
        self.to_child += data

    def command_end(self):
        """Index just past the first byte that may make the child run code or reset."""
        ends = b"\x04" if self.raw else b"\r\n\x04"
        positions = [self.to_child.find(bytes([c])) for c in ends]
        found = [p for p in positions if p >= 0]
        return min(found) + 1 if found else len(self.to_child)

    def feed_child(self):
        if not self.to_child or self.booting:
            return
        if self.awaiting_read or self.executing():
            # Either the last command may still be running, or code runs (and may be
            # blocked in input()): give input only to a child blocked reading it.
            if not self.reading():
                return
            self.awaiting_read = False
        end = self.command_end()
        try:
            written = os.write(self.child_fd, self.to_child[:end])
        except BlockingIOError:
            return
        if written == end and end and self.to_child[end - 1] in b"\r\n\x04":
            self.awaiting_read = True
        del self.to_child[:written]

    def flush_user(self):
        while self.to_user:
            try:
                written = os.write(self.user_fd, self.to_user)
            except BlockingIOError:
                return
            del self.to_user[:written]

    def serve(self):
        while True:
            readers = [self.user_fd]
            if len(self.to_user) < OUTPUT_HIGH_WATER:
                readers.append(self.child_fd)
            writers = [self.user_fd] if self.to_user else []
            timeout = 0.002 if self.to_child else 0.2
            ready, writable, _ = select.select(readers, writers, [], timeout)
            if self.user_fd in ready:
                try:
                    self.from_user(os.read(self.user_fd, 65536))
                except BlockingIOError:
                    pass
            if self.child_fd in ready:
                self.drain_child()
            if self.child.poll() is not None:
                self.soft_reset()
            self.feed_child()
            if writable or self.to_user:
                self.flush_user()

