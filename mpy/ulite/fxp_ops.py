"""Fixed-point programs: gemmlowp's int32 math (fixedpoint.h) as tiny register programs.

TFLM's softmax, logistic and tanh evaluate exp(), 1/(1+x) and friends with gemmlowp's
fixed-point functions. Writing each of them out in every loop backend would duplicate a
lot of delicate arithmetic, so they are expressed once here as programs for a small
register machine, and each backend implements only the machine (`fxp_map`): for each
input element r0 = x, the program runs, and r1 is the result. Registers persist between
calls, so a program can leave values (like softmax's reciprocal) for the next one.

Instruction: 4 bytes (op, dst, a, b). Ops up to LESS take register b; the others use b as
an immediate (a shift, a bit number, or a constant-pool index for CONST).
"""

import array

from .tensor import INT32_MAX

ADD = 0  # d = a + b
SUB = 1  # d = a - b
AND = 2  # d = a & b
SRDHM = 3  # d = SaturatingRoundingDoublingHighMul(a, b)
RDBPOT_REG = 4  # d = RoundingDivideByPOT(a, b)
SHL_REG = 5  # d = a << b
SELECT = 6  # if a != 0: d = b
LESS = 7  # d = 1 if a < b else 0
CONST = 8  # d = constants[b]
MOV = 9  # d = a
RDBPOT = 10  # d = RoundingDivideByPOT(a, b)
SAT_SHL = 11  # d = saturating a << b (gemmlowp SaturatingRoundingMultiplyByPOT, b > 0)
SHL = 12  # d = a << b
SHR = 13  # d = a >> b
IS_ZERO = 14  # d = 1 if a == 0 else 0
TEST_BIT = 15  # d = (a >> b) & 1
CLZ = 16  # d = count of leading zeros of a as uint32
NEG = 17  # d = -a
HALF_SUM_ONE = 18  # d = RoundingHalfSum(a, INT32_MAX), for a >= 0

REGISTERS = 16


class Assembler:
    """Builds programs that share one constant pool and one register file."""

    def __init__(self):
        self.constants = []
        self.code = bytearray()

    def op(self, opcode, dst, a=0, b=0):
        for reg in (dst, a) + ((b,) if opcode <= LESS else ()):
            if not 0 <= reg < REGISTERS:
                raise ValueError("register r%d out of range" % reg)
        self.code.extend(bytes((opcode, dst, a, b)))

    def const(self, dst, value):
        if value not in self.constants:
            self.constants.append(value)
        self.op(CONST, dst, 0, self.constants.index(value))

    def program(self):
        """The instructions emitted since the last call, as one program."""
        code = bytes(self.code)
        self.code = bytearray()
        return code

    def constant_pool(self):
        return array.array("i", self.constants)

    def registers(self):
        return array.array("i", bytes(4 * REGISTERS))

    # gemmlowp fixedpoint.h, function by function. `t` lists free scratch registers.

    def srdhm_const(self, dst, a, value, t):
        self.const(t, value)
        self.op(SRDHM, dst, a, t)

    def exp_on_interval_between_negative_one_quarter_and_0_excl(self, dst, a, t):
        x, x2, x3, x4, y = t[0], t[1], t[2], t[3], t[4]
        self.const(y, 1 << 28)  # 1/8 in Q0.31
        self.op(ADD, x, a, y)
        self.op(SRDHM, x2, x, x)
        self.op(SRDHM, x3, x2, x)
        self.op(SRDHM, x4, x2, x2)
        self.op(RDBPOT, x4, x4, 2)
        self.op(ADD, y, x4, x3)
        self.srdhm_const(y, y, 715827883, x3)  # 1/3
        self.op(ADD, y, y, x2)
        self.op(RDBPOT, y, y, 1)
        self.op(ADD, y, x, y)
        self.srdhm_const(y, y, 1895147668, x3)  # exp(-1/8)
        self.const(x3, 1895147668)
        self.op(ADD, dst, x3, y)

    def exp_on_negative_values(self, dst, a, integer_bits, t):
        """dst = exp(a) in Q0.31 for a <= 0 in Q(integer_bits).(31 - integer_bits)."""
        fractional_bits = 31 - integer_bits
        rem, tmp, tmp2 = t[0], t[1], t[2]
        quarter = 1 << (fractional_bits - 2)
        self.const(tmp, quarter - 1)
        self.op(AND, rem, a, tmp)
        self.const(tmp, quarter)
        self.op(SUB, rem, rem, tmp)  # a mod 1/4 - 1/4
        if integer_bits:
            self.op(SAT_SHL, tmp, rem, integer_bits)  # Rescale<0>
        else:
            self.op(MOV, tmp, rem)
        self.exp_on_interval_between_negative_one_quarter_and_0_excl(dst, tmp, t[1:])
        self.op(SUB, rem, rem, a)  # remainder
        barrel = (
            (-2, 1672461947),
            (-1, 1302514674),
            (0, 790015084),
            (1, 290630308),
            (2, 39332535),
            (3, 720401),
            (4, 242),
        )
        for exponent, multiplier in barrel:
            if integer_bits > exponent:
                self.op(TEST_BIT, tmp, rem, fractional_bits + exponent)
                self.srdhm_const(tmp2, dst, multiplier, tmp2)
                self.op(SELECT, dst, tmp, tmp2)
        if integer_bits > 5:
            self.const(tmp2, -(1 << (36 - integer_bits)))  # -32
            self.op(LESS, tmp, a, tmp2)
            self.const(tmp2, 0)
            self.op(SELECT, dst, tmp, tmp2)
        self.op(IS_ZERO, tmp, a)
        self.const(tmp2, INT32_MAX)
        self.op(SELECT, dst, tmp, tmp2)

    def _newton_raphson_division(self, x, a, t):
        """x = 2 / (1 + a) in Q2.29 for a in [0, 1) in Q0.31: the Newton-Raphson division
        gemmlowp's one_over_one_plus_x and one_minus_x_over_one_plus_x share."""
        half_denominator, tmp, tmp2 = t[0], t[1], t[2]
        self.op(HALF_SUM_ONE, half_denominator, a)
        self.srdhm_const(x, half_denominator, -1010580540, tmp)  # -32/17 in Q2.29
        self.const(tmp, 1515870810)  # 48/17 in Q2.29
        self.op(ADD, x, x, tmp)
        self.const(tmp2, 1 << 29)  # one in Q2.29
        for _ in range(3):
            self.op(SRDHM, tmp, half_denominator, x)
            self.op(SUB, tmp, tmp2, tmp)
            self.op(SRDHM, tmp, x, tmp)
            self.op(SAT_SHL, tmp, tmp, 2)
            self.op(ADD, x, x, tmp)

    def one_over_one_plus_x_for_x_in_0_1(self, dst, a, t):
        """dst = 1 / (1 + a) for a in [0, 1) in Q0.31; result in Q0.31."""
        x = t[1]
        self._newton_raphson_division(x, a, (t[0], t[2], t[3]))
        self.op(SAT_SHL, dst, x, 1)  # Rescale<0>(ExactMulByPot<-1>(x))

    def one_minus_x_over_one_plus_x_for_x_in_0_1(self, dst, a, t):
        """dst = (1 - a) / (1 + a) for a in [0, 1) in Q0.31; result in Q0.31."""
        x, tmp = t[1], t[2]
        self._newton_raphson_division(x, a, (t[0], t[2], t[3]))
        self.const(tmp, 1 << 29)
        self.op(SUB, x, x, tmp)
        self.op(SAT_SHL, dst, x, 2)  # Rescale<0>(x - F2::One())

    def logistic(self, dst, a, integer_bits, t):
        """dst = 1 / (1 + exp(-a)) in Q0.31 for a in Q(integer_bits).(31 - integer_bits).

        t: ten scratch registers, none of them dst or a.
        """
        positive, zero, x, y = t[0], t[1], t[2], t[3]
        self.const(x, 0)
        self.op(LESS, positive, x, a)
        self.op(IS_ZERO, zero, a)
        self.op(NEG, x, a)
        self.op(SELECT, x, positive, a)  # |a|
        self.op(NEG, x, x)
        self.exp_on_negative_values(y, x, integer_bits, t[4:10])
        self.one_over_one_plus_x_for_x_in_0_1(y, y, t[4:8])  # logistic(|a|)
        self.const(x, INT32_MAX)
        self.op(SUB, x, x, y)  # one minus it, for negative a
        self.op(SELECT, x, positive, y)
        self.const(y, 1 << 30)  # exactly one half at zero
        self.op(SELECT, x, zero, y)
        self.op(MOV, dst, x)

    def tanh(self, dst, a, integer_bits, t):
        """dst = tanh(a) in Q0.31 for a in Q(integer_bits).(31 - integer_bits).

        t: ten scratch registers, none of them dst or a.
        """
        negative, zero, n, y = t[0], t[1], t[2], t[3]
        self.const(n, 0)
        self.op(LESS, negative, a, n)
        self.op(IS_ZERO, zero, a)
        self.op(NEG, n, a)
        self.op(SELECT, n, negative, a)  # -|a|
        # neg_tanh_on_negative_values: exp(2n), the raw value read with one more integer bit
        self.exp_on_negative_values(y, n, integer_bits + 1, t[4:10])
        self.one_minus_x_over_one_plus_x_for_x_in_0_1(y, y, t[4:8])  # tanh(|a|)
        self.op(NEG, n, y)
        self.op(SELECT, y, negative, n)
        self.const(n, 0)
        self.op(SELECT, y, zero, n)
        self.op(MOV, dst, y)
