"""`vboard --board qemu-arm`: the ARM board (host_tools/qemu.py) kept running as a board.

MicroPython's bare-metal qemu port on an MPS2-AN385 (Cortex-M3) is a real MicroPython board:
its own REPL, raw REPL, raw-paste and soft reset. (Not Ctrl-C while code runs: the firmware
reads its UART only when it waits for input, ports/qemu/mphalport.c, so a Ctrl-C takes effect
when the running code ends.) This process adds what a board kept plugged in has and QEMU
lacks:

- One device path. Clients open our pseudo-terminal, which stays while QEMU restarts behind
  it; QEMU gets a second one of ours for the board's UART (its own would be new at every
  start, and would drop what the board prints before anyone opens it). A restart is the
  board's hard reset: a client sees its boot banner and friendly prompt.
- A ROMFS image that can change. The firmware cannot write its ROMFS partition (QEMU loads
  the image when it starts), so `flash` hands a new image (convert's NAME.romfs: the model
  module and the runtime) to this process over a control socket, and QEMU restarts with it.
  The image is received whole and checked (size, SHA-256, ROMFS header) before anything
  changes: a deploy cut off anywhere leaves the old image running. The same image again
  deploys nothing.
- Restarts where the board would reboot: machine.reset() makes QEMU exit (`-no-reboot`), and
  QEMU starts again with the same image.
- No busy core while nobody uses it. The firmware polls its UART, so QEMU keeps a host core
  busy even at an idle prompt. While no client has the device open, QEMU is paused (SIGSTOP)
  and resumes when one opens it. The board's clock counts instructions (`-icount`), so the
  pause is invisible on the board: code left running continues when a client comes back.
  What the board prints while no client is connected is dropped, as a UART with nothing
  attached drops it.

The control socket of the board on DEV is control_path(DEV), private to the user. One JSON
line per request and per reply:

    {"op": "status"}  ->  {"board": NAME, "image_sha256": HEX or null, "image_bytes": N,
                           "boots": N (QEMU starts so far), "qemu_pid": PID}
    {"op": "deploy", "bytes": N, "sha256": HEX}, then the N bytes of the image
        ->  the status after it, with "deployed": true (QEMU restarted) or false (same image)
    any failure  ->  {"error": MESSAGE}, and the board as it was
"""

import fcntl
import hashlib
import json
import os
import pty
import select
import shutil
import signal
import socket
import tempfile
import termios
import time
import tty
from pathlib import Path

from . import qemu
from .errors import UserError

MICROPYTHON_BOARD = "MPS2_AN385"  # boards/*.toml with this firmware run under QEMU
ROMFS_HEADER = b"\xd2\xcd\x31"  # how a ROMFS image starts (mpremote.romfs)
FIRST_PROMPT = b'Type "help()" for more information.\r\n>>> '  # the firmware has booted
BOOT_WAIT = 5  # seconds to wait for it (a main.py in ROMFS may run instead)
PAUSE_AFTER = 0.5  # seconds without a client before QEMU is paused
IDLE_TICK = 0.1  # seconds between checks for a client while none is connected
CONTROL_TIMEOUT = 30  # seconds a control client may take to send its request
REPLY_TIMEOUT = 60  # seconds `deploy` waits for the board to restart


def emulates(board):
    """True for a board definition whose firmware this module runs (boards/qemu-arm.toml)."""
    return board.micropython_board == MICROPYTHON_BOARD


def control_path(port):
    """The control socket of the virtual ARM board whose device is `port`."""
    device = os.path.realpath(port).strip("/").replace("/", "-")
    return Path(tempfile.gettempdir()) / ("ulite-vboard-%d" % os.getuid()) / (device + ".sock")


# client side: `flash`


def request(port, header, payload=b""):
    """Send one request to the control socket of the board on `port`; its reply (UserError
    for an error reply), or None when `port` is not a virtual ARM board."""
    with socket.socket(socket.AF_UNIX) as conn:
        conn.settimeout(REPLY_TIMEOUT)
        try:
            conn.connect(str(control_path(port)))
        except OSError:
            return None
        try:
            try:
                conn.sendall(json.dumps(header).encode() + b"\n" + payload)
            except BrokenPipeError:
                pass  # it refused the request before reading all of it: its reply says why
            line = conn.makefile("rb").readline()
        except OSError as e:
            raise UserError("lost the virtual ARM board on %s: %s" % (port, e.strerror or e))
    if not line:
        raise UserError("lost the virtual ARM board on %s: no reply" % port)
    reply = json.loads(line)
    if "error" in reply:
        raise UserError("the virtual ARM board on %s: %s" % (port, reply["error"]))
    return reply


def status(port):
    """What the virtual ARM board on `port` runs (see the module's doc), or None when
    `port` is not one."""
    return request(port, {"op": "status"})


def deploy(port, image):
    """Restart the virtual ARM board on `port` with the ROMFS image `image` (bytes), unless
    it already runs it; returns its status, with "deployed"."""
    header = {"op": "deploy", "bytes": len(image), "sha256": hashlib.sha256(image).hexdigest()}
    reply = request(port, header, image)
    if reply is None:
        raise UserError("%s is not a virtual ARM board (`vboard --board qemu-arm`)" % port)
    return reply


# server side: `vboard --board qemu-arm`


def _nonblocking(fd):
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)


def _read_all(fd):
    """Everything `fd` (a pseudo-terminal's master) has to read now."""
    data = bytearray()
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EAGAIN: read it all; EIO: nobody holds the other side
            return bytes(data)
        if not chunk:
            return bytes(data)
        data += chunk


def check_size(image_bytes):
    if image_bytes > qemu.ROMFS_BYTES:
        raise UserError(
            "the ROMFS image is %d bytes; the board's partition holds %d"
            % (image_bytes, qemu.ROMFS_BYTES)
        )


def checked_image(data, sha256=None):
    """`data` if it can be the board's ROMFS image, else UserError saying why."""
    if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
        raise UserError("the image's SHA-256 does not match: not deployed")
    check_size(len(data))
    if not data.startswith(ROMFS_HEADER):
        raise UserError("not a ROMFS image (`python -m host_tools convert` writes NAME.romfs)")
    return data


class ArmBoard:
    """The proxy: our pseudo-terminal in front of the board's UART, and the control socket."""

    def __init__(self, board, romfs=None):
        first_image = checked_image(Path(romfs).read_bytes()) if romfs is not None else None
        self.board = board
        self.boots = 0
        self.qemu = None
        self.to_qemu = bytearray()  # client input QEMU has not taken yet
        self.to_user = bytearray()  # board output the client has not read yet
        self.paused = False
        self.client_seen = time.monotonic()
        # The board's UART: QEMU opens the slave at each start; we keep it open too, so that
        # what the board prints waits for us, and the master never hangs up between QEMUs.
        self.uart_fd, self.uart_slave = pty.openpty()
        tty.setraw(self.uart_slave)
        _nonblocking(self.uart_fd)
        self.user_fd, slave = pty.openpty()
        tty.setraw(slave)
        self.path = os.ttyname(slave)
        # Not kept open: the pseudo-terminal hangs up while no client has it open, which
        # is how we know when to pause. Its settings stay while we hold the master.
        os.close(slave)
        _nonblocking(self.user_fd)
        self.hangup = select.poll()
        self.hangup.register(self.user_fd, select.POLLIN)
        self.control = self._listen()
        self.state_dir = Path(tempfile.mkdtemp(prefix="ulite-qemu-arm-"))
        self.image = None  # the ROMFS image QEMU loads (a file in state_dir), or None
        if first_image is not None:
            self.image = self._keep(first_image)

    def _listen(self):
        path = control_path(self.path)
        path.parent.mkdir(mode=0o700, exist_ok=True)
        if path.parent.stat().st_uid != os.getuid():
            raise UserError("%s belongs to another user: remove it" % path.parent)
        # Our pseudo-terminal is ours alone while we run: a socket left at its path is
        # from a board that was killed.
        path.unlink(missing_ok=True)
        control = socket.socket(socket.AF_UNIX)
        control.bind(str(path))
        control.listen()
        control.setblocking(False)
        return control

    def _keep(self, data):
        """Write the image into the state directory whole; its path."""
        path = self.state_dir / (hashlib.sha256(data).hexdigest() + ".romfs")
        part = path.with_suffix(".part")
        part.write_bytes(data)
        os.replace(part, path)
        return path

    def image_sha256(self):
        return self.image.stem if self.image else None

    def status(self):
        return {
            "board": self.board.name,
            "image_sha256": self.image_sha256(),
            "image_bytes": self.image.stat().st_size if self.image else 0,
            "boots": self.boots,
            "qemu_pid": self.qemu.process.pid,
        }

    def start(self):
        termios.tcflush(self.uart_fd, termios.TCIOFLUSH)  # nothing from or for the last QEMU
        self.to_qemu.clear()
        self.qemu = qemu.Qemu(self.image, serial=os.ttyname(self.uart_slave))
        self.boots += 1
        self.paused = False
        self.wait_for_boot()

    def wait_for_boot(self):
        """Until the firmware's first prompt, or BOOT_WAIT seconds; UserError if QEMU exits
        first. What it prints goes to the client, as a board's boot banner does."""
        printed = bytearray()
        deadline = time.monotonic() + BOOT_WAIT
        while not printed.endswith(FIRST_PROMPT) and time.monotonic() < deadline:
            if self.qemu.process.poll() is not None:
                lines = self.qemu.output().strip().splitlines() or ["no output"]
                self.stop_qemu()
                raise UserError("the ARM board (QEMU) stopped as it booted: %s" % lines[-1])
            if select.select([self.uart_fd], [], [], IDLE_TICK)[0]:
                printed += _read_all(self.uart_fd)
        self.to_user += printed

    def stop_qemu(self):
        if self.qemu is None:
            return
        if self.paused:
            self.qemu.process.send_signal(signal.SIGCONT)  # SIGTERM waits until it runs again
        self.qemu.stop()
        self.qemu.log.close()
        self.qemu = None

    def restart(self, image):
        """QEMU again with `image`; with the old image back if the new one fails to boot."""
        old = self.image
        self.stop_qemu()
        self.image = image
        try:
            self.start()
        except UserError:
            self.image = old
            self.start()
            raise

    def close(self):
        self.stop_qemu()
        self.control.close()
        control_path(self.path).unlink(missing_ok=True)
        for fd in (self.user_fd, self.uart_fd, self.uart_slave):
            os.close(fd)
        shutil.rmtree(self.state_dir, ignore_errors=True)

    # the control socket

    def answer(self):
        try:
            conn, _ = self.control.accept()
        except BlockingIOError:
            return
        with conn:
            conn.settimeout(CONTROL_TIMEOUT)
            try:
                reader = conn.makefile("rb")
                reply = self.handle(json.loads(reader.readline(4096)), reader)
            except (OSError, ValueError, KeyError, TypeError, UserError) as e:
                if self.qemu is None:  # it did not start again with the old image either
                    raise
                reply = {"error": str(e)}
            try:
                conn.sendall(json.dumps(reply).encode() + b"\n")
            except OSError:
                pass  # the client left; nothing changed for it to know about

    def handle(self, request, reader):
        if request["op"] == "status":
            return self.status()
        if request["op"] != "deploy":
            raise UserError("unknown request %r" % request["op"])
        size = int(request["bytes"])
        check_size(size)
        data = reader.read(size)
        if len(data) != size:
            raise UserError("the image was cut off after %d of %d bytes" % (len(data), size))
        if request["sha256"] == self.image_sha256():
            return dict(self.status(), deployed=False)
        old = self.image
        self.restart(self._keep(checked_image(data, request["sha256"])))
        if old is not None:
            old.unlink()
        return dict(self.status(), deployed=True)

    # the serial line

    def client_connected(self):
        return not any(events & select.POLLHUP for _, events in self.hangup.poll(0))

    def pause_when_idle(self, connected):
        now = time.monotonic()
        if connected:
            self.client_seen = now
            if self.paused:
                self.qemu.process.send_signal(signal.SIGCONT)
                self.paused = False
        elif not self.paused and now - self.client_seen > PAUSE_AFTER:
            self.qemu.process.send_signal(signal.SIGSTOP)
            self.paused = True

    def from_user(self, connected):
        self.to_qemu += _read_all(self.user_fd)  # with what a client wrote as it closed
        if not connected:
            self.to_user.clear()

    def from_qemu(self, connected):
        printed = _read_all(self.uart_fd)
        if connected:
            self.to_user += printed

    def flush(self, connected):
        if self.to_qemu:
            try:
                written = os.write(self.uart_fd, self.to_qemu)
            except BlockingIOError:
                written = 0
            del self.to_qemu[:written]
        if self.to_user and connected:
            try:
                written = os.write(self.user_fd, self.to_user)
            except BlockingIOError:
                written = 0
            del self.to_user[:written]

    def serve(self):
        while True:
            connected = self.client_connected()
            self.pause_when_idle(connected)
            readers = [self.control, self.uart_fd] + ([self.user_fd] if connected else [])
            writers = [self.uart_fd] if self.to_qemu else []
            if self.to_user and connected:
                writers.append(self.user_fd)
            ready, _, _ = select.select(readers, writers, [], IDLE_TICK)
            if self.control in ready:
                self.answer()
            self.from_user(connected)
            if self.uart_fd in ready:
                self.from_qemu(connected)
            if self.qemu.process.poll() is not None:
                self.restart(self.image)  # the board reset itself (machine.reset())
            self.flush(connected)

    def summary(self):
        image = "ROMFS image %s" % self.image_sha256()[:12] if self.image else "empty ROMFS"
        return "%s: %s, heap %d bytes, %s; stop with Ctrl-C" % (
            self.board.name,
            self.board.title,
            self.board.heap_bytes,
            image,
        )
