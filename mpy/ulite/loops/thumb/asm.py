"""Innermost loops in ARMv6-M (Thumb-1) assembler, for MicroPython's ARM ports.

Only the ARMv6-M subset is used, so one .mpy runs on RP2040 (Cortex-M0+), RP2350 and STM32.
host_tools/rp2040 runs this machine code in an emulator: it checks each instruction is
ARMv6-M, compares results with reference kernels bit for bit and counts cycles.

Calling convention: each function takes one argument, a parameter block of 32-bit words
(a bytearray; MicroPython passes its address in r0). The viper glue in this package writes
addresses and counts there; a kernel may advance the block's pointers as it goes. Kernels
return 0 (a small int: a large return value would be a heap object).

MicroPython's assembler has no mnemonic for a few ARMv6-M encodings; those are written with
data(2, ...) from the constants below, with the instruction in a comment. r8-r11 are
callee-saved: kernels that use them save them on entry. lr is free (the entry code pushed it)
and holds the parameter block.

All sums are int32 with the bounds of the viper loops: |bias| + depth * 128 * 255 < 2**31
(kernels refuse models beyond it), and every product is int8 * (0..255 or -255..255);
add_rescaled's bounds are in its docstring. Addresses and pixel coordinates (lanes8,
gather8, dw8) stay within the tensors they index, whose byte counts are below 2**31.
"""

import micropython
from micropython import const

_LDRSB = const(0x5600)  # ldrsb Rt, [Rn, Rm]: | Rm << 6 | Rn << 3 | Rt
_LDRB = const(0x5C00)  # ldrb Rt, [Rn, Rm]: | Rm << 6 | Rn << 3 | Rt
_SXTB = const(0xB240)  # sxtb Rd, Rm: | Rm << 3 | Rd
_UXTH = const(0xB280)  # uxth Rd, Rm: | Rm << 3 | Rd
_ADD_HI = const(0x4400)  # add Rd, Rm (any registers, flags kept): | (Rd & 8) << 4 | Rm << 3 | (Rd & 7)
_CMP_HI = const(0x4500)  # cmp Rn, Rm (any registers): | (Rn & 8) << 4 | Rm << 3 | (Rn & 7)
_LDR_SP = const(0x9800)  # ldr Rt, [sp, #4 * i]: | Rt << 8 | i
_STR_SP = const(0x9000)  # str Rt, [sp, #4 * i]: | Rt << 8 | i
_ADD_SP = const(0xB000)  # add sp, #4 * i: | i


@micropython.asm_thumb
def fc_rows(r0):
    """acc[j] = bias[j] + sum_k w[j * depth + k] * (x[k] - input_zp), j < rows.

    Parameter words: 0 x, 1 w (row 0), 2 depth (> 0), 3 rows, 4 bias (int32; 0: none),
    5 acc (int32), 6 -input_zp. Two rows per pass share each x load: 7 cycles per MAC.
    """
    mov(lr, r0)
    ldr(r1, [r0, 24])
    mov(r12, r1)  # -input_zp
    label(PASS)
    mov(r7, lr)
    ldr(r3, [r7, 12])  # rows left
    cmp(r3, 0)
    ble(DONE)
    sub(r3, 2)
    str(r3, [r7, 12])  # -1 now means this pass has a single row
    ldr(r2, [r7, 8])  # depth
    ldr(r1, [r7, 4])
    add(r1, r1, r2)  # r1: end of row A
    add(r4, r1, r2)  # r4: end of row B
    str(r4, [r7, 4])  # the next pass starts after row B
    ldr(r5, [r7, 16])  # bias, read in halves as the viper loop does (2-byte aligned)
    mov(r6, 0)
    mov(r7, 0)
    cmp(r5, 0)
    beq(SINGLE_TEST)
    ldrh(r6, [r5, 2])
    lsl(r6, r6, 16)
    ldrh(r0, [r5, 0])
    orr(r6, r0)
    cmp(r3, 0)
    blt(SINGLE_TEST)
    ldrh(r7, [r5, 6])
    lsl(r7, r7, 16)
    ldrh(r0, [r5, 4])
    orr(r7, r0)
    label(SINGLE_TEST)
    cmp(r3, 0)
    bge(ROWS_SET)
    mov(r4, r1)  # a single row: row B repeats row A and is not stored
    label(ROWS_SET)
    mov(r0, lr)
    ldr(r0, [r0, 0])
    add(r0, r0, r2)  # r0: end of x
    neg(r3, r2)  # r3: k - depth, from -depth up to 0
    mov(r2, r4)
    label(MAC)
    data(2, _LDRSB | 3 << 6 | 0 << 3 | 4)  # ldrsb r4, [r0, r3]: x
    data(2, _ADD_HI | 12 << 3 | 4)  # add r4, r12: x - input_zp, in -255..255
    data(2, _LDRSB | 3 << 6 | 1 << 3 | 5)  # ldrsb r5, [r1, r3]: row A weight
    mul(r5, r4)
    add(r6, r6, r5)
    data(2, _LDRSB | 3 << 6 | 2 << 3 | 5)  # ldrsb r5, [r2, r3]: row B weight
    mul(r5, r4)
    add(r7, r7, r5)
    add(r3, 1)
    bne(MAC)
    mov(r0, lr)
    ldr(r1, [r0, 20])  # acc
    str(r6, [r1, 0])
    ldr(r3, [r0, 12])
    cmp(r3, 0)
    blt(STORED)
    str(r7, [r1, 4])
    label(STORED)
    add(r1, 8)
    str(r1, [r0, 20])
    ldr(r5, [r0, 16])
    cmp(r5, 0)
    beq(PASS)
    add(r5, 8)
    str(r5, [r0, 16])
    b(PASS)
    label(DONE)
    mov(r0, 0)


@micropython.asm_thumb
def requant(r0):
    """out = clamp(MBQM(acc, m[c], s[c]) + zp, lo, hi) as int8, over a block of rows x cols.

    Parameter words: 0 acc (int32, column by column: acc[c * step + r]), 1 out (int8,
    out[r * stride + c]), 2 rows (> 0), 3 cols, 4 stride, 5 multipliers (int32), 6 shifts
    (int8), 7 1 if each column has its own multiplier and shift (else all use the first),
    8 zp, 9 lo, 10 hi, 11 bytes from one column's accumulators to the next (4 * step).

    MBQM is TFLM's MultiplyByQuantizedMultiplier: x << max(s, 0), SRDHM with m, then
    RoundingDivideByPOT by max(-s, 0). SRDHM(x, m) = floor((x * m + 2**30) / 2**31) (m >= 0)
    from 16-bit limbs x = xh * 2**16 + xl, m = mh * 2**16 + ml (xl, ml unsigned):
        = 2 * xh * mh + (p1 >> 15) + (p2 >> 15)
          + ((p1 & 0x7FFF) + (p2 & 0x7FFF) + (xl * ml >> 16) + 2**14) >> 15
    with p1 = xh * ml and p2 = xl * mh, each below 2**31 in magnitude (xl * ml < 2**32 is
    exact as an unsigned word). RoundingDivideByPOT(v, e) = (v >> e) + round, where
    round = ((v & mask) + half - (v < 0)) >>> e is 0 or 1 (mask = 2**e - 1, half = 2**e / 2;
    both 0 when e = 0). With lo >= zp (a fused ReLU), an accumulator <= 0 gives lo directly.
    """
    mov(r4, r8)
    mov(r5, r9)
    mov(r6, r10)
    mov(r7, r11)
    push({r4, r5, r6, r7})
    mov(lr, r0)
    ldr(r3, [r0, 32])  # zp
    ldr(r4, [r0, 36])  # lo
    ldr(r5, [r0, 40])  # hi
    mov(r2, 1)  # relu threshold: x < 1 gives lo when lo >= zp, ...
    cmp(r4, r3)
    bge(FRAME)
    lsl(r2, r2, 31)  # ... else x < -2**31: never
    label(FRAME)
    push({r1, r2, r3, r4, r5})  # frame: [sp] mask, [sp + 4] threshold, zp, lo, hi
    label(COLUMN)
    mov(r7, lr)
    ldr(r3, [r7, 12])  # columns left
    cmp(r3, 0)
    bne(NEXT_COLUMN)
    b(DONE)
    label(NEXT_COLUMN)
    sub(r3, 1)
    str(r3, [r7, 12])
    ldr(r4, [r7, 20])
    ldr(r5, [r4, 0])
    mov(r9, r5)  # r9: multiplier
    ldr(r5, [r7, 24])
    ldrb(r6, [r5, 0])
    data(2, _SXTB | 6 << 3 | 6)  # sxtb r6, r6: shift
    ldr(r3, [r7, 28])  # per-channel step
    add(r5, r5, r3)
    str(r5, [r7, 24])
    lsl(r3, r3, 2)
    add(r4, r4, r3)
    str(r4, [r7, 20])
    mov(r3, 0)
    mov(r4, 0)
    cmp(r6, 0)
    ble(RIGHT)
    mov(r3, r6)  # left shift
    b(SHIFTS)
    label(RIGHT)
    neg(r4, r6)  # right shift
    label(SHIFTS)
    mov(r8, r3)  # r8: left shift
    mov(r10, r4)  # r10: right shift e
    mov(r5, 1)
    lsl(r5, r4)
    lsr(r3, r5, 1)
    mov(r11, r3)  # r11: half
    sub(r5, 1)
    data(2, _STR_SP | 5 << 8 | 0)  # str r5, [sp]: mask
    ldr(r0, [r7, 0])  # this column's accumulators
    ldr(r3, [r7, 8])
    lsl(r3, r3, 2)
    add(r3, r0, r3)
    mov(r12, r3)  # r12: end of the column
    ldr(r3, [r7, 44])
    add(r3, r0, r3)
    str(r3, [r7, 0])  # the next column's
    ldr(r1, [r7, 4])  # this column's first output
    add(r3, r1, 1)
    str(r3, [r7, 4])
    ldr(r2, [r7, 16])  # stride
    label(ROW)
    ldr(r4, [r0, 0])  # x
    data(2, _LDR_SP | 3 << 8 | 1)  # ldr r3, [sp, #4]: threshold
    cmp(r4, r3)
    blt(AT_LO)
    mov(r3, r8)
    lsl(r4, r3)  # x << left shift (prepare checks it fits)
    asr(r3, r4, 16)  # xh
    data(2, _UXTH | 4 << 3 | 4)  # uxth r4, r4: xl
    mov(r5, r9)
    data(2, _UXTH | 5 << 3 | 5)  # uxth r5, r5: ml
    mov(r6, r5)
    mul(r5, r4)  # xl * ml
    mul(r6, r3)  # p1
    lsr(r5, r5, 16)
    lsl(r7, r6, 17)
    lsr(r7, r7, 17)
    add(r5, r5, r7)
    asr(r6, r6, 15)
    mov(r7, r9)
    lsr(r7, r7, 16)  # mh
    mul(r4, r7)  # p2
    mul(r3, r7)  # xh * mh
    lsl(r7, r4, 17)
    lsr(r7, r7, 17)
    add(r5, r5, r7)
    lsr(r5, r5, 14)
    add(r5, 1)
    lsr(r5, r5, 1)  # (low parts + 2**14) >> 15
    lsr(r4, r4, 15)
    add(r5, r5, r4)
    add(r5, r5, r6)
    add(r3, r3, r3)
    add(r5, r5, r3)  # r5: SRDHM(x, m)
    data(2, _LDR_SP | 7 << 8 | 0)  # ldr r7, [sp]: mask
    lsr(r6, r5, 31)
    and_(r6, r7)  # 1 if v < 0 and e > 0
    and_(r7, r5)
    data(2, _ADD_HI | 11 << 3 | 7)  # add r7, r11: + half
    sub(r7, r7, r6)
    mov(r6, r10)
    lsr(r7, r6)  # rounding: 0 or 1
    asr(r5, r6)
    add(r5, r5, r7)
    data(2, _LDR_SP | 3 << 8 | 2)  # ldr r3, [sp, #8]: zp
    add(r5, r5, r3)
    data(2, _LDR_SP | 3 << 8 | 3)  # ldr r3, [sp, #12]: lo
    cmp(r5, r3)
    bge(ABOVE_LO)
    mov(r5, r3)
    label(ABOVE_LO)
    data(2, _LDR_SP | 3 << 8 | 4)  # ldr r3, [sp, #16]: hi
    cmp(r5, r3)
    ble(STORE)
    mov(r5, r3)
    label(STORE)
    strb(r5, [r1, 0])
    add(r0, 4)
    add(r1, r1, r2)
    data(2, _CMP_HI | 12 << 3 | 0)  # cmp r0, r12
    bne(ROW)
    b(COLUMN)
    label(AT_LO)
    data(2, _LDR_SP | 5 << 8 | 3)  # ldr r5, [sp, #12]: lo
    b(STORE)
    label(DONE)
    data(2, _ADD_SP | 5)  # add sp, #20: drop the frame
    pop({r4, r5, r6, r7})
    mov(r8, r4)
    mov(r9, r5)
    mov(r10, r6)
    mov(r11, r7)
    mov(r0, 0)


@micropython.asm_thumb
def dot8(r0):
    """Eight lanes of dot products over an interleaved im2col block, for several channels.

    For each of `count` channels o: acc[8 * o + p] = start + sum_k w[o][k] * q[8 * k + p],
    p < 8, k < n, where start is init[o] (init given) or acc[8 * o + p] (init 0: a later
    chunk of taps). Parameter words: 0 q (unsigned bytes), 1 w (channel 0, int8), 2 n (> 0),
    3 count, 4 acc (int32), 5 bytes between channels' weights, 6 init (int32; 0: none).
    Lanes 0-3 sum in r0-r3, lanes 4-7 in r8-r11; two weights per pass: 75 cycles per 16 MACs.
    """
    mov(r4, r8)
    mov(r5, r9)
    mov(r6, r10)
    mov(r7, r11)
    push({r4, r5, r6, r7})
    mov(lr, r0)
    label(CHANNEL)
    mov(r7, lr)
    ldr(r6, [r7, 12])  # channels left
    cmp(r6, 0)
    bne(NEXT_CHANNEL)
    b(DONE)
    label(NEXT_CHANNEL)
    sub(r6, 1)
    str(r6, [r7, 12])
    ldr(r5, [r7, 16])  # acc block
    ldr(r6, [r7, 24])  # init
    cmp(r6, 0)
    beq(FROM_ACC)
    ldr(r0, [r6, 0])
    add(r6, 4)
    str(r6, [r7, 24])
    mov(r1, r0)
    mov(r2, r0)
    mov(r3, r0)
    mov(r8, r0)
    mov(r9, r0)
    mov(r10, r0)
    mov(r11, r0)
    b(LANES_SET)
    label(FROM_ACC)
    ldr(r0, [r5, 0])
    ldr(r1, [r5, 4])
    ldr(r2, [r5, 8])
    ldr(r3, [r5, 12])
    ldr(r4, [r5, 16])
    mov(r8, r4)
    ldr(r4, [r5, 20])
    mov(r9, r4)
    ldr(r4, [r5, 24])
    mov(r10, r4)
    ldr(r4, [r5, 28])
    mov(r11, r4)
    label(LANES_SET)
    ldr(r6, [r7, 0])  # r6: q
    ldr(r4, [r7, 4])  # this channel's weights
    ldr(r5, [r7, 20])
    add(r5, r5, r4)
    str(r5, [r7, 4])  # the next channel's
    ldr(r5, [r7, 8])
    lsr(r5, r5, 1)
    lsl(r5, r5, 1)
    add(r5, r5, r4)
    mov(r12, r5)  # r12: end of the weight pairs
    mov(r7, r4)  # r7: weights
    b(PAIR_TEST)
    label(PAIR)
    ldrb(r4, [r7, 0])
    data(2, _SXTB | 4 << 3 | 4)  # sxtb r4, r4
    ldrb(r5, [r6, 0])
    mul(r5, r4)
    add(r0, r0, r5)
    ldrb(r5, [r6, 1])
    mul(r5, r4)
    add(r1, r1, r5)
    ldrb(r5, [r6, 2])
    mul(r5, r4)
    add(r2, r2, r5)
    ldrb(r5, [r6, 3])
    mul(r5, r4)
    add(r3, r3, r5)
    ldrb(r5, [r6, 4])
    mul(r5, r4)
    data(2, _ADD_HI | 1 << 7 | 5 << 3 | 0)  # add r8, r5
    ldrb(r5, [r6, 5])
    mul(r5, r4)
    data(2, _ADD_HI | 1 << 7 | 5 << 3 | 1)  # add r9, r5
    ldrb(r5, [r6, 6])
    mul(r5, r4)
    data(2, _ADD_HI | 1 << 7 | 5 << 3 | 2)  # add r10, r5
    ldrb(r5, [r6, 7])
    mul(r5, r4)
    data(2, _ADD_HI | 1 << 7 | 5 << 3 | 3)  # add r11, r5
    ldrb(r4, [r7, 1])
    data(2, _SXTB | 4 << 3 | 4)  # sxtb r4, r4
    ldrb(r5, [r6, 8])
    mul(r5, r4)
    add(r0, r0, r5)
    ldrb(r5, [r6, 9])
    mul(r5, r4)
    add(r1, r1, r5)
    ldrb(r5, [r6, 10])
    mul(r5, r4)
    add(r2, r2, r5)
    ldrb(r5, [r6, 11])
    mul(r5, r4)
    add(r3, r3, r5)
    ldrb(r5, [r6, 12])
    mul(r5, r4)
    data(2, _ADD_HI | 1 << 7 | 5 << 3 | 0)  # add r8, r5
    ldrb(r5, [r6, 13])
    mul(r5, r4)
    data(2, _ADD_HI | 1 << 7 | 5 << 3 | 1)  # add r9, r5
    ldrb(r5, [r6, 14])
    mul(r5, r4)
    data(2, _ADD_HI | 1 << 7 | 5 << 3 | 2)  # add r10, r5
    ldrb(r5, [r6, 15])
    mul(r5, r4)
    data(2, _ADD_HI | 1 << 7 | 5 << 3 | 3)  # add r11, r5
    add(r6, 16)
    add(r7, 2)
    label(PAIR_TEST)
    data(2, _CMP_HI | 12 << 3 | 7)  # cmp r7, r12
    bne(PAIR)
    mov(r4, lr)
    ldr(r4, [r4, 8])
    lsl(r4, r4, 31)
    beq(STORE)  # n even
    ldrb(r4, [r7, 0])
    data(2, _SXTB | 4 << 3 | 4)  # sxtb r4, r4
    ldrb(r5, [r6, 0])
    mul(r5, r4)
    add(r0, r0, r5)
    ldrb(r5, [r6, 1])
    mul(r5, r4)
    add(r1, r1, r5)
    ldrb(r5, [r6, 2])
    mul(r5, r4)
    add(r2, r2, r5)
    ldrb(r5, [r6, 3])
    mul(r5, r4)
    add(r3, r3, r5)
    ldrb(r5, [r6, 4])
    mul(r5, r4)
    data(2, _ADD_HI | 1 << 7 | 5 << 3 | 0)  # add r8, r5
    ldrb(r5, [r6, 5])
    mul(r5, r4)
    data(2, _ADD_HI | 1 << 7 | 5 << 3 | 1)  # add r9, r5
    ldrb(r5, [r6, 6])
    mul(r5, r4)
    data(2, _ADD_HI | 1 << 7 | 5 << 3 | 2)  # add r10, r5
    ldrb(r5, [r6, 7])
    mul(r5, r4)
    data(2, _ADD_HI | 1 << 7 | 5 << 3 | 3)  # add r11, r5
    label(STORE)
    mov(r7, lr)
    ldr(r5, [r7, 16])
    str(r0, [r5, 0])
    str(r1, [r5, 4])
    str(r2, [r5, 8])
    str(r3, [r5, 12])
    mov(r4, r8)
    str(r4, [r5, 16])
    mov(r4, r9)
    str(r4, [r5, 20])
    mov(r4, r10)
    str(r4, [r5, 24])
    mov(r4, r11)
    str(r4, [r5, 28])
    add(r5, 32)
    str(r5, [r7, 16])
    b(CHANNEL)
    label(DONE)
    pop({r4, r5, r6, r7})
    mov(r8, r4)
    mov(r9, r5)
    mov(r10, r6)
    mov(r11, r7)
    mov(r0, 0)


@micropython.asm_thumb
def lanes8(r0):
    """The records of a block's lanes for gather8 and dw8: (image address, iy0, ix0) of
    `lanes` output pixels in row-major order, lane p = the walk's pixel + p; then moves the
    walk on past them.

    Parameter words: 0 where the records go, 1 lanes (> 0), 2 the walk's image address (its
    batch), 3 its oy, 4 its ox, 5 out_h, 6 out_w, 7 stride_h, 8 stride_w, 9 pad_top,
    10 pad_left, 11 bytes per image.
    """
    ldr(r5, [r0, 0])
    ldr(r4, [r0, 4])
    ldr(r1, [r0, 8])  # image address
    ldr(r2, [r0, 12])  # oy
    ldr(r3, [r0, 16])  # ox
    label(LANE)
    str(r1, [r5, 0])
    ldr(r6, [r0, 28])
    mul(r6, r2)
    ldr(r7, [r0, 36])
    sub(r6, r6, r7)
    str(r6, [r5, 4])  # iy0 = oy * stride_h - pad_top
    ldr(r6, [r0, 32])
    mul(r6, r3)
    ldr(r7, [r0, 40])
    sub(r6, r6, r7)
    str(r6, [r5, 8])  # ix0 = ox * stride_w - pad_left
    add(r5, 12)
    add(r3, 1)
    ldr(r6, [r0, 24])
    cmp(r3, r6)
    bne(NEXT)
    mov(r3, 0)  # next output row
    add(r2, 1)
    ldr(r6, [r0, 20])
    cmp(r2, r6)
    bne(NEXT)
    mov(r2, 0)  # next image of the batch
    ldr(r6, [r0, 44])
    add(r1, r1, r6)
    label(NEXT)
    sub(r4, 1)
    bne(LANE)
    str(r1, [r0, 8])
    str(r2, [r0, 12])
    str(r3, [r0, 16])
    mov(r0, 0)


@micropython.asm_thumb
def gather8(r0):
    """im2col for up to eight output pixels (lanes), interleaved as dot8 reads it.

    For lane p and each tap t of a chunk (kernel row ky, column kx, from (ky0, kx0) on),
    the filter depth's bytes x of the input pixel (iy0 + ky * dil_h, ix0 + kx * dil_w) go to
    dst[8 * (t * depth + i) + p] as u = x ^ 0x80 (x + 128); taps outside the input get pad.
    Parameter words: 0 dst, 1 lanes, 2 depth, 3 ky0, 4 kx0, 5 taps, 6 kw, 7 in_h, 8 in_w,
    9 dil_h, 10 dil_w, 11 bytes per input row, 12 bytes per input pixel, 13 pad (u value),
    14-15 scratch, 16 the group's first channel, 17 + 3 * p: lane p's record (lanes8).
    """
    mov(r4, r8)
    mov(r5, r9)
    mov(r6, r10)
    mov(r7, r11)
    push({r4, r5, r6, r7})
    mov(lr, r0)
    mov(r1, r0)
    add(r1, 68)
    str(r1, [r0, 60])  # word 15: the current lane's record
    label(LANE)
    mov(r7, lr)
    ldr(r6, [r7, 4])  # lanes left
    cmp(r6, 0)
    bne(NEXT_LANE)
    b(DONE)
    label(NEXT_LANE)
    sub(r6, 1)
    str(r6, [r7, 4])
    ldr(r1, [r7, 0])  # r1: this lane's destination
    add(r0, r1, 1)
    str(r0, [r7, 0])
    ldr(r6, [r7, 60])
    mov(r0, r6)
    add(r0, 12)
    str(r0, [r7, 60])
    ldr(r0, [r6, 0])
    ldr(r3, [r7, 64])
    add(r0, r0, r3)
    mov(r12, r0)  # r12: image address of the group's first channel
    ldr(r3, [r7, 12])
    ldr(r4, [r7, 36])
    mul(r3, r4)
    ldr(r0, [r6, 4])
    add(r0, r0, r3)
    mov(r8, r0)  # r8: iy = iy0 + ky0 * dil_h
    ldr(r0, [r6, 8])
    str(r0, [r7, 56])  # word 14: ix0
    ldr(r3, [r7, 16])
    mov(r10, r3)  # r10: kx
    ldr(r4, [r7, 40])
    mul(r3, r4)
    add(r0, r0, r3)
    mov(r9, r0)  # r9: ix = ix0 + kx0 * dil_w
    ldr(r0, [r7, 20])
    mov(r11, r0)  # r11: taps left
    label(TAP)
    mov(r7, lr)
    mov(r2, r8)
    ldr(r3, [r7, 28])
    cmp(r2, r3)
    bcs(PAD)  # iy < 0 or iy >= in_h (unsigned)
    mov(r4, r9)
    ldr(r3, [r7, 32])
    cmp(r4, r3)
    bcs(PAD)
    ldr(r3, [r7, 44])
    mul(r2, r3)
    ldr(r3, [r7, 48])
    mul(r4, r3)
    add(r0, r2, r4)
    mov(r2, r12)
    add(r0, r0, r2)  # r0: source pixel
    ldr(r2, [r7, 8])
    add(r2, r0, r2)  # r2: its end
    mov(r3, 0x80)
    label(COPY)
    ldrb(r4, [r0, 0])
    eor(r4, r3)
    strb(r4, [r1, 0])
    add(r0, 1)
    add(r1, 8)
    cmp(r0, r2)
    bne(COPY)
    b(NEXT_TAP)
    label(PAD)
    ldr(r2, [r7, 8])
    lsl(r2, r2, 3)
    add(r2, r1, r2)
    ldr(r3, [r7, 52])
    label(FILL)
    strb(r3, [r1, 0])
    add(r1, 8)
    cmp(r1, r2)
    bne(FILL)
    label(NEXT_TAP)
    mov(r0, r11)
    sub(r0, 1)
    beq(LANE)
    mov(r11, r0)
    mov(r0, r10)
    add(r0, 1)
    mov(r2, r9)
    ldr(r3, [r7, 40])
    add(r2, r2, r3)  # ix += dil_w
    ldr(r3, [r7, 24])
    cmp(r0, r3)
    bne(SAME_ROW)
    mov(r0, 0)  # next kernel row
    ldr(r2, [r7, 56])  # ix = ix0
    mov(r3, r8)
    ldr(r4, [r7, 36])
    add(r3, r3, r4)
    mov(r8, r3)  # iy += dil_h
    label(SAME_ROW)
    mov(r10, r0)
    mov(r9, r2)
    b(TAP)
    label(DONE)
    pop({r4, r5, r6, r7})
    mov(r8, r4)
    mov(r9, r5)
    mov(r10, r6)
    mov(r11, r7)
    mov(r0, 0)


@micropython.asm_thumb
def flip_bytes(r0, r1):
    """x ^= 0x80 for the r1 bytes at address r0 (word-aligned), a word at a time: int8 x
    <-> u = x + 128, its own inverse. r1 is a multiple of 4 (arena tensors are padded)."""
    add(r1, r0, r1)
    mov(r2, 0x80)
    lsl(r3, r2, 8)
    orr(r2, r3)
    lsl(r3, r2, 16)
    orr(r2, r3)  # 0x80808080
    b(TEST)
    label(WORD)
    ldr(r3, [r0, 0])
    eor(r3, r2)
    str(r3, [r0, 0])
    add(r0, 4)
    label(TEST)
    cmp(r0, r1)
    bcc(WORD)
    mov(r0, 0)


@micropython.asm_thumb
def dw8(r0):
    """DEPTHWISE_CONV_2D for up to eight output pixels (lanes), over a run of kernel rows
    and of input channels.

    acc[8 * o + p] = start + sum_t w_t[o] * u_pt[o // m] for each output channel o < C * m
    of the call (m: depth multiplier), where u_pt is lane p's input pixel under tap t (inputs
    flipped to u = x + 128 beforehand), or the pad row (bytes of the padding's u) for taps
    outside the input, and start is init[o] (init given) or acc[8 * o + p] (init 0: a later
    run of kernel rows). Parameter words: 0 acc, 1 lanes, 2 C (input channels of the call),
    3 weights of tap (ky0, 0) for the call's first output channel, 4 init (int32; 0: none),
    5 ky end, 6 kw, 7 in_h, 8 in_w, 9 dil_h, 10 dil_w, 11 bytes per input row, 12 pad row,
    13 m, 14-15 scratch, 16 bytes per input pixel, 17 bytes between taps' weights, 18 ky0,
    19 the call's first input channel, 20 + 3 * p: lane p's record (lanes8); from word 44,
    the tap table this builds: per tap, the address of its weights (moved along so that
    indexing it by the input channel c reaches output channel o) and the eight lanes' pixel
    addresses ((ky end - ky0) * kw <= 25 taps). Per channel and tap: one weight, eight lanes
    (r0-r3, r8-r11): 56 cycles per 8 MACs.
    """
    mov(r4, r8)
    mov(r5, r9)
    mov(r6, r10)
    mov(r7, r11)
    push({r4, r5, r6, r7})
    mov(lr, r0)
    # Pass 1: the tap table. r1: table entry, r2: tap weights, r3: ky, r4: kx.
    mov(r1, r0)
    add(r1, 176)
    ldr(r2, [r0, 12])
    ldr(r3, [r0, 72])
    label(TABLE_ROW)
    mov(r4, 0)
    label(TABLE_TAP)
    str(r2, [r1, 0])
    mov(r7, lr)
    ldr(r5, [r7, 68])
    add(r2, r2, r5)  # next tap's weights
    mov(r8, r2)
    mov(r9, r3)
    mov(r10, r4)
    ldr(r5, [r7, 36])
    mul(r3, r5)  # ky * dil_h
    ldr(r5, [r7, 40])
    mul(r4, r5)  # kx * dil_w
    mov(r6, r7)
    add(r6, 80)  # lane records
    mov(r5, 8)
    mov(r12, r5)  # lanes to place (all eight: unused lanes read the pad row)
    label(TABLE_LANE)
    add(r1, 4)
    ldr(r0, [r7, 48])  # pad row, unless the pixel is inside
    ldr(r5, [r7, 4])
    mov(r2, 8)
    sub(r2, r2, r5)
    mov(r5, r12)
    cmp(r5, r2)
    ble(PLACE)  # a lane beyond the count
    ldr(r2, [r6, 4])
    add(r2, r2, r3)  # iy
    ldr(r5, [r7, 28])
    cmp(r2, r5)
    bcs(PLACE)
    ldr(r7, [r6, 8])
    add(r7, r7, r4)  # ix
    mov(r5, lr)
    ldr(r5, [r5, 32])
    cmp(r7, r5)
    bcs(RESTORE)
    mov(r5, lr)
    ldr(r5, [r5, 44])
    mul(r2, r5)
    mov(r5, lr)
    ldr(r5, [r5, 64])
    mul(r7, r5)
    add(r2, r2, r7)
    mov(r5, lr)
    ldr(r5, [r5, 76])
    add(r2, r2, r5)  # iy * row + ix * pixel + first channel
    ldr(r0, [r6, 0])
    add(r0, r0, r2)
    label(RESTORE)
    mov(r7, lr)
    label(PLACE)
    str(r0, [r1, 0])
    add(r6, 12)
    mov(r5, r12)
    sub(r5, 1)
    mov(r12, r5)
    bne(TABLE_LANE)
    add(r1, 4)
    mov(r2, r8)
    mov(r3, r9)
    mov(r4, r10)
    add(r4, 1)
    ldr(r5, [r7, 24])
    cmp(r4, r5)
    bne(TABLE_TAP)
    add(r3, 1)
    ldr(r5, [r7, 20])
    cmp(r3, r5)
    bne(TABLE_ROW)
    mov(r12, r1)  # r12: end of the table
    # Pass 2: the sums, output channel o (word 14) by o; r7: its input channel c, word 15:
    # o - c * m; r6: table entry.
    mov(r7, 0)
    mov(r6, lr)
    str(r7, [r6, 56])
    str(r7, [r6, 60])
    label(CHANNEL)
    mov(r6, lr)
    ldr(r5, [r6, 56])
    ldr(r0, [r6, 16])
    cmp(r0, 0)
    beq(FROM_ACC)
    lsl(r5, r5, 2)
    add(r0, r0, r5)
    ldr(r0, [r0, 0])  # init[o]
    mov(r1, r0)
    mov(r2, r0)
    mov(r3, r0)
    mov(r8, r0)
    mov(r9, r0)
    mov(r10, r0)
    mov(r11, r0)
    b(LANES_SET)
    label(FROM_ACC)
    ldr(r4, [r6, 0])
    lsl(r5, r5, 5)
    add(r4, r4, r5)  # acc + 32 * o
    ldr(r0, [r4, 0])
    ldr(r1, [r4, 4])
    ldr(r2, [r4, 8])
    ldr(r3, [r4, 12])
    ldr(r5, [r4, 16])
    mov(r8, r5)
    ldr(r5, [r4, 20])
    mov(r9, r5)
    ldr(r5, [r4, 24])
    mov(r10, r5)
    ldr(r5, [r4, 28])
    mov(r11, r5)
    label(LANES_SET)
    add(r6, 176)
    label(TAP)
    ldr(r4, [r6, 0])
    data(2, _LDRSB | 7 << 6 | 4 << 3 | 4)  # ldrsb r4, [r4, r7]: weight
    ldr(r5, [r6, 4])
    data(2, _LDRB | 7 << 6 | 5 << 3 | 5)  # ldrb r5, [r5, r7]: u
    mul(r5, r4)
    add(r0, r0, r5)
    ldr(r5, [r6, 8])
    data(2, _LDRB | 7 << 6 | 5 << 3 | 5)
    mul(r5, r4)
    add(r1, r1, r5)
    ldr(r5, [r6, 12])
    data(2, _LDRB | 7 << 6 | 5 << 3 | 5)
    mul(r5, r4)
    add(r2, r2, r5)
    ldr(r5, [r6, 16])
    data(2, _LDRB | 7 << 6 | 5 << 3 | 5)
    mul(r5, r4)
    add(r3, r3, r5)
    ldr(r5, [r6, 20])
    data(2, _LDRB | 7 << 6 | 5 << 3 | 5)
    mul(r5, r4)
    data(2, _ADD_HI | 1 << 7 | 5 << 3 | 0)  # add r8, r5
    ldr(r5, [r6, 24])
    data(2, _LDRB | 7 << 6 | 5 << 3 | 5)
    mul(r5, r4)
    data(2, _ADD_HI | 1 << 7 | 5 << 3 | 1)  # add r9, r5
    ldr(r5, [r6, 28])
    data(2, _LDRB | 7 << 6 | 5 << 3 | 5)
    mul(r5, r4)
    data(2, _ADD_HI | 1 << 7 | 5 << 3 | 2)  # add r10, r5
    ldr(r5, [r6, 32])
    data(2, _LDRB | 7 << 6 | 5 << 3 | 5)
    mul(r5, r4)
    data(2, _ADD_HI | 1 << 7 | 5 << 3 | 3)  # add r11, r5
    add(r6, 36)
    data(2, _CMP_HI | 12 << 3 | 6)  # cmp r6, r12
    bne(TAP)
    mov(r6, lr)
    ldr(r5, [r6, 0])
    ldr(r4, [r6, 56])
    lsl(r4, r4, 5)
    add(r5, r5, r4)  # acc + 32 * o
    str(r0, [r5, 0])
    str(r1, [r5, 4])
    str(r2, [r5, 8])
    str(r3, [r5, 12])
    mov(r4, r8)
    str(r4, [r5, 16])
    mov(r4, r9)
    str(r4, [r5, 20])
    mov(r4, r10)
    str(r4, [r5, 24])
    mov(r4, r11)
    str(r4, [r5, 28])
    ldr(r4, [r6, 60])
    add(r4, 1)  # o - c * m for the next o
    ldr(r5, [r6, 52])
    cmp(r4, r5)
    bne(SAME_INPUT)
    mov(r4, 0)
    add(r7, 1)  # next input channel
    b(NEXT)
    label(SAME_INPUT)
    mov(r0, r6)
    add(r0, 176)
    label(SHIFT_WEIGHTS)  # every tap's weights one output channel on
    ldr(r1, [r0, 0])
    add(r1, 1)
    str(r1, [r0, 0])
    add(r0, 36)
    data(2, _CMP_HI | 12 << 3 | 0)  # cmp r0, r12
    bne(SHIFT_WEIGHTS)
    label(NEXT)
    str(r4, [r6, 60])
    ldr(r4, [r6, 56])
    add(r4, 1)
    str(r4, [r6, 56])
    ldr(r0, [r6, 8])
    ldr(r5, [r6, 52])
    mul(r0, r5)
    cmp(r4, r0)
    beq(DONE)
    b(CHANNEL)
    label(DONE)
    pop({r4, r5, r6, r7})
    mov(r8, r4)
    mov(r9, r5)
    mov(r10, r6)
    mov(r11, r7)
    mov(r0, 0)


@micropython.asm_thumb
def add_rescaled(r0):
    """ADD's sums before requantization: acc[i] = R1(x1[i]) + R2(x2[i]), i < count.

    R(x) = RoundingDivideByPOT(SRDHM((x - zp) << 20, M), s), as TFLM rescales each input of
    an int8 ADD: with d = x - zp, SRDHM(d << 20, M) = d * (M >> 11) + ((d * (M & 0x7FF)
    + 2**10) >> 11) (the shift leaves twenty zero bits), and (v + 2**10) >> 11 =
    ((v >> 10) + 1) >> 1. Parameter words: 0 x1, 1 x2 (int8), 2 acc (int32), 3 count (> 0),
    4-7 input 1's -zp, M & 0x7FF, M >> 11, s; 8-11 input 2's. Bounds: |d| <= 255,
    M >> 11 < 2**20, so |R(x)| < 2**28 and |acc| < 2**29. Two passes over acc, one per input.
    """
    mov(r4, r8)
    mov(r5, r9)
    mov(r6, r10)
    mov(r7, r11)
    push({r4, r5, r6, r7})
    mov(lr, r0)
    mov(r3, 0)
    mov(r11, r3)  # r11: 0 in the first pass (acc not read), then all ones
    ldr(r1, [r0, 8])
    ldr(r2, [r0, 12])
    lsl(r2, r2, 2)
    add(r2, r1, r2)
    mov(r12, r2)  # r12: end of acc
    ldr(r0, [r0, 0])  # r0: x1
    mov(r2, lr)
    add(r2, 16)  # input 1's words
    label(TRANSFORM)
    ldr(r3, [r2, 0])
    mov(r8, r3)  # r8: -zp
    ldr(r3, [r2, 4])
    mov(r9, r3)  # r9: M & 0x7FF
    ldr(r3, [r2, 8])
    mov(r10, r3)  # r10: M >> 11
    ldr(r6, [r2, 12])  # r6: s
    mov(r7, 1)
    lsl(r7, r6)
    sub(r7, 1)  # r7: mask 2**s - 1
    label(ELEMENT)
    ldrb(r3, [r0, 0])
    data(2, _SXTB | 3 << 3 | 3)  # sxtb r3, r3
    add(r0, 1)
    data(2, _ADD_HI | 8 << 3 | 3)  # add r3, r8: d
    mov(r4, r9)
    mul(r4, r3)
    asr(r4, r4, 10)
    add(r4, 1)
    asr(r4, r4, 1)  # (d * (M & 0x7FF) + 2**10) >> 11
    mov(r5, r10)
    mul(r3, r5)
    add(r3, r3, r4)  # v = SRDHM(d << 20, M)
    mov(r4, r7)
    and_(r4, r3)  # v & mask
    lsr(r5, r3, 31)
    lsr(r2, r7, 1)
    add(r5, r5, r2)  # threshold: mask / 2 + (v < 0)
    sub(r5, r5, r4)
    lsr(r5, r5, 31)  # round up: (v & mask) > threshold
    asr(r3, r6)
    add(r3, r3, r5)  # R(x)
    ldr(r4, [r1, 0])
    mov(r5, r11)
    and_(r4, r5)
    add(r3, r3, r4)
    str(r3, [r1, 0])
    add(r1, 4)
    data(2, _CMP_HI | 12 << 3 | 1)  # cmp r1, r12
    bne(ELEMENT)
    mov(r3, r11)
    cmp(r3, 0)
    bne(DONE)
    sub(r3, 1)
    mov(r11, r3)
    mov(r2, lr)
    ldr(r0, [r2, 4])  # x2
    ldr(r1, [r2, 8])
    add(r2, 32)  # input 2's words
    b(TRANSFORM)
    label(DONE)
    pop({r4, r5, r6, r7})
    mov(r8, r4)
    mov(r9, r5)
    mov(r10, r6)
    mov(r11, r7)
    mov(r0, 0)
