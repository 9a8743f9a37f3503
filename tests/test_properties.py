"""Property tests (hypothesis, on CPython) of the device parser, planner and quantization math.

The device modules import on CPython (plain loop backend), so hypothesis can search and
shrink inputs much faster than a MicroPython process could be driven. The same invariants
are checked on MicroPython by the fuzzer (tests/fuzz.py, tests/test_fuzz.py).
"""

import math
import random
import struct
import sys
from fractions import Fraction

import pytest
from conftest import MODELS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from host_tools.paths import MPY_DIR

sys.path.insert(0, str(MPY_DIR))

import fuzz  # noqa: E402
import ulite  # noqa: E402
from ulite import planner, quant  # noqa: E402

FAST = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
SEEDS = {name: data for name, data in fuzz.builder_models().items()}
SEEDS.update(
    {
        name: (MODELS / (name + ".tflite")).read_bytes()
        for name in ("simple_add", "hello_world_int8")
    }
)
SEED_MAPS = {name: fuzz.FlatMap(data) for name, data in SEEDS.items()}


def load(data):
    """describe + construct + invoke; returns what happened, fails on anything unclean."""
    for step in (ulite.describe, ulite.Interpreter):
        try:
            result = step(data)
        except ulite.UliteError as e:
            assert not str(e).startswith("unexpected "), str(e)
            return type(e).__name__
    for i in range(result.inputs):
        result.input(i).copy_from(bytes(result.input(i).nbytes))
    try:
        result.invoke()
    except ulite.InvokeError:  # where TFLM's invoke fails too (a DIV by a zero input)
        return "InvokeError"
    return "ok"


# --- the parser: any bytes either load or raise ModelError / ArenaError -----------------


@FAST
@given(st.binary(max_size=600))
def test_arbitrary_bytes(data):
    load(data)


@FAST
@given(st.binary(min_size=4, max_size=600), st.binary(min_size=4, max_size=4))
def test_arbitrary_bytes_with_identifier(body, root):
    load(root + b"TFL3" + body)


@FAST
@given(st.sampled_from(sorted(SEEDS)), st.integers(0, 10**6), st.integers(0, 100))
def test_truncated_models(name, cut, extra):
    data = SEEDS[name]
    load(data[: cut % len(data)] + bytes(extra % 2 * extra))


# whole models loaded and invoked: a quick share of the examples in make test
EXAMPLES = [60, pytest.param(FAST.max_examples, marks=pytest.mark.slow)]


@pytest.mark.parametrize("examples", EXAMPLES)
def test_mutated_models(examples):
    @settings(FAST, max_examples=examples)
    @given(st.sampled_from(sorted(SEEDS)), st.integers(0, 2**32))
    def check(name, seed):
        model = SEEDS[name]
        load(fuzz.apply(model, fuzz.mutate(model, SEED_MAPS[name], random.Random(seed))))

    check()


@pytest.mark.parametrize("examples", EXAMPLES)
def test_random_graphs(examples):
    """Plausible graphs of every kernel with random shapes, quantization and wiring, many
    of them then broken on purpose: each loads and invokes, or is refused cleanly."""

    @settings(FAST, max_examples=examples)
    @given(st.integers(0, 2**32))
    def check(seed):
        load(fuzz.random_graph(random.Random(seed)))

    check()


def test_random_graphs_mostly_run():
    """The generator is not just producing garbage: most unbroken graphs run."""
    outcomes = [load(fuzz.random_graph(random.Random(seed))) for seed in range(200)]
    assert outcomes.count("ok") > 60


# --- the planner ---------------------------------------------------------------------------


@st.composite
def buffers(draw):
    count = draw(st.integers(0, 24))
    scopes = draw(st.integers(1, 12))
    sizes, first, last = [], [], []
    for _ in range(count):
        a = draw(st.integers(0, scopes))
        b = draw(st.integers(a, scopes))
        sizes.append(draw(st.sampled_from((0, 1, 3, 4, 16, 100, 1000)) | st.integers(0, 5000)))
        first.append(a)
        last.append(b)
    return sizes, first, last, scopes


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(buffers())
def test_plan_never_overlaps_live_buffers(case):
    sizes, first, last, scopes = case
    offsets, total = planner.plan(sizes, first, last)
    aligned = [planner.align(s) for s in sizes]
    for a in range(len(sizes)):
        assert offsets[a] % planner.ALIGN == 0
        assert offsets[a] + aligned[a] <= total
        for b in range(a):
            live_together = not (first[a] > last[b] or first[b] > last[a])
            if live_together and aligned[a] and aligned[b]:
                assert (
                    offsets[a] + aligned[a] <= offsets[b] or offsets[b] + aligned[b] <= offsets[a]
                )
    peak = max(
        [
            sum(aligned[b] for b in range(len(sizes)) if first[b] <= s <= last[b])
            for s in range(scopes + 1)
        ]
        or [0]
    )
    assert peak <= total <= sum(aligned)


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(buffers(), st.data())
def test_shrinking_plan_never_overlaps_nor_grows(case, data):
    """Buffers that work with less (a conv's scratch) get between their least and their
    full size, never sharing bytes with a live buffer, in an arena no larger than the plan
    of their full sizes."""
    sizes, first, last, _ = case
    least = [data.draw(st.integers(0, s)) if data.draw(st.booleans()) else s for s in sizes]
    offsets, total, granted = planner.plan_shrinking(sizes, least, first, last)
    for b in range(len(sizes)):
        assert planner.align(least[b]) <= granted[b] <= planner.align(sizes[b])
        assert offsets[b] % planner.ALIGN == 0 and offsets[b] + granted[b] <= total
    planner.check(offsets, granted, first, last)
    assert total <= planner.plan(sizes, first, last)[1]


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(buffers(), st.data())
def test_plan_keeps_fixed_offsets(case, data):
    sizes, first, last, _ = case
    fixed = [-1] * len(sizes)
    end = 0
    for b in range(len(sizes)):  # pin some buffers one after another: never in conflict
        if data.draw(st.booleans()):
            fixed[b] = end
            end += planner.align(sizes[b])
    offsets, total = planner.plan(sizes, first, last, fixed)
    for b in range(len(sizes)):
        if fixed[b] >= 0:
            assert offsets[b] == fixed[b]
    planner.check(offsets, [planner.align(s) for s in sizes], first, last)
    assert total >= end


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.integers(1, 12), st.data())
def test_lifetimes(tensor_count, data):
    """Every read of an activation comes after its write, and every graph output that is an
    activation is written, else ModelError."""
    index = st.integers(-1, tensor_count - 1)
    ops = data.draw(
        st.lists(
            st.tuples(
                st.lists(index, max_size=3), st.lists(index.filter(lambda i: i >= 0), max_size=2)
            ),
            max_size=6,
        )
    )
    graph_in = data.draw(st.lists(st.integers(0, tensor_count - 1), max_size=2))
    graph_out = data.draw(st.lists(st.integers(0, tensor_count - 1), max_size=2))
    activation = data.draw(st.lists(st.booleans(), min_size=tensor_count, max_size=tensor_count))
    written = set(graph_in)
    expect_error = False
    for ins, outs in ops:
        if any(t >= 0 and activation[t] and t not in written for t in ins):
            expect_error = True
            break
        written.update(outs)
    expect_error |= any(activation[t] and t not in written for t in graph_out)
    try:
        first, last = planner.lifetimes(
            tensor_count, graph_in, graph_out, ops, lambda t: activation[t]
        )
    except ulite.ModelError as e:
        assert expect_error, str(e)
        return
    assert not expect_error
    for t in range(tensor_count):
        assert (first[t] == -1) == (last[t] == -1) or first[t] == -1
        if first[t] >= 0:
            assert first[t] <= last[t]
    for t in graph_out:
        assert last[t] == len(ops)


# --- quantization math against float reference implementations ---------------------------


def exact(value):
    n, d = value.as_integer_ratio()
    return quant.Exact(n, -(d.bit_length() - 1))


def reference_quantize_multiplier(d):
    """TFLM QuantizeMultiplier, written with math.frexp as TFLM writes it."""
    if d == 0:
        return 0, 0
    q, shift = math.frexp(d)
    q_fixed = math.floor(Fraction(q) * 2**31 + Fraction(1, 2))  # TfLiteRound, q > 0
    if q_fixed == 2**31:
        q_fixed //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    return q_fixed, shift


@settings(max_examples=1000, deadline=None, derandomize=True, database=None)
@given(
    st.floats(min_value=0, max_value=1e300, allow_nan=False, allow_infinity=False)
    | st.floats(min_value=2**-40, max_value=2**10)
    | st.sampled_from((2**-31, 2**-32, 1 - 2**-53, 0.5, 1.0))
)
def test_quantize_multiplier_matches_frexp(d):
    assert quant.quantize_multiplier(exact(d)) == reference_quantize_multiplier(d)


@settings(max_examples=500, deadline=None, derandomize=True, database=None)
@given(st.floats(min_value=1e-30, max_value=1e30), st.floats(min_value=1e-30, max_value=1e30))
def test_divide_rounds_like_double_division(a, b):
    result = quant.divide(exact(a), exact(b), quant.DOUBLE)
    assert Fraction(result.m) * Fraction(2) ** result.e == Fraction(a / b)


@settings(max_examples=500, deadline=None, derandomize=True, database=None)
@given(st.integers(0, 2**32 - 1))
def test_float32_bits(bits):
    value = struct.unpack("<f", struct.pack("<I", bits))[0]
    if math.isnan(value) or math.isinf(value) or (value < 0 and value != 0) or bits == 0x80000000:
        if bits != 0x80000000:
            with pytest.raises(ulite.ModelError):
                quant.from_float32_bits(bits)
        return
    e = quant.from_float32_bits(bits)
    assert Fraction(e.m) * Fraction(2) ** e.e == Fraction(value)


INT32 = st.integers(-(2**31), 2**31 - 1)


@settings(max_examples=1000, deadline=None, derandomize=True, database=None)
@given(INT32, INT32)
def test_srdhm_matches_int64_definition(a, b):
    p = a * b
    nudge = 2**30 if p >= 0 else 1 - 2**30
    total = p + nudge
    expected = abs(total) // 2**31 * (1 if total >= 0 else -1)  # C truncating division
    if a == b == -(2**31):
        expected = 2**31 - 1
    assert quant.srdhm(a, b) == expected


@settings(max_examples=1000, deadline=None, derandomize=True, database=None)
@given(INT32, st.integers(0, 31))
def test_rdbpot_rounds_half_away_from_zero(x, e):
    exact_value = Fraction(x, 2**e)
    expected = math.floor(abs(exact_value) + Fraction(1, 2)) * (1 if x >= 0 else -1)
    assert quant.rdbpot(x, e) == expected
