"""A person at a MicroPython's friendly REPL: a board's serial device, or the unix port
started on a pseudo-terminal of its own."""

import contextlib
import os
import pty
import select
import subprocess
import time
import tty

from host_tools.micropython import unix
from host_tools.paths import tool

PROMPT = b">>> "


class Terminal:
    """Type a line at the REPL on terminal `fd`, read until the next prompt; `log` keeps
    what was read."""

    def __init__(self, fd):
        self.fd = fd
        tty.setraw(self.fd)
        self.log = []

    @classmethod
    def on_port(cls, port):
        return cls(os.open(port, os.O_RDWR | os.O_NOCTTY))

    def read_until(self, ending, timeout=10):
        data = b""
        deadline = time.monotonic() + timeout
        while not data.endswith(ending):
            left = deadline - time.monotonic()
            assert left > 0, "no %r after %r" % (ending, data)
            if select.select([self.fd], [], [], left)[0]:
                data += os.read(self.fd, 4096)
        self.log.append(data.decode())
        return data.decode()

    def sync(self):
        """Get to a fresh friendly prompt, past whatever an earlier client left unread (the
        banner a board prints when mpremote leaves its raw REPL, for one)."""
        os.write(self.fd, b"\r\x03\x02")
        self.type("print('in', 6 * 7)\r", b"in 42\r\n>>> ")
        self.log = []

    def type(self, text, prompt=PROMPT):
        os.write(self.fd, text.encode())
        return self.read_until(prompt)

    def close(self):
        os.close(self.fd)


@contextlib.contextmanager
def unix_repl(cwd, heap):
    """A Terminal at the REPL of MicroPython's unix port (ulite importable) running in
    `cwd` with `heap` bytes of heap, past its banner; the port exits when the block ends."""
    controller, device = pty.openpty()
    command = [tool("micropython"), "-X", "heapsize=%d" % heap]
    child = subprocess.Popen(
        command, stdin=device, stdout=device, stderr=device, cwd=cwd, env=unix.environment()
    )
    os.close(device)
    terminal = Terminal(controller)
    try:
        terminal.read_until(PROMPT)
        terminal.log = []
        yield terminal
    finally:
        child.kill()
        child.wait()
        terminal.close()
