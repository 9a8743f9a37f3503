"""Every viper intermediate fits a signed 32-bit word (see viper_int32.py for the checker).

Each viper loop runs on edge inputs through the checker, which must record nothing, and
the checked results must equal the real viper and plain loops on MicroPython. Whole models
also run through the checker with ulite's interpreter in CPython, against TFLM.

To cover a new viper loop: write a function returning `Vector`s that call it with the
edge values its contract allows (the bound documented next to its loop) and add it to
VECTORS; to cover a kernel as prepare() drives it, add a job builder to MODEL_JOBS.
"""

import struct
from pathlib import Path

import numpy as np
import pytest
from conftest import golden_cases, model_path
from oracle import run_tflm
from test_conv import CONV_CASES, DEPTHWISE_CASES, conv_jobs, conv_model, depthwise_jobs
from test_activations import unary_model
from test_conv_16x8 import conv_16x8_jobs, depthwise_16x8_jobs, quick_16x8_jobs
from test_elementwise import binary_model
from test_kernels_core import extreme_int8_jobs, softmax_int16_model, softmax_model
from test_pool import pool_model
from test_shape_ops import mean_model
from viper_int32 import (
    INT32_MAX,
    INT32_MIN,
    Stop,
    Unsupported,
    Vector,
    load,
    run_checked,
    run_device,
)

from host_tools.model_builder import ModelBuilder
from host_tools.paths import MPY_DIR, tool

VIPER_DIR = MPY_DIR / "ulite" / "loops" / "viper"
MULTIPLIERS = [0, 1, 65535, 1 << 30, (1 << 30) + 1, 1518500250, INT32_MAX]
ACCUMULATORS = [
    INT32_MIN,
    INT32_MIN + 1,
    -(1 << 30),
    -65536,
    -32769,
    -1,
    0,
    1,
    32767,
    65535,
    1 << 30,
    INT32_MAX,
]


@pytest.fixture(scope="module")
def checker():
    return load()


def i32(values):
    return struct.pack("<%di" % len(values), *values)


def rq_tables(vector, multipliers, shifts):
    """The tables of an rq tuple: int32 multipliers, then int8 shifts."""
    return vector.buffer("tables", i32(multipliers) + bytes(s & 0xFF for s in shifts))


def requantize_vectors():
    """Every multiplier with every shift -31..30, on accumulators up to the legal bound:
    |acc << max(shift, 0)| + |zero point| <= INT32_MAX (check_accumulator refuses more)."""
    pairs = [(m, s) for m in MULTIPLIERS for s in range(-31, 31)]
    vectors = []
    outputs = ((1, -128, 127, (-128, 127)), (1, 127, 127, (-128, 127)), (2, 0, 0, (-32768, 32767)))
    for itemsize, zp, margin, (lo, hi) in outputs + ((4, 0, 0, (INT32_MIN, INT32_MAX)),):
        v = Vector("requantize itemsize %d zp %d" % (itemsize, zp))
        tables = rq_tables(v, [m for m, _ in pairs], [s for _, s in pairs])
        rq = (tables, len(pairs), zp, lo, hi, itemsize)
        out = v.buffer("out", bytes(itemsize * len(pairs) * len(ACCUMULATORS)))
        for k, a in enumerate(ACCUMULATORS):
            legal = []
            for _, s in pairs:
                bound = (INT32_MAX - margin) >> max(s, 0)
                legal.append(max(-bound, min(bound, a)))
            acc = v.buffer("acc%d" % k, i32(legal))
            v.call("requantize", acc, out, k * len(pairs), len(pairs), rq, 0)
        vectors.append(v)
    # channels cycling from a first channel past the end, in chunks
    v = Vector("requantize channel cycling")
    tables = rq_tables(v, MULTIPLIERS, [-1, 0, 3, -31, 5, -7, 1])
    acc = v.buffer("acc", i32([(i * 7919) % 20000 - 10000 for i in range(40)]))
    out = v.buffer("out", bytes(80))
    for start in (0, 13, 27):
        v.call(
            "requantize",
            acc.view(4 * start, 4 * (start + 13)),
            out,
            start,
            13,
            (tables, 7, -3, -128, 127, 1),
            start + 15,
        )
    vectors.append(v)
    return vectors


def fully_connected_vectors():
    """Extreme weights, inputs and input zero points with biases at the loop's bound
    |bias| + depth * 128 * 255 < 2**31 (minus the output zero point), per-tensor and
    per-channel, with and without bias, several chunk sizes."""
    vectors = []
    rng = np.random.default_rng(11)
    for depth, units, chunk in ((1, 1, 1), (37, 70, 64), (300, 5, 3), (16, 129, 64)):
        top = INT32_MAX - 128 - depth * 128 * 255
        for w_value, x_value, zp in ((-128, 127, -128), (-128, -128, 127), (127, 127, -128), (None, None, 5)):
            v = Vector(
                "fully_connected depth %d units %d w %s x %s zp %d" % (depth, units, w_value, x_value, zp)
            )
            if w_value is None:
                w = rng.integers(-128, 128, (units, depth), dtype=np.int8)
                x = rng.integers(-128, 128, (2, depth), dtype=np.int8)
            else:
                w = np.full((units, depth), w_value, np.int8)
                x = np.full((2, depth), x_value, np.int8)
            bias = [top, -top, 0, top // 3, -top // 2][:units] + [
                int(i) for i in rng.integers(-top, top, max(units - 5, 0))
            ]
            channels = units if units % 2 else 1
            multipliers = [MULTIPLIERS[(u * 3) % len(MULTIPLIERS)] for u in range(channels)]
            shifts = [[0, -1, -31, -12][u % 4] for u in range(channels)]
            tables = rq_tables(v, multipliers, shifts)
            out = v.buffer("out", bytes(2 * units))
            has_bias = 0 if depth == 300 else 1
            args = (
                out,
                v.buffer("x", x.tobytes()),
                v.buffer("w", w.tobytes()),
                v.buffer("bias", i32(bias)),
                has_bias,
                v.buffer("acc", bytes(4 * chunk)),
                chunk,
                2,
                depth,
                units,
                zp,
                (tables, channels, 127 if depth % 2 else -128, -128, 127, 1),
            )
            vectors.append(v.call("fully_connected_int8", args))
    return vectors


WIDE_ACCUMULATORS = [
    -(1 << 63), -(1 << 63) + 1, -(1 << 47), -(1 << 31) - 1, -(1 << 31), -65537, -1,
    0, 1, 65535, INT32_MAX, 1 << 31, (1 << 47) - 1, (1 << 62) + 12345, (1 << 63) - 1,
]  # fmt: skip


def i64(values):
    return struct.pack("<%dq" % len(values), *values)


def requantize_wide_vectors():
    """The int64 path: every reduced multiplier edge with every right shift 1..46 on int64
    accumulators from one end of the range to the other, zero points at the ends of int16,
    outputs of 1, 2 and 4 bytes; the int32 path on the low words at their ends."""
    pairs = [(m, r) for m in (0, 1, 0x4000, 12345, 0x7FFF) for r in range(1, 47)]
    vectors = []
    for itemsize, zp, (lo, hi) in ((2, 0, (-32768, 32767)), (2, -32768, (-32768, 32767)),
                                   (4, 32767, (INT32_MIN, INT32_MAX)), (1, 5, (-128, 127))):  # fmt: skip
        v = Vector("requantize_wide itemsize %d zp %d" % (itemsize, zp))
        tables = rq_tables(v, [m for m, _ in pairs], [r for _, r in pairs])
        rq = (tables, len(pairs), zp, lo, hi, itemsize, 64)
        out = v.buffer("out", bytes(itemsize * len(pairs) * len(WIDE_ACCUMULATORS)))
        for k, a in enumerate(WIDE_ACCUMULATORS):
            acc = v.buffer("acc%d" % k, i64([a] * len(pairs)))
            v.call("requantize_wide", acc, out, k * len(pairs), len(pairs), rq, 0)
        vectors.append(v)
    v = Vector("requantize_wide int32 accumulation")
    tables = rq_tables(v, MULTIPLIERS, [0, -1, -31, -12, 0, -5, -30])
    acc = v.buffer("acc", i64(WIDE_ACCUMULATORS[:14]))
    out = v.buffer("out", bytes(2 * 14))
    v.call("requantize_wide", acc, out, 0, 14, (tables, 7, 0, -32768, 32767, 2, 32), 3)
    vectors.append(v)
    return vectors


def fully_connected_16x8_vectors():
    """Depths around the loops' runs of 508 products, the largest products of both signs
    (-128 x -32768 = 2**22), inits at the ends of int64, chunks of units."""
    vectors = []
    rng = np.random.default_rng(15)
    for depth, units, chunk in ((1, 1, 1), (508, 3, 2), (509, 22, 21), (1017, 5, 21)):
        for w_value, x_value in ((-128, -32768), (127, -32768), (None, None)):
            v = Vector("fully_connected_16x8 depth %d units %d w %s" % (depth, units, w_value))
            if w_value is None:
                w = rng.integers(-128, 128, (units, depth), dtype=np.int8)
                x = rng.integers(-32768, 32768, (2, depth), dtype=np.int16)
            else:
                w = np.full((units, depth), w_value, np.int8)
                x = np.full((2, depth), x_value, np.int16)
            init = ([(1 << 63) - 1, -(1 << 63), 0, (1 << 47)] * units)[:units]
            tables = rq_tables(v, [0x7FFF, 1, 12345][:units] + [0x4000] * (units - 3), [46, 1, 20][:units] + [31] * (units - 3))
            args = (
                v.buffer("out", bytes(4 * units)),
                v.buffer("x", x.tobytes()),
                v.buffer("w", w.tobytes()),
                v.buffer("init", i64(init)),
                1,
                v.buffer("acc", bytes(12 * chunk), scratch=True),  # viper keeps its run sums there
                chunk,
                2,
                depth,
                units,
                0,
                (tables, units, -7, -32768, 32767, 2, 64),
            )
            vectors.append(v.call("fully_connected_16x8", args))
    return vectors


# (dims, strides 1, strides 2, input 1 and 2 sizes): one long run, broadcasting, chunk edges
BROADCAST_SHAPES = [
    ((1, 1, 1, 1, 1, 300), (0, 0, 0, 0, 0, 1), (0, 0, 0, 0, 0, 1), 300, 300),
    ((1, 1, 2, 3, 4, 5), (0, 0, 60, 20, 5, 1), (0, 0, 0, 0, 5, 1), 120, 20),
    ((2, 1, 1, 3, 1, 7), (0, 0, 0, 7, 0, 1), (1, 0, 0, 0, 0, 0), 21, 2),
]


def binary_vectors():
    """Every mode with extreme zero points, rescale multipliers just below 2**31 and shifts
    up to 31, broadcasting strides and chunk edges."""
    vectors = []
    rng = np.random.default_rng(12)
    transforms = [
        ((-128, 0, INT32_MAX >> 11, INT32_MAX & 0x7FF, 0), (127, 1, INT32_MAX >> 11, INT32_MAX & 0x7FF, 0)),
        ((127, 0, (1 << 30) >> 11, 0, 31), (-128, 1, 1518500250 >> 11, 1518500250 & 0x7FF, 12)),
        ((0, 0, 0, 0, 0), (5, 0, 0, 0, 0)),
    ]
    for mode in range(4):
        for k, (r1, r2) in enumerate(transforms):
            for dims, st1, st2, n1, n2 in BROADCAST_SHAPES:
                v = Vector("binary mode %d transforms %d dims %s" % (mode, k, dims))
                count = int(np.prod(dims))
                tables = rq_tables(v, [MULTIPLIERS[k + 4]], [-(k * 9)])
                x1 = np.full(n1, [-128, 127, 0][k], np.int8) if k < 2 else rng.integers(-128, 128, n1, dtype=np.int8)
                x2 = np.full(n2, [127, -128, 0][k], np.int8) if k < 2 else rng.integers(-128, 128, n2, dtype=np.int8)
                args = (
                    v.buffer("out", bytes(count)),
                    v.buffer("x1", x1.tobytes()),
                    v.buffer("x2", x2.tobytes()),
                    r1,
                    r2,
                    dims,
                    st1,
                    st2,
                    v.buffer("acc", bytes(256)),
                    64,
                    (tables, 1, [-128, 0, 127][k], -128, 127, 1),
                    mode,
                )
                vectors.append(v.call("binary_int8", args))
    return vectors


def small_loop_vectors():
    """widen (int8, int16, int32), narrow, sum_int32 and diff_from_max_int8 at the ends of
    their ranges."""
    v = Vector("widen, narrow, sum_int32, diff_from_max_int8")
    int8s = v.buffer("int8", bytes(range(256)))
    int16s = v.buffer("int16", struct.pack("<6h", -32768, -32767, -1, 0, 1, 32767))
    wide = v.buffer("wide", bytes(4 * 256))
    v.call("widen", int8s, 0, 256, 1, 255, wide)
    v.call("widen", int8s, 100, 156, 1, -255, wide)
    v.call("widen", int16s, 0, 6, 2, 65535, wide)
    v.call("widen", int16s, 1, 5, 2, -65535, wide)
    int32s = v.buffer("int32", i32([INT32_MIN, INT32_MIN + 1, -1, 0, 1, INT32_MAX]))
    v.call("widen", int32s, 0, 6, 4, 0, wide)
    edges = v.buffer(
        "edges", i32([INT32_MAX - 32768, INT32_MIN + 32768, -40000, 40000, 0, -1, 70000, -70000])
    )
    bounds = {1: (-128, 127), 2: (-32768, 32767)}
    for k, (itemsize, offset) in enumerate(((1, 32768), (1, -32768), (2, -32768), (2, 32767))):
        narrowed = v.buffer("narrowed%d" % k, bytes(2 + 8 * itemsize))
        v.call("narrow", edges, 8, narrowed, 2 // itemsize, itemsize, offset, *bounds[itemsize])
    total = v.buffer("total", bytes(4))
    v.call(
        "sum_int32",
        v.buffer("big", i32([INT32_MAX, -1, INT32_MIN + 1, -(1 << 30), 1 << 30])),
        5,
        total,
    )
    v.call(
        "sum_int32",
        v.buffer("parts", i32([(1 << 19) - 1] * 4095)),
        4095,
        v.buffer("total2", bytes(4)),
    )
    for start, count in ((0, 256), (0, 1), (255, 1), (128, 128), (0, 128)):
        v.call("diff_from_max_int8", int8s, start, count, wide)
    return [v]


def softmax_program_vectors():
    """fxp_map over softmax's programs: every int8 difference through the exp program for
    the smallest and largest input multipliers, edge sums through the reciprocal, and
    edge exps through the output program with every exponent it can be given."""
    from ulite import fxp_ops
    from ulite.kernels import softmax

    vectors = []
    diffs = i32(range(-255, 1))
    for multiplier, left_shift in (
        (1 << 30, 0),
        (INT32_MAX, 0),
        (1 << 30, 26),
        (INT32_MAX, 31 - 5),
        (1518500250, 10),
    ):
        diff_min = -((31 << 26) >> left_shift)
        programs, consts = softmax._programs(multiplier, left_shift, diff_min)
        v = Vector("softmax programs multiplier %d shift %d" % (multiplier, left_shift))
        program = [v.buffer("program%d" % k, p) for k, p in enumerate(programs)]
        consts = v.buffer("consts", consts.tobytes(), "i")
        regs = v.buffer("regs", bytes(4 * fxp_ops.REGISTERS))
        exps = v.buffer("exps", bytes(4 * 256))
        v.call("fxp_map", program[0], consts, regs, v.buffer("diffs", diffs), exps, 256)
        v.call(
            "fxp_map", program[1], consts, regs, exps, v.buffer("rescaled", bytes(4 * 256)), 256
        )
        sums = [
            1 << 19,
            (1 << 19) + 1,
            3 << 19,
            (1 << 20) - 1,
            1 << 20,
            12345678,
            4095 << 19,
            (4095 << 19) + 4095,
        ]
        v.call(
            "fxp_map",
            program[2],
            consts,
            regs,
            v.buffer("sums", i32(sums)),
            v.buffer("headroom", bytes(32)),
            8,
        )
        edges = v.buffer(
            "edge_exps", i32([0, 1, 2, (1 << 30) - 1, 1 << 30, INT32_MAX - 1, INT32_MAX])
        )
        for exponent in range(0, 32):
            v.call(
                "fxp_map",
                program[3],
                consts,
                _with_exponent(v, regs, exponent),
                edges,
                v.buffer("out%d" % exponent, bytes(28)),
                7,
            )
        vectors.append(v)
    return vectors


def _with_exponent(vector, regs, exponent):
    """The register file after the reciprocal, with softmax's exponent register set."""
    from ulite.kernels import softmax, steps

    name = "regs_exp%d" % exponent
    scale = 0x7FFFFFFF - exponent * 12345
    values = [0] * 16
    values[steps.SOFTMAX_EXPONENT_REG] = exponent
    values[softmax._SCALE_REG] = scale
    return vector.buffer(name, i32(values))


def fxp_op_vectors():
    """Every fxp_ops instruction on edge registers, within each instruction's contract
    (ADD, SUB, SHL, SHL_REG, NEG only where the exact result fits int32)."""
    from ulite import fxp_ops as fx

    edges = [
        INT32_MIN,
        INT32_MIN + 1,
        INT32_MIN + 65535,
        -(1 << 30),
        -65536,
        -1,
        0,
        1,
        65535,
        1 << 30,
        INT32_MAX - 1,
        INT32_MAX,
    ]
    asm = fx.Assembler()
    programs = []  # (program, inputs)

    def emit(inputs):
        programs.append((asm.program(), [e for e in edges if inputs(e)]))

    for c in edges:
        asm.const(2, c)
        asm.op(fx.SRDHM, 1, 0, 2)
        emit(lambda e: True)
        for op, fits in ((fx.ADD, lambda e, c=c: e + c), (fx.SUB, lambda e, c=c: e - c)):
            asm.const(2, c)
            asm.op(op, 1, 0, 2)
            emit(lambda e, fits=fits: INT32_MIN <= fits(e) <= INT32_MAX)
        for op in (fx.AND, fx.LESS, fx.SELECT):
            asm.const(2, c)
            asm.op(fx.MOV, 1, 2)
            asm.op(op, 1, 0, 2)
            emit(lambda e: True)
    for e in range(32):
        asm.op(fx.RDBPOT, 1, 0, e)
        emit(lambda x: True)
        asm.const(2, e)
        asm.op(fx.RDBPOT_REG, 1, 0, 2)
        emit(lambda x: True)
        asm.op(fx.TEST_BIT, 1, 0, e)
        emit(lambda x: True)
        asm.op(fx.SHL, 1, 0, e)
        emit(lambda x, e=e: INT32_MIN <= x << e <= INT32_MAX)
        asm.const(2, e)
        asm.op(fx.SHL_REG, 1, 0, 2)
        emit(lambda x, e=e: INT32_MIN <= x << e <= INT32_MAX)
        asm.op(fx.SHR, 1, 0, e)
        emit(lambda x: True)
        if e:
            asm.op(fx.SAT_SHL, 1, 0, e)
            emit(lambda x: True)
    for op, fits in (
        (fx.CLZ, None),
        (fx.IS_ZERO, None),
        (fx.NEG, lambda x: x > INT32_MIN),
        (fx.HALF_SUM_ONE, lambda x: x >= 0),
    ):
        asm.op(op, 1, 0)
        emit(fits or (lambda x: True))
    v = Vector("every fxp_ops instruction on edge registers")
    consts = v.buffer("consts", asm.constant_pool().tobytes(), "i")
    regs = v.buffer("regs", bytes(4 * fx.REGISTERS))
    for k, (program, inputs) in enumerate(programs):
        src = v.buffer("src%d" % k, i32(inputs))
        v.call(
            "fxp_map",
            v.buffer("program%d" % k, program),
            consts,
            regs,
            src,
            v.buffer("dst%d" % k, bytes(4 * len(inputs))),
            len(inputs),
        )
    return [v]


def binary_int16_vectors():
    """binary_int16 in every mode: sums from d << 15 with zero points at the ends of int16,
    rescale multipliers just below 2**31 (right shifts 1 to 31; at shift 0 the multiplier
    is at most 2**30, TFLM's one half), products of zero-point-0 inputs up to 2**30."""
    vectors = []
    rng = np.random.default_rng(15)
    high, low = INT32_MAX >> 16, INT32_MAX & 0xFFFF
    half = ((1 << 30) >> 16, 0)
    sums = [
        ((-32768, 0, half[0], half[1], 0), (32767, 1, high, low, 1)),
        ((32767, 1, high, low, 31), (-32768, 0, 1518500250 >> 16, 1518500250 & 0xFFFF, 12)),
        ((0, 0, half[0], half[1], 0), (0, 0, half[0], half[1], 0)),
    ]
    plain = ((0, 0, 0, 0, 0), (0, 0, 0, 0, 0))
    edges = np.array([-32768, -32767, -1, 0, 1, 32767] * 50, np.int16)
    for mode, transforms in [(0, t) for t in sums] + [(m, plain) for m in (1, 2, 3)]:
        for k, (dims, st1, st2, n1, n2) in enumerate(BROADCAST_SHAPES):
            v = Vector("binary_int16 mode %d transforms %s dims %s" % (mode, transforms[0], dims))
            count = int(np.prod(dims))
            multiplier, shift = ((1 << 30, 1) if mode > 1 else (MULTIPLIERS[k + 4], -(k * 9)))
            tables = rq_tables(v, [multiplier], [shift])
            x1 = edges[:n1] if k < 2 else rng.integers(-32768, 32768, n1, dtype=np.int16)
            x2 = edges[::-1][:n2] if k < 2 else rng.integers(-32768, 32768, n2, dtype=np.int16)
            args = (
                v.buffer("out", bytes(2 * count)),
                v.buffer("x1", x1.tobytes()),
                v.buffer("x2", x2.tobytes()),
                transforms[0],
                transforms[1],
                dims,
                st1,
                st2,
                v.buffer("acc", bytes(256)),
                64,
                (tables, 1, [-32768, 0, 32767][k], -32768, 32767, 2),
                mode,
            )
            vectors.append(v.call("binary_int16", args))
    return vectors


def int16_activation_vectors():
    """leaky_relu_int16 with zero points at the ends of int16, multipliers up to 2**31 - 1
    at shifts up to the largest the kernels allow (65535 << shift < 2**31), both signs of
    alpha;
    logistic_tanh_int16 at TFLM's scalings, from the power-of-two
    case to the largest multiplier (65535) and the 31-bit shift. Every 97th int16 value and
    the ends (the checker is slow; tests/test_activations.py runs all of them on MicroPython)."""
    from ulite import sigmoid_lut

    vectors = []
    values = np.concatenate([np.arange(-32768, 32768, 97), [-32767, -1, 0, 1, 32766, 32767]])
    every = values.astype(np.int16).tobytes()
    count = len(values)
    for zp_in, zp_out, negative in ((-32768, 32767, 1), (32767, -32768, 0), (0, 0, 1)):
        v = Vector("leaky_relu_int16 zero points %d, %d" % (zp_in, zp_out))
        x = v.buffer("x", every)
        for k, shift in enumerate((-31, -20, -12, -5, -1, 0, 1, 5, 10, 14, 15)):
            multipliers = [MULTIPLIERS[k % len(MULTIPLIERS)], INT32_MAX]
            tables = rq_tables(v, multipliers, [shift, 15 - k % 16])
            rq = (tables, 2, zp_out, -32768, 32767, 2)
            v.call("leaky_relu_int16", (x, v.buffer("out%d" % k, bytes(len(every))), count, zp_in, rq, negative))
        vectors.append(v)
    v = Vector("logistic_tanh_int16")
    x = v.buffer("x", every)
    table = v.buffer("table", sigmoid_lut.TABLE)
    for k, (multiplier, shift) in enumerate(((3, 0), (6, 0), (24576, 13), (32767, 31), (65535, 0), (16385, 1))):
        for tanh in (0, 1):
            out = v.buffer("out%d_%d" % (k, tanh), bytes(len(every)))
            v.call("logistic_tanh_int16", (x, out, count, multiplier, shift, table, tanh))
    vectors.append(v)
    return vectors


def softmax_int16_vectors():
    """softmax_int16: rows holding the ends of int16, the largest rescale (shift 15,
    multiplier 2**31 - 1) and a chunk boundary in the middle of a row."""
    from ulite import softmax_luts

    vectors = []
    rng = np.random.default_rng(16)
    for multiplier, shift in ((INT32_MAX, 15), (1 << 30, -20), (1518500250, 0)):
        v = Vector("softmax_int16 multiplier %d shift %d" % (multiplier, shift))
        exp = v.buffer("exp", softmax_luts.EXP)
        reciprocal = v.buffer("reciprocal", softmax_luts.ONE_OVER_ONE_PLUS_X)
        tables = rq_tables(v, [multiplier], [shift])
        rq = (tables, 1, 32767, -32768, 32767, 2)
        rows = [
            np.array([32767, -32768] * 50, np.int16),
            rng.integers(32000, 32768, 100, dtype=np.int16),
            rng.integers(-32768, 32768, 100, dtype=np.int16),
        ]
        x = v.buffer("x", np.concatenate(rows).tobytes())
        out = v.buffer("out", bytes(600))
        v.call("softmax_int16", (x, out, 3, 100, v.buffer("acc", bytes(4 * 64)), 64, rq, exp, reciprocal))
        vectors.append(v)
    return vectors


def softmax_int16_deepest_row():
    """softmax_int16 on the deepest row the kernel takes: 65536 equal values, whose exps sum
    to just below 2**31."""
    from ulite import softmax_luts

    v = Vector("softmax_int16 deepest row")
    tables = rq_tables(v, [1 << 30], [0])
    x = v.buffer("x", np.full(65536, -7, np.int16).tobytes())
    args = (x, v.buffer("out", bytes(2 * 65536)), 1, 65536, v.buffer("acc", bytes(256)), 64)
    exp = v.buffer("exp", softmax_luts.EXP)
    reciprocal = v.buffer("reciprocal", softmax_luts.ONE_OVER_ONE_PLUS_X)
    return [v.call("softmax_int16", args + ((tables, 1, 32767, -32768, 32767, 2), exp, reciprocal))]


VECTORS = [
    requantize_vectors,
    fully_connected_vectors,
    requantize_wide_vectors,
    fully_connected_16x8_vectors,
    binary_vectors,
    binary_int16_vectors,
    int16_activation_vectors,
    softmax_int16_vectors,
    small_loop_vectors,
    softmax_program_vectors,
    fxp_op_vectors,
]


# longer runs through the checker: `make test-slow`
SLOW_VECTORS = [softmax_int16_deepest_row]


@pytest.mark.parametrize(
    "vectors",
    VECTORS + [pytest.param(f, marks=pytest.mark.slow) for f in SLOW_VECTORS],
    ids=lambda f: f.__name__,
)
def test_loops_stay_in_int32_and_match_micropython(checker, vectors):
    vectors = vectors()
    checker.reset()
    checked = [run_checked(checker, v) for v in vectors]
    assert checker.report() == [], "\n".join(checker.report())
    device = run_device(vectors)
    for v, mine, theirs in zip(vectors, checked, device):
        for backend, buffers in theirs.items():
            for name, data in mine.items():
                assert name in v.scratch or buffers[name] == data, "%s: buffer %s differs from %s on MicroPython" % (
                    v.label,
                    name,
                    backend,
                )


def golden_jobs():
    jobs = []
    for name, cases in (("hello_world_int8", 3), ("ad01_int8", 1), ("simple_add", 3)):
        model = model_path(name).read_bytes()
        jobs += [(model, ins) for ins, _ in golden_cases(name)[:cases]]
    return jobs


def softmax_edge_jobs():
    """SOFTMAX with tiny and large betas, constant rows and the deepest rows ulite takes
    (TFLM aborts on int8 outputs when a row's sum needs an exponent above 31)."""
    rng = np.random.default_rng(13)
    rows = (((1, 120), None), ((1, 33), 127), ((1, 33), -128))
    cases = [
        (beta, shape, value, out)
        for beta in (1.0, 1e-4, 50.0)
        for out in ("int8", "int16")
        for shape, value in rows
    ]
    cases.append((1e-4, (1, 4095), None, "int16"))  # a row sum just below 2**31
    jobs = []
    for beta, shape, value, out_dtype in cases:
        x = (
            rng.integers(-128, 128, shape, dtype=np.int8)
            if value is None
            else np.full(shape, value, np.int8)
        )
        jobs.append((softmax_model(rng, shape, beta, out_dtype), [x]))
    return jobs


def requantize_edge_jobs():
    """QUANTIZE int8/int16/int32 -> int8/int16/int32 at the largest scale ratios and zero
    points ulite accepts (shifts 23 and 16: one more and QUANTIZE refuses, see
    test_refusals.py; int8 -> int32 with the largest output zero point its requantized
    values leave room for; int32 inputs from -2**31 to 2**31 - 1 just below one), and tiny
    ratios."""
    top = 255 << 22  # the largest int8 -> int32 value at a ratio of 2**22
    jobs = []
    for src, dst, ratio_log2, zp_out in (
        ("int8", "int32", 22, 0),
        ("int8", "int32", 22, (1 << 31) - 1 - top),
        ("int8", "int8", 22, 127),
        ("int16", "int16", 15, 0),
        ("int16", "int8", -31, 127),
        ("int32", "int16", -1e-7, 0),
        ("int32", "int8", -1e-7, 127),
        ("int32", "int16", -40, -32768),
    ):
        mb = ModelBuilder()
        zp_in = -128 if src == "int8" else 0
        x = mb.input((1, 512), src, scale=1.0, zero_point=zp_in)
        y = mb.tensor((1, 512), dst, scale=2.0**-ratio_log2, zero_point=zp_out)
        mb.op("QUANTIZE", [x], [y])
        mb.output(y)
        info = np.iinfo(src)
        values = np.linspace(info.min, info.max, 512).astype(src).reshape(1, 512)
        jobs.append((mb.build(), [values]))
    return jobs


def conv_and_pool_jobs():
    """Small CONV_2D / DEPTHWISE_CONV_2D (both its paths) / pooling models at zero points
    -128 and 127, every padding and activation: the conv and pool loops as prepare drives
    them (the corpus models are too large to interpret here, the loops are the same)."""
    rng = np.random.default_rng(14)
    jobs = conv_jobs(rng, CONV_CASES[:4]) + depthwise_jobs(rng, DEPTHWISE_CASES)
    jobs.append(conv_model(rng, (1, 4, 4, 3), 2, (3, 3), gain=40.0))  # multipliers above one
    jobs.append(conv_model(rng, (1, 6, 6, 64), 16, (3, 3), activation="RELU"))  # chunked taps
    for op in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
        for zp, padding in ((-128, "SAME"), (127, "VALID")):
            model = pool_model(op, (1, 7, 6, 3), (3, 2), (2, 2), padding, "RELU6", zp=zp)
            jobs.append((model, [rng.integers(-128, 128, (1, 7, 6, 3), dtype=np.int8)]))
    return jobs


def signal_and_int32_jobs():
    """The audio front end's loops: every Signal op with extreme values, the real FFT at
    every length, the front end model's goldens, int32 ops and integer CAST at the int32
    extremes."""
    from signal_models import FFT_LENGTHS, energy_job, rfft_job, signal_jobs
    from test_elementwise import binary_model, int32_values

    rng = np.random.default_rng(17)
    jobs = signal_jobs(rng, 3) + [rfft_job(rng, n) for n in FFT_LENGTHS[:20]]
    model, (x,) = energy_job(rng)
    jobs.append((model, [np.full_like(x, -32768)]))  # energies of 2**31: one past int32
    jobs += [(model_path("audio_preprocessor_int8").read_bytes(), ins) for ins, _ in golden_cases("audio_preprocessor_int8")[:1]]
    for name, activation in (("ADD", "NONE"), ("SUB", "RELU"), ("MUL", "NONE"), ("MAXIMUM", None), ("MINIMUM", None), ("DIV", "RELU6")):
        model = binary_model(name, (2, 12), (12,), [{}] * 3, activation, dtype="int32")
        jobs.append((model, [int32_values(rng, (2, 12)), int32_values(rng, (12,), nonzero=name == "DIV")]))
    for source, target in (("int32", "int8"), ("uint32", "int32"), ("int16", "uint32"), ("bool", "int16"), ("int8", "int32")):
        mb = ModelBuilder()
        x = mb.input((16,), source)
        y = mb.tensor((16,), target)
        mb.op("CAST", [x], [y])
        mb.output(y)
        info = np.iinfo(source) if source != "bool" else None
        values = rng.random(16) < 0.5 if info is None else np.linspace(info.min, info.max, 16).astype(source)
        jobs.append((mb.build(), [values]))
    return jobs


def int16_jobs():
    """Small int16 models of every int16 kernel as prepare drives the loops: pooling and
    MEAN at zero points at the ends of int16 (MEAN over its most elements, 2**15 - 1),
    ADD/SUB/MUL/MAXIMUM over the edge pairs, the activations and SOFTMAX."""
    rng = np.random.default_rng(17)
    edges = np.array([-32768, -32767, -1, 0, 1, 32767], np.int16)
    jobs = []
    for op in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
        for zp in (-32768, 32767):
            model = pool_model(op, (1, 5, 4, 3), (3, 2), (2, 1), "SAME", "RELU6", "int16", zp, 1e-3)
            x = np.resize(edges, (1, 5, 4, 3))
            jobs.append((model, [x]))
    for value in (-32768, 32767):
        model, _ = mean_model(rng, (1, 32767), [1], False, "int16", dict(scale=1e-3, zero_point=-32768), dict(scale=2e-3, zero_point=32767))
        jobs.append((model, [np.full((1, 32767), value, np.int16)]))
    pairs = [edges.reshape(6, 1), edges.reshape(1, 6)]
    for name, zps in (("ADD", (-32768, 32767, 0)), ("SUB", (32767, -32768, 5)), ("MUL", (0, 0, 0)), ("MAXIMUM", (7, 7, 7))):
        qs = [dict(scale=s, zero_point=z) for s, z in zip((2.0**-15, 3e-4, 2e-3), zps)]
        if name == "MAXIMUM":
            qs = [qs[0]] * 3
        activation = None if name == "MAXIMUM" else "NONE"
        jobs.append((binary_model(name, (6, 1), (1, 6), qs, activation, dtype="int16"), pairs))
    x = np.resize(edges, (1, 1, 60))
    for name, in_q, out_q, options in (
        ("LEAKY_RELU", dict(scale=0.25, zero_point=32767), dict(scale=2.0**-15, zero_point=-32768), dict(alpha=-3.0)),
        ("RELU6", dict(scale=1e-4, zero_point=-32768), dict(scale=1e-4, zero_point=0), {}),
        ("LOGISTIC", dict(scale=5.3, zero_point=0), dict(scale=2.0**-15, zero_point=0), {}),
        ("TANH", dict(scale=2.0**-11, zero_point=0), dict(scale=2.0**-15, zero_point=0), {}),
    ):
        options_type = "LeakyReluOptions" if options else None
        jobs.append((unary_model(name, in_q, out_q, options_type, "int16", x.shape, **options), [x]))
    jobs.append((softmax_int16_model((3, 20), 4.0, 1.0), [np.resize(edges, (3, 20))]))
    return jobs


def conv_16x8_model_jobs():
    """The 16x8 convolutions as prepare drives them (a share of the sweeps) and the 64-bit
    accumulation edges of every 16x8 family."""
    return conv_16x8_jobs(CONV_CASES[:3]) + depthwise_16x8_jobs(DEPTHWISE_CASES[:3]) + quick_16x8_jobs()


def recurrent_jobs():
    """SVDF and LSTM: keyword_scrambled's and mnist_lstm_int8's goldens, and single ops
    built with random sizes (one invoke each), 16x8 LSTMs too."""
    from recurrent_models import lstm_steps, svdf_steps

    rng = np.random.default_rng(18)
    jobs = [(model_path(name).read_bytes(), golden_cases(name)[0][0]) for name in ("keyword_scrambled", "mnist_lstm_int8")]
    for state_dtype in ("int16", "int8"):
        model, steps, _ = svdf_steps(rng, "int8", 2, 2, state_dtype=state_dtype)
        jobs.append((model, steps[0]))
    for time_major in (False, True):
        model, steps, _ = lstm_steps(rng, "int8", 2, time_major)
        jobs.append((model, steps[0]))
    for wide_sums in (False, True):  # 16x8
        model, steps, _ = lstm_steps(rng, "int16", 2, not wide_sums, wide_sums=wide_sums)
        jobs.append((model, steps[0]))
    return jobs


def transpose_conv_scatter_jobs():
    """TRANSPOSE_CONV's scatter (viper's transpose_conv) as prepare drives it, on the
    largest products: int8 (x - zp) = -255 and 255 over 1000 channels, 16x8 x = -32768 and
    32767 over 600 channels (runs of sums in a word), int64 biases at their limits."""
    from test_transpose_conv import scatter_jobs, transpose_conv_model

    rng = np.random.default_rng(54)
    jobs = [job for job in scatter_jobs() if job[1][0].dtype != np.float32]
    for kind, depth, zero_points, values in (("int8", 1000, (127, 0), (-128,)), ("int8", 1000, (-128, 0), (127,)), ("16x8", 600, (0, 0), (-32768, 32767))):
        for bias in ((1 << 63) - 1, -(1 << 63)) if kind == "16x8" else (0,):
            model, (x,) = transpose_conv_model(
                rng, kind, (1, 2, 2, depth), 2, (3, 3), stride=(2, 2), zero_points=zero_points,
                bias_values=[bias, -bias // 2] if bias else None,
            )  # fmt: skip
            jobs += [(model, [np.full_like(x, v)]) for v in values]
    return jobs


def one_lane_jobs():
    """int8 convolutions the plan cuts to one lane (viper's conv_int8_one_lane, reading the
    input where it lies), padding taps included, on the largest products."""
    rng = np.random.default_rng(55)
    jobs = []
    for shape, filters, kernel, zero_point in (((1, 2, 2, 32), 250, (1, 1), -128), ((1, 3, 3, 17), 150, (3, 3), 127)):
        model, (x,) = conv_model(rng, shape, filters, kernel, in_zp=zero_point)
        jobs += [(model, [x]), (model, [np.full_like(x, -128 if zero_point > 0 else 127)])]
    return jobs


MODEL_JOBS = [golden_jobs, extreme_int8_jobs, softmax_edge_jobs, requantize_edge_jobs, conv_and_pool_jobs,
              int16_jobs, conv_16x8_model_jobs, signal_and_int32_jobs, recurrent_jobs,
              transpose_conv_scatter_jobs, one_lane_jobs]  # fmt: skip


@pytest.mark.parametrize("jobs", MODEL_JOBS, ids=lambda f: f.__name__)
def test_models_stay_in_int32_and_match_tflm(checker, jobs):
    checker.reset()
    for j, (model, inputs) in enumerate(jobs()):
        expected = run_tflm(model, inputs)
        interp = checker.interpreter(model)
        for i, x in enumerate(inputs):
            interp.input(i).copy_from(np.ascontiguousarray(x).tobytes())
        interp.invoke()
        assert checker.report() == [], "job %d:\n%s" % (j, "\n".join(checker.report()))
        for k, e in enumerate(expected):
            got = np.frombuffer(bytes(interp.output(k).data), e.dtype).reshape(e.shape)
            np.testing.assert_array_equal(got, e, err_msg="job %d output %d" % (j, k))


@pytest.mark.parametrize("arch", ["armv6m", "xtensawin"])
@pytest.mark.parametrize("module", sorted(p.name for p in VIPER_DIR.glob("*.py")))
def test_viper_module_compiles_for_boards(tmp_path, module, arch):
    import subprocess

    out = tmp_path / (Path(module).stem + ".mpy")
    result = subprocess.run(
        [tool("mpy-cross"), "-march=" + arch, "-o", str(out), str(VIPER_DIR / module)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert out.stat().st_size > 0


# -- the checker itself: the idiom is accepted, every kind of violation is caught ---------


def overflowing_add(a: int, b: int) -> int:
    return a + b


def sign_extended_load(buf) -> int:
    p = ptr32(buf)  # noqa: F821 (a viper builtin)
    k31 = 31
    sign = 1 << k31
    return (p[0] ^ sign) - sign


def sign_misused(buf) -> int:
    p = ptr32(buf)  # noqa: F821
    k31 = 31
    sign = 1 << k31
    return (p[0] + sign) - sign


def raw_load_used(buf) -> int:
    p = ptr32(buf)  # noqa: F821
    return p[0] >> 1


def out_of_bounds(buf) -> int:
    p = ptr32(buf)  # noqa: F821
    return p[1]


def walk_addresses(buf, n: int) -> int:
    address = int(ptr8(buf))  # noqa: F821
    end = address + n
    total = 0
    while address < end:
        total += ptr8(address)[0]  # noqa: F821
        address += 1
    return total


def big_literal() -> int:
    return 1073741824


def shift_by_32(a: int) -> int:
    k = 32
    return a << k


def comprehension(n: int):
    return [i for i in range(n)]


def test_checker_accepts_the_sign_extension_idiom(checker):
    checker.reset()
    load32 = checker.wrap(sign_extended_load)
    assert [load32(i32([v])) for v in (INT32_MIN, -5, 0, INT32_MAX)] == [
        INT32_MIN,
        -5,
        0,
        INT32_MAX,
    ]
    assert checker.wrap(overflowing_add)(1 << 30, (1 << 30) - 1) == INT32_MAX
    assert checker.wrap(raw_load_used)(i32([6])) == 3
    assert checker.wrap(walk_addresses)(bytes([1, 2, 3]), 3) == 6
    assert checker.report() == []


@pytest.mark.parametrize(
    "function, args, message",
    [
        (
            overflowing_add,
            (1 << 30, 1 << 30),
            "overflowing_add: 1073741824 + 1073741824 = 2147483648: outside int32",
        ),
        (sign_misused, (i32([3]),), "sign_misused: 1 << 31 used outside the sign-extension idiom"),
        (
            raw_load_used,
            (i32([-5]),),
            "raw_load_used: ptr32 load of -5 used without sign extension",
        ),
        (big_literal, (), "big_literal: literal 1073741824 is not a small int"),
    ],
)
def test_checker_records_violations(checker, function, args, message):
    checker.reset()
    checker.wrap(function)(*args)
    assert len(checker.report()) >= 1 and message in checker.report()[0], checker.report()


def test_checker_stops_on_memory_and_shift_errors(checker):
    with pytest.raises(Stop, match="ptr32 index 1 outside 0..0"):
        checker.wrap(out_of_bounds)(i32([1]))
    with pytest.raises(Stop, match="ptr8 index 0 outside 0..-1"):
        checker.wrap(walk_addresses)(bytes([1, 2, 3]), 5)
    with pytest.raises(Stop, match="shift count outside 0..31"):
        checker.wrap(shift_by_32)(1)
    with pytest.raises(Unsupported, match="ListComp"):
        checker.wrap(comprehension)


def test_checker_catches_requantize_past_its_contract(checker):
    checker.reset()
    rq = (i32([INT32_MAX]) + bytes([1]), 1, 0, -128, 127, 1)
    checker.package.requantize(i32([1 << 30]), bytearray(1), 0, 1, rq, 0)
    assert any("requantize: 1073741824 << 1 = 2147483648" in line for line in checker.report()), (
        checker.report()
    )
