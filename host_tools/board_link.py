"""The one transport to boards (real or virtual): mpremote's serial raw REPL.

    with BoardLink("/dev/ttyACM0") as link:   # soft reset, raw REPL
        link.exec("import gc")
        free = link.eval("gc.mem_free()")

Everything the host tools do on a board goes through exec/eval of small Python snippets,
the same way `mpremote` works; device-side helpers live in host_tools/device/.
"""

import ast
import base64
import contextlib
import hashlib
import io
import os
import time
import zlib

from mpremote.transport import TransportError
from mpremote.transport_serial import SerialTransport

from .errors import UserError
from .paths import DEVICE_DIR

CHUNK = 3072  # raw bytes per base64 string sent to the board (4 KB of text)
EXEC_TEXT = 16384  # characters of code per exec: what a board compiles at once
DIGEST_BATCH = 24  # files per digests() call: a reply of about 2 KB
EOF = b"\x04"  # the raw REPL ends a program's output, then its error output, with this


class BoardError(UserError):
    """Python code on the board raised an exception: the message is its last line."""


class BoardTimeout(UserError):
    """Code on the board ran longer than it was given."""


class BoardLink:
    def __init__(self, port, timeout=60):
        self.port = port
        self.timeout = timeout
        if "://" not in port and not os.path.exists(port):
            raise UserError("no such port: %s" % port)
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                self.transport = SerialTransport(port, baudrate=115200)
        except TransportError as e:
            raise UserError("cannot open %s: %s" % (port, e))
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                self.transport.enter_raw_repl(soft_reset=True)
        except (TransportError, OSError):
            self._close_port()
            raise UserError(
                "no MicroPython REPL answers on %s (another program using the port?)" % port
            )
        self._info = None

    def load_helpers(self):
        """Define device/board_files.py's helpers on the board, once. Only `flash` needs
        them: `run` leaves their heap to the model."""
        if self._info is None:
            self.exec_file("board_files.py")
            self._info = self.eval_call("_ul_info()")

    @property
    def info(self):
        """What the board says about itself: see _ul_info in device/board_files.py."""
        self.load_helpers()
        return self._info

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.transport.exit_raw_repl()
        except (TransportError, OSError):
            pass
        self._close_port()

    def _close_port(self):
        try:
            self.transport.close()
        except OSError:  # the board is gone (unplugged, reset, killed): release the port
            self.transport.serial.close()

    def exec(self, code, timeout=None):
        """Run `code` on the board; returns what it printed (str). Raises BoardError."""
        try:
            out, err = self.transport.exec_raw(code, timeout=timeout or self.timeout)
        except TransportError as e:
            raise UserError("lost the board on %s: %s" % (self.port, e))
        except OSError as e:
            raise UserError("lost the board on %s: %s" % (self.port, e.strerror or e))
        if err:
            lines = err.decode(errors="replace").strip().splitlines() or ["unknown error"]
            raise BoardError("on the board: %s" % lines[-1])
        return out.decode(errors="replace")

    def exec_streaming(self, code, timeout, on_output):
        """Run `code`, handing what it prints to on_output(bytes) as it arrives (which may
        raise to stop waiting); returns its error output (a traceback, or b"").
        Reads in bulk, not a byte at a time: a board sends faster than that is read.
        Raises UserError if the board is lost or the code runs over `timeout` seconds."""
        deadline = time.monotonic() + timeout
        try:
            self.transport.exec_raw_no_follow(code)
            serial = self.transport.serial
            errors = None  # bytes once the output's EOF has come
            while time.monotonic() < deadline:
                waiting = serial.in_waiting
                if not waiting:
                    time.sleep(0.002)
                    continue
                data = serial.read(waiting)
                if errors is None:
                    output, eof, data = data.partition(EOF)
                    if output:
                        on_output(output)
                    if not eof:
                        continue
                    errors = b""
                errors += data
                if EOF in errors:
                    # The prompt for the next program may have come in this read: ask
                    # for a fresh one (Ctrl-A), so the transport finds it where it looks.
                    serial.write(b"\x01")
                    self.transport.read_until(1, b"raw REPL; CTRL-B to exit\r\n")
                    return errors[: errors.index(EOF)]
        except TransportError as e:
            raise UserError("lost the board on %s: %s" % (self.port, e))
        except OSError as e:
            raise UserError("lost the board on %s: %s" % (self.port, e.strerror or e))
        raise BoardTimeout("the code on the board did not finish within %d s" % timeout)

    def eval_call(self, code, timeout=None):
        """Run `code`, which prints one Python literal; returns its value."""
        return ast.literal_eval(self.exec(code, timeout).strip())

    def eval(self, expression):
        return self.eval_call("print(repr(%s))" % expression)

    def exec_file(self, name):
        self.exec((DEVICE_DIR / name).read_text())

    def exec_batched(self, statements, exec_text=EXEC_TEXT):
        """Run statements in as few execs as fit `exec_text` characters each."""
        batch, size = [], 0
        for statement in statements:
            if batch and size + len(statement) > exec_text:
                self.exec("\n".join(batch))
                batch, size = [], 0
            batch.append(statement)
            size += len(statement) + 1
        if batch:
            self.exec("\n".join(batch))

    @staticmethod
    def b64_calls(call, data, *prefix, chunk=CHUNK):
        """Statements `call(*prefix, offset, base64 text)` that send `data` in chunks."""
        for offset in range(0, len(data), chunk):
            text = base64.b64encode(data[offset : offset + chunk]).decode()
            yield "%s(%s)" % (
                call,
                ", ".join([repr(p) for p in prefix] + [str(offset), repr(text)]),
            )

    def send_b64(self, call, data, *prefix, chunk=CHUNK, exec_text=EXEC_TEXT):
        self.exec_batched(self.b64_calls(call, data, *prefix, chunk=chunk), exec_text)

    def write_files(self, files):
        """Write each {path: bytes} so that a path holds either its old file or all of its
        new bytes: they go to PATH.part first, which is renamed into place."""
        self.load_helpers()
        statements = []
        for path, data in files.items():
            statements.append("_ul_open(%r)" % path)
            statements.extend(self.b64_calls("_ul_put", data))
            statements.append("_ul_commit(%r)" % path)
        self.exec_batched(statements)

    def digests(self, paths):
        """The digest of each file in `paths`, asked DIGEST_BATCH files at a time (a board's
        heap, fragmented, may hold no block for all of a runtime's at once)."""
        self.load_helpers()
        paths = list(paths)
        found = []
        for start in range(0, len(paths), DIGEST_BATCH):
            found += self.eval_call("_ul_digests(%r)" % (paths[start : start + DIGEST_BATCH],))
        return found

    def digest_of(self, data):
        """The digest of `data` the way this board computes it (see _ul_digest)."""
        if self.info["hash"] == "sha256":
            return "sha256:" + hashlib.sha256(data).hexdigest()
        return "crc32:%d:%08x" % (len(data), zlib.crc32(data) & 0xFFFFFFFF)

    def list_files(self, top):
        self.load_helpers()
        return self.eval_call("_ul_list(%r)" % top)

    def remove(self, paths):
        self.load_helpers()
        if paths:
            self.exec("_ul_remove(%r)" % (list(paths),))

    def resident(self, module, attribute):
        """`attribute` of `module` as frozen in firmware or kept in ROMFS, or None."""
        self.load_helpers()
        return self.eval_call("_ul_resident(%r, %r)" % (module, attribute))
