"""Two-input elementwise ops vs TFLM: SUB, MUL, MAXIMUM, MINIMUM (and ADD's shared path).

int8 on both loop backends: broadcasting shapes up to 6-D, fused activations, zero points
-128 and 127, constant inputs, and all 256 x 256 input pairs (one broadcast (256, 1) x
(1, 256) op), including scale triples where multipliers derived in float32 instead of
double change outputs (TFLM's sub_common.cc reads as float32; its build matches double).
int16 likewise: ADD and SUB (TFLM's general path, power-of-two scales too, zero points at
the ends of int16), MUL (zero points 0, as TFLM requires), MAXIMUM and MINIMUM, with the
extreme values paired with each other and random pairs over the whole int16 range.
float32 with broadcasting and activations.
"""

import numpy as np
import pytest
from conftest import PLAIN_ON_WASM
from oracle import compare, run_tflm, run_ulite

from host_tools.model_builder import ModelBuilder

BACKENDS = ["viper", "plain"]
OPTIONS = {"ADD": "AddOptions", "SUB": "SubOptions", "MUL": "MulOptions", "DIV": "DivOptions"}
ACTIVATIONS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")
SHAPES = [
    ((1, 4, 4, 3), (1, 4, 4, 3)),
    ((1, 4, 4, 3), (1, 1, 1, 3)),
    ((1, 1, 1, 3), (1, 4, 4, 3)),
    ((2, 1, 5), (1, 3, 1)),
    ((6,), (2, 3, 6)),
    ((1, 1), (4, 5)),
    ((), (3, 2)),
    ((2, 3, 1, 4, 2), (2, 1, 5, 4, 1)),
    ((2, 1, 2, 3, 1, 2), (1, 2, 1, 3, 2, 2)),
]
ALL_PAIRS = (
    np.arange(-128, 128, dtype=np.int8).reshape(256, 1),
    np.arange(-128, 128, dtype=np.int8).reshape(1, 256),
)


def rand_int8(rng, shape):
    return rng.integers(-128, 128, size=shape, dtype=np.int8)


def rand_int16(rng, shape):
    return rng.integers(-32768, 32768, size=shape, dtype=np.int16)


def binary_model(name, s1, s2, qs, activation=None, const2=None, dtype="int8"):
    """One binary op; qs = three quantization dicts (inputs, output); const2 makes x2 constant."""
    mb = ModelBuilder()
    a = mb.input(s1, dtype, **qs[0])
    b = mb.const(const2, dtype, **qs[1]) if const2 is not None else mb.input(s2, dtype, **qs[1])
    y = mb.tensor(np.broadcast_shapes(s1, s2), dtype, **qs[2])
    if activation is None:
        mb.op(name, [a, b], [y], "MaximumMinimumOptions")
    else:
        mb.op(name, [a, b], [y], OPTIONS[name], fused_activation_function=activation)
    mb.output(y)
    return mb.build()


def random_quant(rng, zero_point=None, scale_range=(0.01, 0.3)):
    z = int(rng.integers(-128, 128)) if zero_point is None else zero_point
    return dict(scale=float(rng.uniform(*scale_range)), zero_point=z)


def arithmetic_jobs(rng, name):
    jobs = []
    zero_points = [(-128, 127, -128), (127, -128, 127)] + [(None, None, None)] * (len(SHAPES) - 2)
    for (s1, s2), zps in zip(SHAPES, zero_points):
        for activation in ACTIVATIONS:
            qs = [random_quant(rng, z) for z in zps]
            model = binary_model(name, s1, s2, qs, activation)
            jobs.append((model, [rand_int8(rng, s1), rand_int8(rng, s2)]))
    qs = [random_quant(rng) for _ in range(3)]
    weights = rand_int8(rng, (1, 1, 3))
    model = binary_model(name, (1, 4, 4, 3), (1, 1, 3), qs, "RELU", const2=weights)
    jobs.append((model, [rand_int8(rng, (1, 4, 4, 3))]))
    return jobs


def sub_mul_int8_jobs():
    rng = np.random.default_rng(20)
    return arithmetic_jobs(rng, "SUB") + arithmetic_jobs(rng, "MUL")


@pytest.mark.parametrize("loops", PLAIN_ON_WASM)
def test_sub_mul_int8(loops):
    compare(sub_mul_int8_jobs(), loops)


# (s1, s2, s_out, zp1, zp2, zp_out): float32 and double multiplier derivations disagree
DOUBLE_SENSITIVE = [
    (0.18173646926879883, 0.07513560354709625, 0.024221189320087433, 36, -40, 87),
    (0.018932964652776718, 0.16445347666740417, 0.017072271555662155, 125, 49, -25),
    (0.015594757162034512, 0.057530857622623444, 0.023369774222373962, -112, -41, -69),
]


def all_input_pairs_int8_jobs():
    rng = np.random.default_rng(21)
    jobs = []
    for s1, s2, so, z1, z2, zo in DOUBLE_SENSITIVE:
        qs = [
            dict(scale=s1, zero_point=z1),
            dict(scale=s2, zero_point=z2),
            dict(scale=so, zero_point=zo),
        ]
        for name in ("SUB", "ADD"):
            jobs.append((binary_model(name, (256, 1), (1, 256), qs, "NONE"), list(ALL_PAIRS)))
    # MUL: a small output scale saturates, a large one keeps the product's low bits
    for s_out in (0.0005, 0.05, 3.0):
        qs = [random_quant(rng), random_quant(rng), random_quant(rng, scale_range=(s_out, s_out))]
        jobs.append((binary_model("MUL", (256, 1), (1, 256), qs, "NONE"), list(ALL_PAIRS)))
    shared = random_quant(rng)
    for name in ("MAXIMUM", "MINIMUM"):
        jobs.append((binary_model(name, (256, 1), (1, 256), [shared] * 3), list(ALL_PAIRS)))
    return jobs


@pytest.mark.parametrize("loops", PLAIN_ON_WASM)
def test_all_input_pairs_int8(loops):
    compare(all_input_pairs_int8_jobs(), loops)


def maximum_minimum_int8_jobs():
    rng = np.random.default_rng(22)
    jobs = []
    for (s1, s2), z in zip(SHAPES, [-128, 127] + [None] * len(SHAPES)):
        q = random_quant(rng, z)
        for name in ("MAXIMUM", "MINIMUM"):
            jobs.append(
                (binary_model(name, s1, s2, [q] * 3), [rand_int8(rng, s1), rand_int8(rng, s2)])
            )
    q = random_quant(rng)
    model = binary_model(
        "MAXIMUM", (2, 5, 3), (3,), [q] * 3, const2=np.array([-128, 0, 127], np.int8)
    )
    jobs.append((model, [rand_int8(rng, (2, 5, 3))]))
    return jobs


@pytest.mark.parametrize("loops", PLAIN_ON_WASM)
def test_maximum_minimum_int8(loops):
    compare(maximum_minimum_int8_jobs(), loops)


INT16_EDGES = np.array([-32768, -32767, -16384, -1, 0, 1, 16383, 32766, 32767], np.int16)


def int16_pairs(rng):
    """(a, b) broadcasting to 25 x 300: the edge values against each other and random values
    over the whole int16 range."""
    a = np.concatenate([INT16_EDGES, rand_int16(rng, 16)]).reshape(25, 1)
    b = np.concatenate([INT16_EDGES, rand_int16(rng, 291)]).reshape(1, 300)
    return [a, b]


def int16_quant(rng, zero_point=0, scale_range=(1e-5, 1e-2)):
    lo, hi = np.log(scale_range[0]), np.log(scale_range[1])
    return dict(scale=float(np.exp(rng.uniform(lo, hi))), zero_point=zero_point)


def arithmetic_int16_jobs(rng, name):
    """ADD, SUB or MUL on int16 over the broadcasting shapes and activations, then every
    edge pair at several scale triples (power-of-two ones among them)."""
    jobs = []
    zero_points = [(-32768, 32767, -32768), (32767, -32768, 32767), (5, -7, 100)]
    for k, (s1, s2) in enumerate(SHAPES):
        zps = (0, 0, 0) if name == "MUL" else zero_points[k % len(zero_points)]
        for activation in ACTIVATIONS:
            qs = [int16_quant(rng, z) for z in zps]
            if name == "MUL":  # s1 * s2 / s_out below one: TFLM's shift would overflow
                qs[2]["scale"] = qs[0]["scale"] * qs[1]["scale"] / rng.uniform(1e-3, 0.9)
            model = binary_model(name, s1, s2, qs, activation, dtype="int16")
            jobs.append((model, [rand_int16(rng, s1), rand_int16(rng, s2)]))
    triples = [(2.0**-15, 2.0**-15, 2.0**-15), (2.0**-15, 2.0**-12, 2.0**-11), (1e-4, 3e-3, 2e-3)]
    if name == "MUL":  # s1 * s2 / s_out just below one, and tiny
        triples += [(2.0**-7, 0.0078, 2.0**-14), (1e-3, 1e-3, 0.5)]
    else:  # the rescale multipliers are int8's: these differ in float32 and double
        triples += [triple[:3] for triple in DOUBLE_SENSITIVE]
    for s1, s2, so in triples:
        zps = (0, 0, 0) if name == "MUL" else (-3, 32767, -32768)
        qs = [dict(scale=s, zero_point=z) for s, z in zip((s1, s2, so), zps)]
        jobs.append((binary_model(name, (25, 1), (1, 300), qs, "NONE", dtype="int16"), int16_pairs(rng)))
    return jobs


def arithmetic_int16_sweep():
    rng = np.random.default_rng(24)
    return [job for name in ("ADD", "SUB", "MUL") for job in arithmetic_int16_jobs(rng, name)]


@pytest.mark.parametrize("loops", BACKENDS)
def test_add_sub_mul_int16(loops):
    compare(arithmetic_int16_sweep(), loops)


def maximum_minimum_int16_jobs():
    rng = np.random.default_rng(25)
    jobs = []
    for (s1, s2), z in zip(SHAPES[:5], (-32768, 32767, 0, 5, -9)):
        q = int16_quant(rng, z)
        for name in ("MAXIMUM", "MINIMUM"):
            inputs = [rand_int16(rng, s1), rand_int16(rng, s2)]
            jobs.append((binary_model(name, s1, s2, [q] * 3, dtype="int16"), inputs))
    q = int16_quant(rng, 0)
    for name in ("MAXIMUM", "MINIMUM"):
        jobs.append((binary_model(name, (25, 1), (1, 300), [q] * 3, dtype="int16"), int16_pairs(rng)))
    return jobs


@pytest.mark.parametrize("loops", BACKENDS)
def test_maximum_minimum_int16(loops):
    compare(maximum_minimum_int16_jobs(), loops)


def test_refusals():
    q = dict(scale=0.1, zero_point=3)
    mixed = binary_model("MINIMUM", (4,), (4,), [q, dict(scale=0.2, zero_point=3), q])
    # s1 * s2 / s_out = 2**20: TFLM would shift (x1 - zp1) * (x2 - zp2) past int32
    one = dict(scale=1.0, zero_point=0)
    overflowing = binary_model(
        "MUL", (4,), (4,), [one, one, dict(scale=2.0**-20, zero_point=0)], "NONE"
    )
    x = np.zeros(4, np.int8)
    errors = run_ulite([(mixed, [x, x], [x]), (overflowing, [x, x], [x])])
    assert (
        isinstance(errors[0], str) and "UnsupportedOpError" in errors[0] and "MINIMUM" in errors[0]
    )
    assert (
        isinstance(errors[1], str)
        and "UnsupportedOpError" in errors[1]
        and "overflow" in errors[1]
    )


def test_binary_float():
    rng = np.random.default_rng(23)
    jobs = []
    float_shapes = [((2, 3), (2, 3)), ((2, 1, 4), (3, 1)), ((1, 2, 1, 3, 1), (2, 1, 4, 1, 2))]
    for name in ("SUB", "MUL", "ADD", "MAXIMUM", "MINIMUM"):
        for (s1, s2), activation in zip(float_shapes, ("NONE", "RELU6", "RELU_N1_TO_1")):
            act = activation if name in OPTIONS else None
            model = binary_model(name, s1, s2, [{}] * 3, act, dtype="float32")
            inputs = [
                rng.normal(0, 4, s1).astype(np.float32),
                rng.normal(0, 4, s2).astype(np.float32),
            ]
            jobs.append((model, inputs))
    model = binary_model(
        "MUL", (2, 3), (3,), [{}] * 3, "RELU", const2=np.float32([0.5, -2.0, 3.0]), dtype="float32"
    )
    jobs.append((model, [rng.normal(0, 4, (2, 3)).astype(np.float32)]))
    compare(jobs)


def int32_values(rng, shape, nonzero=False):
    """int32 values of every magnitude, the extremes included (sums and products wrap)."""
    x = np.array(rng.integers(-(1 << 31), 1 << 31, shape, dtype=np.int64) >> rng.integers(0, 32, shape), np.int32)
    flat = x.reshape(-1)
    for v in (-(1 << 31), (1 << 31) - 1, 0, 1, -1):
        if flat.size and rng.random() < 0.4:
            flat[rng.integers(flat.size)] = v
    if nonzero:
        x[x == 0] = 7
        x[x == -1] = -3  # TFLM traps on -2**31 / -1
    return x


def test_binary_int32():
    """int32 ADD, SUB, MUL, MAXIMUM, MINIMUM and DIV (truncating) with broadcasting and
    fused activations (TFLM's ADD ignores its own), sums and products wrapping around."""
    rng = np.random.default_rng(29)
    jobs = []
    shapes = [((7,), (7,)), ((40,), ()), ((2, 1, 4), (3, 1)), ((1, 2, 1, 3, 1), (2, 1, 4, 1, 2))]
    for name in ("ADD", "SUB", "MUL", "MAXIMUM", "MINIMUM", "DIV"):
        for (s1, s2), activation in zip(shapes, ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")):
            act = activation if name in OPTIONS else None
            model = binary_model(name, s1, s2, [{}] * 3, act, dtype="int32")
            jobs.append((model, [int32_values(rng, s1), int32_values(rng, s2, nonzero=name == "DIV")]))
    model = binary_model("DIV", (4,), (1,), [{}] * 3, "NONE", const2=np.int32([-666]), dtype="int32")
    jobs.append((model, [int32_values(rng, (4,))]))
    lowest = -(1 << 31)
    edges = np.int32([lowest, lowest, lowest, lowest, lowest + 1, (1 << 31) - 1, 5, -5])
    divisors = np.int32([lowest, 2, -3, (1 << 31) - 1, lowest, lowest, lowest, 7])
    jobs.append((binary_model("DIV", (8,), (8,), [{}] * 3, "NONE", dtype="int32"), [edges, divisors]))
    for loops in BACKENDS:
        assert compare(jobs, loops, rtol=0) == len(jobs)


@pytest.mark.parametrize("loops", BACKENDS)
def test_div_int32_by_a_zero_input_fails_as_tflm(loops):
    """TFLM's invoke fails on a zero divisor computed at run time: ulite's raises InvokeError."""
    model = binary_model("DIV", (4,), (4,), [{}] * 3, "NONE", dtype="int32")
    inputs = [np.int32([7, -7, 0, 5]), np.int32([1, 0, 2, 3])]
    with pytest.raises(RuntimeError):
        run_tflm(model, inputs)
    (error,) = run_ulite([(model, inputs, [inputs[0]])], loops)
    assert "InvokeError" in error and "divides by zero" in error, error


def test_div_int32_refusals():
    zero = binary_model("DIV", (4,), (2, 1), [{}] * 3, "NONE", const2=np.int32([[3], [0]]), dtype="int32")
    q = dict(scale=0.5, zero_point=0)
    quantized = binary_model("DIV", (4,), (4,), [q, {}, {}], "NONE", dtype="int32")
    x = np.ones(4, np.int32)
    errors = run_ulite([(zero, [x], [x]), (quantized, [x, x], [x])])
    assert "ModelError" in errors[0] and "constant zero" in errors[0], errors[0]
    assert "ModelError" in errors[1] and "quantized" in errors[1], errors[1]


CAST_INPUTS = ("int8", "int16", "int32", "uint32", "float32", "bool")
CAST_OUTPUTS = ("int8", "int16", "int32", "uint32", "float32")


def cast_values(rng, dtype, n):
    if dtype == "float32":
        x = rng.normal(0, 1, n) * 10.0 ** rng.integers(0, 10, n)  # up to 1e10: some beyond int32
        x[: 6] = [0.5, -0.5, 2.0**31, -(2.0**31), 2147483520.0, np.nan][: n]
        return x.astype(np.float32)
    if dtype == "bool":
        return rng.random(n) < 0.5
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, n, endpoint=True, dtype=np.int64).astype(dtype)


def test_cast_every_pair():
    """CAST between every pair TFLM converts: integers wrap, floats truncate toward zero (and
    give x86's integer indefinite beyond the range), integers round to the nearest float32."""
    rng = np.random.default_rng(31)
    jobs = []
    for a in CAST_INPUTS:
        for b in CAST_OUTPUTS:
            mb = ModelBuilder()
            x = mb.input((24,), a)
            y = mb.tensor((24,), b)
            mb.op("CAST", [x], [y])
            mb.output(y)
            jobs.append((mb.build(), [cast_values(rng, a, 24)]))
    for loops in BACKENDS:
        assert compare(jobs, loops, rtol=0) == len(jobs)


def chain_model():
    """Every int8 kernel of this family, one after the other."""
    mb = ModelBuilder()
    x = mb.input((1, 6, 6, 3), "int8", scale=0.05, zero_point=-3)
    w = mb.input((1, 1, 1, 3), "int8", scale=0.02, zero_point=5)
    steps = [
        ("MUL", 0.03, 1, "MulOptions", {"fused_activation_function": "RELU6"}),
        ("SUB", 0.04, 2, "SubOptions", {}),
        ("MAXIMUM", 0.04, 2, "MaximumMinimumOptions", {}),
        ("MINIMUM", 0.04, 2, "MaximumMinimumOptions", {}),
        ("LOGISTIC", 1 / 256, -128, None, {}),
        ("TANH", 1 / 128, 0, None, {}),
        ("HARD_SWISH", 0.02, -10, None, {}),
        ("LEAKY_RELU", 0.02, -10, "LeakyReluOptions", {"alpha": 0.1}),
        ("RELU", 0.01, -128, None, {}),
        ("RELU6", 0.01, -128, None, {}),
    ]
    y = x
    for name, scale, zero_point, options, kwargs in steps:
        inputs = {"MUL": [y, w], "SUB": [y, x], "MAXIMUM": [y, y], "MINIMUM": [y, y]}.get(
            name, [y]
        )
        y = mb.tensor((1, 6, 6, 3), "int8", scale=scale, zero_point=zero_point)
        mb.op(name, inputs, [y], options, **kwargs)
    mb.output(y)
    return mb.build()


def test_int8_invoke_allocates_nothing(micropython, tmp_path):
    path = tmp_path / "chain.tflite"
    path.write_bytes(chain_model())
    out = micropython(
        """
import micropython
import ulite


def locked(fn, args):
    micropython.heap_lock()
    try:
        fn(args)
        failed = 0
    except MemoryError:
        failed = 1
    micropython.heap_unlock()
    return failed


def main():
    interp = ulite.Interpreter(open(%r, "rb").read(), loops="viper")
    print([(name, locked(fn, args)) for name, (fn, args) in zip(interp.op_names, zip(interp._fns, interp._args))])


main()
"""
        % str(path)
    )
    steps = eval(out.strip().splitlines()[-1])
    assert len(steps) == 10 and all(failed == 0 for _, failed in steps), steps


def test_int16_constants_at_odd_addresses(micropython, tmp_path):
    """The int16 loops load values whole, which Cortex-M0+ cannot do at odd addresses, and a
    model kept as a bytes literal (convert's module) may put its constants at one. Here the
    whole model sits one byte in: an int16 ADD's constant operand is copied into the arena
    (same output as two bytes in, TFLM's); a kernel reading an int16 constant in place
    (a QUANTIZE of a constant) refuses it, and runs it two bytes in."""
    q = dict(scale=1e-3, zero_point=0)
    add = binary_model("ADD", (1, 4), (4,), [q, q, q], "NONE", np.int16([1, -2, 3, -4]), "int16")
    mb = ModelBuilder()
    x = mb.input((1, 4), "int16", **q)
    c = mb.const(np.int16([[5, 6, 7, 8]]), "int16", **q)
    s = mb.tensor((1, 4), "int16", **q)
    mb.op("ADD", [x, c], [s], "AddOptions")
    y = mb.output(mb.tensor((1, 4), "int8", scale=0.01, zero_point=0))
    mb.op("QUANTIZE", [c], [y])
    mb.output(s)
    models = [add, mb.build()]
    for k, model in enumerate(models):
        (tmp_path / ("m%d.tflite" % k)).write_bytes(model)
    out = micropython(
        """
import ulite
for k in range(2):
    model = open(%r %% k, "rb").read()
    for pad in (1, 2):
        buffer = bytearray(pad) + model
        try:
            interp = ulite.Interpreter(memoryview(buffer)[pad:])
            interp.input(0).copy_from(bytes([0, 1, 0, 2, 0, 3, 0, 4]))
            interp.invoke()
            print(list(interp.output(0).values()))
        except ulite.UnsupportedOpError as e:
            print(e)
"""
        % str(tmp_path / "m%d.tflite")
    )
    lines = out.strip().splitlines()
    x = np.frombuffer(bytes([0, 1, 0, 2, 0, 3, 0, 4]), np.int16).reshape(1, 4)
    expected = run_tflm(add, [x])[0].ravel().tolist()
    assert lines[:2] == [str(expected)] * 2, lines
    assert "QUANTIZE (int16 constant" in lines[2] and "misaligned" in lines[2], lines
    assert lines[3] == str(run_tflm(models[1], [x])[0].ravel().tolist()), lines
