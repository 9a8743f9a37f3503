"""The loops' requantization and fixed-point primitives against TFLM's 64-bit arithmetic.

The viper backend computes TFLM's int64 products with 32-bit words only (16-bit limbs);
the plain backend with Python ints. Both run on MicroPython over edge values (INT32_MIN/MAX
products, shifts -31..30, rounding ties) and must equal a host model of TFLM's C code,
written here independently with C's truncating division.
"""

import json

import numpy as np
import pytest

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1


def c_div(n, d):
    q = abs(n) // abs(d)
    return q if (n >= 0) == (d > 0) else -q


def srdhm(a, b):
    if a == b == INT32_MIN:
        return INT32_MAX
    ab = a * b
    nudge = (1 << 30) if ab >= 0 else 1 - (1 << 30)
    return c_div(ab + nudge, 1 << 31)


def rdbpot(x, e):
    mask = (1 << e) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> e) + (1 if remainder > threshold else 0)


def mbqm(x, m, shift):
    left, right = max(shift, 0), max(-shift, 0)
    return rdbpot(srdhm(x * (1 << left), m), right)


EDGES = [INT32_MIN, INT32_MIN + 1, -(1 << 30) - 1, -(1 << 30), -65537, -65536, -32769, -32768, -255, -3, -2, -1, 0, 1, 2, 3, 255, 32767, 32768, 65535, 65536, (1 << 30) - 1, 1 << 30, INT32_MAX - 1, INT32_MAX]
MULTIPLIERS = [0, 1 << 30, (1 << 30) + 1, 1518500250, 2147450880, INT32_MAX - 1, INT32_MAX]

DEVICE = """
import array, json, sys
from ulite.loops import backend
from ulite import fxp_ops as fx
loops = backend(sys.argv[2])
cases = json.load(open(sys.argv[1]))
acc = array.array("i", [0])
out = bytearray(4)
got = []
for x, m, s in cases["mbqm"]:
    acc[0] = x
    rq = (bytes(array.array("i", [m])) + bytes([s & 0xFF]), 1, 0, -(1 << 31), (1 << 31) - 1, 4)
    loops.requantize(acc, out, 0, 1, rq, 0)
    got.append(int.from_bytes(out, "little"))
asm = fx.Assembler()
asm.op(fx.SRDHM, 1, 0, 2)
srdhm_program = asm.program()
asm.op(fx.RDBPOT_REG, 1, 0, 2)
rdbpot_program = asm.program()
consts = asm.constant_pool()
regs = asm.registers()
src = array.array("i", [0])
dst = array.array("i", [0])
for program, pairs in ((srdhm_program, cases["srdhm"]), (rdbpot_program, cases["rdbpot"])):
    for a, b in pairs:
        src[0] = a
        regs[2] = b
        loops.fxp_map(program, consts, regs, src, dst, 1)
        got.append(dst[0])
print(json.dumps(got))
"""


def cases():
    rng = np.random.default_rng(11)
    mbqm_cases = []
    for m in MULTIPLIERS + [int(v) for v in rng.integers(1 << 30, 1 << 31, 20)]:
        for shift in range(-31, 31):
            for x in EDGES + [int(v) for v in rng.integers(INT32_MIN, INT32_MAX, 8)]:
                if INT32_MIN <= x * (1 << max(shift, 0)) <= INT32_MAX:  # TFLM's precondition
                    mbqm_cases.append((x, m, shift))
    values = EDGES + [int(v) for v in rng.integers(INT32_MIN, INT32_MAX, 40)]
    srdhm_cases = [(a, b) for a in values for b in values]
    # rounding ties: x = k * 2**e + 2**(e-1), both signs
    rdbpot_cases = [(x, e) for e in range(0, 32) for x in EDGES]
    rdbpot_cases += [(s * (5 * (1 << e) + (1 << (e - 1))), e) for e in range(1, 28) for s in (1, -1)]
    return {"mbqm": mbqm_cases, "srdhm": srdhm_cases, "rdbpot": rdbpot_cases}


@pytest.mark.parametrize("loops", ["viper", "plain"])
def test_requantize_and_fixed_point_match_tflm_int64(tmp_path, micropython, loops):
    data = cases()
    (tmp_path / "cases.json").write_text(json.dumps(data))
    got = json.loads(micropython(DEVICE, heap="32M", args=[tmp_path / "cases.json", loops]).splitlines()[-1])
    expected = [mbqm(*c) & 0xFFFFFFFF for c in data["mbqm"]]
    expected += [srdhm(a, b) for a, b in data["srdhm"]]
    expected += [rdbpot(x, e) for x, e in data["rdbpot"]]
    assert len(got) == len(expected)
    labels = [("mbqm", c) for c in data["mbqm"]] + [("srdhm", c) for c in data["srdhm"]] + [("rdbpot", c) for c in data["rdbpot"]]
    wrong = [(label, e, g) for label, e, g in zip(labels, expected, got) if e != g]
    assert not wrong, "%d wrong, first: %s" % (len(wrong), wrong[:5])
