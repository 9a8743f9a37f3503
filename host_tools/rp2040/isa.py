"""ARMv6-M (Thumb-1) instruction decoding for cycle counting, with Cortex-M0+ timing.

Every instruction the emulator executes goes through `decode`, which also refuses anything
outside ARMv6-M: the emulator's Cortex-M0 model would run Thumb-2 encodings (movw, it,
ldr.w, ...) without complaint, so this is what proves the kernels run on an RP2040.

Cycles per instruction on the RP2040's Cortex-M0+ (ARM Cortex-M0+ TRM, table 3-1; the RP2040
is built with the single-cycle multiplier):
    ALU (mov, add, sub, cmp, logic, shifts, extends, rev, adr, add/sub sp)   1
    MULS                                                                     1
    LDR*/STR* (any addressing mode)                                          2
    LDM/STM, PUSH/POP of N registers                                       1+N
    B<cond> taken / not taken                                              2 / 1
    B, BX, BLX, ADD/MOV to PC                                                2
    POP including PC (1+N, plus 2 for the taken branch)                    3+N
    BL                                                                       3
    NOP, hints, CPS, BKPT, SVC, MSR/MRS/barriers                 1 (barriers 3, MSR/MRS 3/4)
Loads from flash through the XIP cache can be slower; the kernels read RAM (arena, tables)
and the weights, which a board may keep in flash: see BENCHMARKS.md for that caveat.
"""

KINDS = ("alu", "mul", "load", "store", "branch", "branch_not_taken", "push", "pop", "other")


class NotARMv6M(ValueError):
    pass


class Instruction:
    """One decoded instruction: its kind, size in bytes, cycles, and whether it is a
    conditional branch (whose cost depends on whether it is taken)."""

    __slots__ = ("kind", "size", "cycles", "conditional", "text")

    def __init__(self, kind, size, cycles, conditional=False, text=""):
        self.kind, self.size, self.cycles, self.conditional, self.text = kind, size, cycles, conditional, text


def _bits(n):
    return bin(n).count("1")


def decode(hw, hw2=None):
    """Decode the halfword `hw` (and `hw2`, its successor, for 32-bit encodings)."""
    top = hw >> 11
    if top >= 0b11101:
        return _decode32(hw, hw2)
    if hw < 0x4000:  # shifts, add/sub register and 3-bit immediate, mov/cmp/add/sub 8-bit
        return Instruction("alu", 2, 1)
    if hw < 0x4400:  # data processing; opcode 0b1101 is MULS
        return Instruction("mul" if (hw >> 6) & 0xF == 0b1101 else "alu", 2, 1)
    if hw < 0x4800:  # add/cmp/mov with high registers, bx/blx
        op = (hw >> 8) & 3
        rd = ((hw >> 4) & 8) | (hw & 7)
        if op == 3:
            if hw & 7:
                raise NotARMv6M("bx/blx with nonzero low bits: 0x%04x" % hw)
            return Instruction("branch", 2, 2)
        if op != 1 and rd == 15:
            return Instruction("branch", 2, 2)
        return Instruction("alu", 2, 1)
    if hw < 0x5000:  # ldr (literal)
        return Instruction("load", 2, 2)
    if hw < 0x6000:  # load/store register offset
        store = (hw >> 9) & 7 < 3
        return Instruction("store" if store else "load", 2, 2)
    if hw < 0xA000:  # str/ldr(b/h) immediate, sp-relative
        return Instruction("load" if hw & 0x0800 else "store", 2, 2)
    if hw < 0xB000:  # adr, add rd, sp, #imm
        return Instruction("alu", 2, 1)
    if hw < 0xC000:
        return _decode_misc(hw)
    if hw < 0xD000:  # stm / ldm
        n = _bits(hw & 0xFF)
        return Instruction("load" if hw & 0x0800 else "store", 2, 1 + n)
    if hw < 0xE000:
        cond = (hw >> 8) & 0xF
        if cond == 0xE:
            raise NotARMv6M("udf: 0x%04x" % hw)
        if cond == 0xF:
            return Instruction("other", 2, 1, text="svc")
        return Instruction("branch", 2, 2, conditional=True)
    return Instruction("branch", 2, 2)  # b (unconditional, 11-bit offset)


def _decode_misc(hw):
    if hw & 0xFF00 == 0xB000:  # add/sub sp, #imm7
        return Instruction("alu", 2, 1)
    if hw & 0xFF00 == 0xB200:  # sxth, sxtb, uxth, uxtb
        return Instruction("alu", 2, 1)
    if hw & 0xFE00 == 0xB400:  # push {rlist, lr?}
        return Instruction("push", 2, 1 + _bits(hw & 0x1FF))
    if hw & 0xFE00 == 0xBC00:  # pop {rlist, pc?}
        n = _bits(hw & 0x1FF)
        return Instruction("pop", 2, 3 + n if hw & 0x100 else 1 + n)
    if hw & 0xFFEF == 0xB662:  # cpsie/cpsid i
        return Instruction("other", 2, 1)
    if hw & 0xFF00 == 0xBA00 and (hw >> 6) & 3 != 2:  # rev, rev16, revsh
        return Instruction("alu", 2, 1)
    if hw & 0xFF00 == 0xBE00:  # bkpt
        return Instruction("other", 2, 1)
    if hw & 0xFF0F == 0xBF00 and (hw >> 4) & 0xF <= 4:  # nop, yield, wfe, wfi, sev
        return Instruction("other", 2, 1)
    raise NotARMv6M("not an ARMv6-M instruction (cbz/cbnz/it/...): 0x%04x" % hw)


def _decode32(hw, hw2):
    if hw2 is None:
        raise NotARMv6M("truncated 32-bit instruction 0x%04x" % hw)
    if hw & 0xF800 == 0xF000 and hw2 & 0xD000 == 0xD000:
        return Instruction("branch", 4, 3, text="bl")
    if hw & 0xFFE0 == 0xF380 and hw2 & 0xD000 == 0x8000:
        return Instruction("other", 4, 4, text="msr")
    if hw == 0xF3EF and hw2 & 0xF000 == 0x8000:
        return Instruction("other", 4, 3, text="mrs")
    if hw == 0xF3BF and hw2 & 0xFF00 == 0x8F00 and (hw2 >> 4) & 0xF in (4, 5, 6):
        return Instruction("other", 4, 3, text="barrier")
    raise NotARMv6M("32-bit Thumb-2 instruction 0x%04x 0x%04x is not ARMv6-M" % (hw, hw2))


def decode_all(code):
    """Decode a whole function's machine code linearly; raises NotARMv6M on the first
    instruction outside ARMv6-M. Returns [(offset, Instruction)]."""
    out = []
    pos = 0
    while pos + 1 < len(code):
        hw = code[pos] | code[pos + 1] << 8
        hw2 = code[pos + 2] | code[pos + 3] << 8 if pos + 3 < len(code) else None
        insn = decode(hw, hw2)
        out.append((pos, insn))
        pos += insn.size
    return out
