"""Every instruction of one invoke on the ARM board, and what it would cost on a Cortex-M0+.

QEMU logs each translated block's disassembly (`-d in_asm`) and each block it executes
(`-d exec,nochain`); the monitor turns the log on only around the invoke, which is fenced
by calls to a marker function (four `mov rN, rN`). Blocks are sorted into regions by
address: the firmware's C code (its .text section), the assembler kernels (found by their
machine code, taken from the .mpy), and the rest of the native code (viper).

Cycles price each executed instruction with the Cortex-M0+ table of isa.py, a conditional
branch as taken when the next block does not start right after it. The firmware is
Thumb-2 C compiled for the Cortex-M3: its instructions are priced as the closest
ARMv6-M ones (IT and 32-bit ALU forms 1 cycle, LDRD/STRD as a two-register LDM/STM,
CBZ/CBNZ as CMP + B<cond>, TBB/TBH as a load and an indirect branch), and those an
ARMv6-M core lacks as the library routines an RP2040 build calls (see SOFTWARE); what an
M0+ build would add in instructions is not counted here (see BENCHMARKS.md).

    python -m host_tools.rp2040.trace MODEL.tflite [--loops thumb|glue|viper]
"""

import argparse
import re
import socket
import struct
import tempfile
import time
from collections import Counter
from pathlib import Path

from .. import qemu
from . import board, kernels, mpy

CONDITIONS = {"eq", "ne", "cs", "hs", "cc", "lo", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "al"}
LOADS = {"ldr", "ldrb", "ldrh", "ldrsb", "ldrsh", "ldrex", "ldrexb", "ldrexh"}
STORES = {"str", "strb", "strh", "strex", "strexb", "strexh"}
PAIRS = {"ldrd", "strd"}  # an LDM/STM of two registers on ARMv6-M: 1 + 2
MULTIPLE = {"ldm", "ldmia", "ldmdb", "ldmfd", "stm", "stmia", "stmdb", "stmea", "push", "pop"}
# Cycles of what an ARMv6-M build runs instead of these Thumb-2 instructions: the RP2040's
# hardware divider behind the SDK's __aeabi_uidiv (8 cycles, with the call about 20); a
# 32x32->64 multiply from four MULS and their carries; CLZ as a short table routine.
SOFTWARE = {"udiv": 20, "sdiv": 20, "umull": 20, "smull": 20, "umlal": 22, "smlal": 22, "clz": 12}
BRANCHES = {"b", "bl", "blx", "bx", "cbz", "cbnz", "tbb", "tbh"}
STEMS = LOADS | STORES | PAIRS | MULTIPLE | set(SOFTWARE) | BRANCHES | {"mla", "mls"}

MARKER = ["mov r0, r0", "mov r1, r1", "mov r2, r2", "mov r3, r3"]
INSN = re.compile(r"^0x([0-9a-f]+):\s+((?:[0-9a-f]{4} )+)\s*(\S+)\s*(.*?)\s*$")
EXEC = re.compile(r"^Trace \d+: (0x[0-9a-f]+) \[[0-9a-f]+/([0-9a-f]+)/")
REWOUND = re.compile(r"^cpu_io_recompile: rewound execution of TB to ([0-9a-f]+)")


class Insn:
    __slots__ = ("address", "code", "stem", "operands", "conditional")

    def __init__(self, address, code, mnemonic, operands):
        self.address, self.code, self.operands = address, code, operands
        name = mnemonic.split(".")[0]
        self.conditional = False
        if name not in STEMS and name[-2:] in CONDITIONS and name[:-2] in STEMS:
            name = name[:-2]
            self.conditional = name == "b"
        self.stem = name
        self.conditional |= name in ("cbz", "cbnz")

    @property
    def size(self):
        return len(self.code)

    @property
    def text(self):
        return ("%s %s" % (self.stem, self.operands)).strip()

    def cycles(self, taken):
        """Cortex-M0+ cycles; `taken` for the block's last instruction, when it branches."""
        stem, ops = self.stem, self.operands
        if stem in LOADS:
            return 4 if ops.startswith("pc,") else 2  # ldr pc, [...]: the load and a branch
        if stem in STORES:
            return 2
        if stem in PAIRS:
            return 3
        if stem in MULTIPLE:
            registers = ops[ops.index("{") + 1 : ops.index("}")].split(",")
            return 1 + len(registers) + (2 if stem in ("pop", "ldm", "ldmia") and "pc" in ops else 0)
        if stem in SOFTWARE:
            return SOFTWARE[stem]
        if stem in ("mla", "mls"):
            return 2
        if stem == "bl":
            return 3
        if stem in ("b", "bx", "blx"):
            return (2 if taken else 1) if self.conditional else 2
        if stem in ("cbz", "cbnz"):
            return 3 if taken else 2
        if stem in ("tbb", "tbh"):
            return 5
        if ops.startswith("pc,") and stem in ("mov", "add"):
            return 2
        return 1

    @property
    def wide(self):
        """A 32-bit Thumb-2 encoding other than BL (BL is 32-bit on ARMv6-M too)."""
        return self.size == 4 and self.stem != "bl"


class Region:
    """Instructions executed in one region, their Cortex-M0+ cycles, and how many were
    32-bit Thumb-2 encodings an ARMv6-M build has to replace."""

    def __init__(self):
        self.instructions = self.cycles = self.wide = 0

    def add(self, block, runs, taken):
        """`block` ran `runs` times, its last instruction branching away `taken` times."""
        for insn in block:
            self.instructions += runs
            self.wide += runs * insn.wide
            if insn is block[-1] and insn.conditional:
                self.cycles += taken * insn.cycles(True) + (runs - taken) * insn.cycles(False)
            else:
                self.cycles += runs * insn.cycles(True)

    @property
    def cpi(self):
        return self.cycles / self.instructions if self.instructions else 0.0


def firmware_text_end(path=None):
    """End address of the firmware's .text section (its C code), from the ELF headers."""
    data = Path(path or qemu.firmware()).read_bytes()
    shoff, = struct.unpack_from("<I", data, 0x20)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x2E)
    sections = [struct.unpack_from("<IIIIII", data, shoff + i * shentsize) for i in range(shnum)]
    names = sections[shstrndx][4]
    for name, _, _, address, _, size in sections:
        if data[names + name : data.index(b"\0", names + name)] == b".text":
            return address + size
    raise ValueError("no .text section in %s" % path)


def parse(lines):
    """[(block, runs, taken)]: each block executed between the first two marker calls (a
    list of Insn), how often, and how often its last instruction branched away.

    A block's execution is confirmed by the line after its exec line: the next exec line
    (which also tells whether it branched), "Stopped execution" (it did not run: an
    interrupt was due), or "cpu_io_recompile: rewound execution of TB to X" (it ran up to
    the I/O access at X, and runs again from X as a new block)."""
    blocks = {}
    stats = {}
    pending = current = previous = marker = None
    marks = 0

    def count(block, runs, taken):
        entry = stats.setdefault((id(block), len(block)), [block, 0, 0])
        entry[1] += runs
        entry[2] += taken

    for line in lines:
        if line.startswith("IN:"):
            current = pending = []
            continue
        m = INSN.match(line)
        if m and current is not None:
            code = b"".join(bytes.fromhex(h)[::-1] for h in m.group(2).split())
            current.append(Insn(int(m.group(1), 16), code, m.group(3), m.group(4)))
            continue
        current = None
        if line.startswith("Stopped execution"):
            previous = None
            continue
        m = REWOUND.match(line)
        if m:
            if previous is not None and marks == 1:
                count([insn for insn in previous if insn.address < int(m.group(1), 16)], 1, 0)
            previous = None
            continue
        m = EXEC.match(line)
        if not m:
            continue
        if pending is not None:
            blocks[m.group(1)] = pending
            if marker is None and [insn.text for insn in pending[1:5]] == MARKER:
                marker = pending[0].address
            pending = None
        if previous is not None:
            if previous[0].address == marker:
                marks += 1
                if marks == 2:
                    break
            elif marks == 1:
                last = previous[-1]
                count(previous, 1, int(m.group(2), 16) != last.address + last.size)
        previous = blocks.get(m.group(1))
        if previous is None and marks:
            raise ValueError("the trace executes a block it never disassembled")
    if marks < 2:
        raise ValueError("the trace holds %d of the two marker calls" % marks)
    return [tuple(entry) for entry in stats.values()]


def kernel_ranges(executed):
    """{kernel name: (start, end)}: where each assembler kernel sits in the board's memory,
    found from executed blocks whose machine code occurs once in one kernel's."""
    code = {name: c for name, (c, _) in mpy.asm_functions(kernels.ASM_SOURCE).items()}
    votes = Counter()
    for block, _, _ in executed:
        data = b"".join(insn.code for insn in block)
        if len(data) < 8:
            continue
        found = [(name, c.find(data)) for name, c in code.items() if c.count(data) == 1]
        if len(found) == 1:
            name, offset = found[0]
            votes[name, block[0].address - offset] += 1
    ranges = {}
    for (name, start), _ in votes.most_common():
        ranges.setdefault(name, (start, start + len(code[name])))
    return ranges


def regions(executed):
    """{region: Region}: "firmware", "kernel NAME" per assembler kernel, "native" (viper)."""
    text_end = firmware_text_end()
    ranges = kernel_ranges(executed)
    out = {}
    for block, runs, taken in executed:
        pc = block[0].address
        name = "firmware" if pc < text_end else "native"
        for kernel, (start, end) in ranges.items():
            if start <= pc < end:
                name = "kernel " + kernel
        out.setdefault(name, Region()).add(block, runs, taken)
    return out


class Monitor:
    """QEMU's human monitor on a unix socket."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        deadline = time.monotonic() + 10
        while True:
            try:
                self.sock.connect(str(path))
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self._until_prompt()

    def _until_prompt(self):
        seen = b""
        while not seen.endswith(b"(qemu) "):
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("QEMU's monitor closed")
            seen += chunk

    def command(self, text):
        self.sock.sendall(text.encode() + b"\n")
        self._until_prompt()

    def close(self):
        self.sock.close()


class Tracer:
    """Traces invokes in a board session started with `qemu_options`; `regions` reads
    the trace once the session (and QEMU's log) is closed."""

    def __init__(self, directory):
        self.log = Path(directory) / "qemu.log"
        self.socket = Path(directory) / "monitor"
        self.qemu_options = ["-monitor", "unix:%s,server,nowait" % self.socket, "-D", str(self.log)]

    def invoke(self, link):
        """Log one invoke of the model the session has loaded (_ul_load)."""
        link.exec("_ul_feed(_ul_interp)")
        monitor = Monitor(self.socket)
        try:
            monitor.command("log in_asm,exec,nochain")
            link.exec("_ul_invoke()")
            monitor.command("log none")
        finally:
            monitor.close()

    def regions(self):
        with open(self.log, errors="replace") as lines:
            return regions(parse(lines))


def measure(model_path, loops="glue"):
    """{region: Region} of one invoke of `model_path` with `loops` (board.LOOPS)."""
    with tempfile.TemporaryDirectory(prefix="ulite-trace-") as tmp:
        tracer = Tracer(tmp)
        with board.session(model_path, tracer.qemu_options) as (link, name):
            link.exec("_ul_load(%r, %r)" % (name, loops))
            tracer.invoke(link)
        return tracer.regions()


def main():
    parser = argparse.ArgumentParser(prog="python -m host_tools.rp2040.trace", description=__doc__.split("\n")[0])
    parser.add_argument("model")
    parser.add_argument("--loops", default="glue", choices=board.LOOPS)
    args = parser.parse_args()
    found = measure(args.model, args.loops)
    total = sum(r.instructions for r in found.values())
    for name, r in sorted(found.items(), key=lambda kv: -kv[1].instructions):
        print(
            "%-20s %10d instructions (%5.1f%%)  M0+ cycles per instruction %.2f  32-bit Thumb-2 %4.1f%%"
            % (name, r.instructions, 100 * r.instructions / total, r.cpi, 100 * r.wide / r.instructions)
        )


if __name__ == "__main__":
    main()
