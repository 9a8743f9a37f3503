"""An RP2040-like machine in the unicorn emulator: ARM Thumb, Cortex-M0, M-class mode.

Kernels (asm_thumb machine code from the .mpy) are mapped at CODE; data lives in RAM, handed
out by a bump allocator. `call` runs one function with r0..r3 set and returns r0; with
`count=True` it also returns a Counts of the executed instructions by kind and their
Cortex-M0+ cycles (timing table in isa.py).

Counting uses a basic-block hook: each block's instructions are decoded once (refusing
anything outside ARMv6-M) and cached; a block ending in a conditional branch is charged
as taken when the next block does not start right after it.
"""

import struct

from unicorn import UC_ARCH_ARM, UC_HOOK_BLOCK, UC_HOOK_CODE, UC_MODE_MCLASS, UC_MODE_THUMB, Uc
from unicorn.arm_const import (
    UC_ARM_REG_LR,
    UC_ARM_REG_R0,
    UC_ARM_REG_R1,
    UC_ARM_REG_R2,
    UC_ARM_REG_R3,
    UC_ARM_REG_SP,
    UC_CPU_ARM_CORTEX_M0,
)

from . import isa

VECTORS = 0x00000000
CODE = 0x10000000  # where the RP2040 maps flash; any address works for position-independent code
RAM = 0x20000000
RAM_SIZE = 4 << 20  # more than a board has: tests use big vectors
STACK_TOP = RAM + RAM_SIZE
RETURN = CODE + 0xFF000  # a `nop` the called function returns to; emulation stops there
FAULT = CODE + 0xFF100  # every exception vector points here
ARGS = (UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2, UC_ARM_REG_R3)


class Fault(RuntimeError):
    pass


class Counts:
    """Executed instructions and cycles, by kind (isa.KINDS)."""

    def __init__(self):
        self.instructions = dict.fromkeys(isa.KINDS, 0)
        self.cycles = dict.fromkeys(isa.KINDS, 0)

    def add(self, kind, cycles):
        self.instructions[kind] += 1
        self.cycles[kind] += cycles

    @property
    def total_instructions(self):
        return sum(self.instructions.values())

    @property
    def total_cycles(self):
        return sum(self.cycles.values())


class Machine:
    def __init__(self, functions):
        """functions: {name: machine code bytes} (see mpy.asm_functions)."""
        self.uc = uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB | UC_MODE_MCLASS)
        uc.ctl_set_cpu_model(UC_CPU_ARM_CORTEX_M0)
        uc.mem_map(VECTORS, 0x1000)
        uc.mem_map(CODE, 0x100000)
        uc.mem_map(RAM, RAM_SIZE)
        uc.mem_write(VECTORS, struct.pack("<48I", STACK_TOP, *([FAULT | 1] * 47)))
        uc.mem_write(RETURN, b"\x00\xbf")  # nop
        uc.mem_write(FAULT, b"\x00\xbf")
        self.entry = {}
        self.code = {}
        address = CODE
        for name, code in functions.items():
            isa.decode_all(code)  # refuse non-ARMv6-M code before running anything
            uc.mem_write(address, bytes(code))
            self.entry[name] = address
            self.code[address] = bytes(code)
            address = (address + len(code) + 15) & ~15
        self._blocks = {}
        self._counts = None
        self._pending = None  # (end address, Instruction) of a block ending in a conditional branch
        self._fault = False
        uc.hook_add(UC_HOOK_CODE, self._on_fault, begin=FAULT, end=FAULT + 1)
        self.reset()

    def reset(self):
        """Forget every allocation (RAM contents stay until overwritten)."""
        self._next = RAM

    def alloc(self, data, align=4):
        """Copy `data` (bytes-like) into RAM; returns its address."""
        data = bytes(data)
        address = (self._next + align - 1) & ~(align - 1)
        if address + len(data) > STACK_TOP - 0x10000:
            raise MemoryError("emulated RAM exhausted")
        self.uc.mem_write(address, data)
        self._next = address + max(len(data), 1)
        return address

    def zeros(self, n, align=4):
        return self.alloc(bytes(n), align)

    def read(self, address, n):
        return bytes(self.uc.mem_read(address, n))

    def words(self, values):
        """int32 words (negative values as two's complement) in RAM; returns the address."""
        return self.alloc(struct.pack("<%di" % len(values), *values))

    def call(self, name, *args, count=False):
        """Run function `name` with up to four word arguments; r0 (and Counts if asked)."""
        uc = self.uc
        for reg, value in zip(ARGS, args):
            uc.reg_write(reg, value & 0xFFFFFFFF)
        uc.reg_write(UC_ARM_REG_SP, STACK_TOP)
        uc.reg_write(UC_ARM_REG_LR, RETURN | 1)
        self._counts = Counts() if count else None
        self._pending = None
        self._fault = False
        hook = uc.hook_add(UC_HOOK_BLOCK, self._on_block) if count else None
        try:
            uc.emu_start(self.entry[name] | 1, RETURN)
        finally:
            if hook is not None:
                uc.hook_del(hook)
        if self._fault:
            raise Fault("%s: CPU exception (undefined instruction or bad memory access)" % name)
        result = uc.reg_read(UC_ARM_REG_R0)
        return (result, self._counts) if count else result

    def _on_fault(self, uc, address, size, _):
        self._fault = True
        uc.emu_stop()

    def _on_block(self, uc, address, size, _):
        self._settle(address)
        if address in (RETURN, FAULT):
            return
        insns = self._blocks.get((address, size))
        if insns is None:
            insns = self._blocks[(address, size)] = self._decode_block(address, size)
        counts = self._counts
        for insn in insns:
            if insn.conditional:
                continue
            counts.add(insn.kind, insn.cycles)
        last = insns[-1]
        if last.conditional:
            self._pending = (address + size, last)

    def _settle(self, next_address):
        """Charge the previous block's conditional branch, taken or not."""
        if self._pending is None:
            return
        end, insn = self._pending
        self._pending = None
        if next_address == end:
            self._counts.add("branch_not_taken", 1)
        else:
            self._counts.add("branch", insn.cycles)

    def _decode_block(self, address, size):
        data = self.read(address, size + 2)
        insns = []
        pos = 0
        while pos < size:
            hw = data[pos] | data[pos + 1] << 8
            hw2 = data[pos + 2] | data[pos + 3] << 8 if pos + 3 < len(data) else None
            insn = isa.decode(hw, hw2)
            insns.append(insn)
            pos += insn.size
        return insns
