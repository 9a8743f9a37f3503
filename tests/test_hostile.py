"""Hostile and broken models fail with one clean, specific error, on MicroPython.

Each case is a small model broken in one way the fuzzer only finds by chance; the error
type and the words that say what and where are checked. All cases run in one MicroPython
process through the fuzzer's batch runner (describe, construct, invoke)."""

import struct

import numpy as np
import pytest
from conftest import model_path
from fuzz import FlatMap, run_cases
from flatbuffers import flexbuffers

from host_tools import micropython
from host_tools.model_builder import ModelBuilder, add_offline_plan


def fc_model(edit=None, units=4, depth=6):
    """int8 FULLY_CONNECTED with per-channel weights and bias; `edit(mb)` breaks it."""
    mb = ModelBuilder()
    x = mb.input((2, depth), "int8", scale=0.05, zero_point=-3)
    w = mb.const(
        np.arange(units * depth).reshape(units, depth) % 7 - 3,
        "int8",
        scale=[0.01 * (u + 1) for u in range(units)],
        zero_point=0,
        axis=0,
    )
    b = mb.const(np.arange(units) * 10, "int32", scale=[0.001] * units, zero_point=0)
    y = mb.tensor((2, units), "int8", scale=0.1, zero_point=2)
    mb.op("FULLY_CONNECTED", [x, w, b], [y], "FullyConnectedOptions")
    mb.output(y)
    if edit:
        edit(mb)
    return mb.build()


def patched(model, kind, value, nth=0):
    """The model with the nth field of a kind (see fuzz.FlatMap) set to value."""
    site = [s for s in FlatMap(model).sites if s.kind == kind][nth]
    data = bytearray(model)
    data[site.pos : site.pos + site.width] = (value & ((1 << 8 * site.width) - 1)).to_bytes(
        site.width, "little"
    )
    return bytes(data)


def set_attr(index, attr, value):
    def edit(mb):
        setattr(mb.tensors[index], attr, value)

    return edit


def edit_quant(index, **fields):
    def edit(mb):
        for key, value in fields.items():
            setattr(mb.tensors[index].quantization, key, value)

    return edit


def edit_op(field, position, value):
    def edit(mb):
        getattr(mb.operators[0], field)[position] = value

    return edit


def no_subgraphs(model):
    data = bytearray(model)
    site = [s for s in FlatMap(model).sites if s.kind == "vector_count"][1]  # Model.subgraphs
    assert struct.unpack_from("<I", data, site.pos)[0] == 1
    data[site.pos : site.pos + 4] = bytes(4)
    return bytes(data)


def offline_plan(offsets):
    return lambda mb: add_offline_plan(mb, offsets)


def read_before_write(mb):
    t = mb.tensor((2, 4), "int8", scale=0.1, zero_point=0)
    z = mb.tensor((2, 4), "int8", scale=0.1, zero_point=0)
    mb.op("ADD", [3, t], [z], "AddOptions")
    mb.operators.reverse()


def unwritten_output(mb):
    """The op writes another tensor than the graph's output (the fuzzer found this): the
    output's bytes would be whatever another op's scratch left there."""
    mb.operators[0].outputs = [mb.tensor((2, 4), "int8", scale=0.1, zero_point=2)]


def writes_constant(mb):
    mb.operators[0].outputs = [1]


def many_tensors(mb):
    mb.tensors.extend(mb.tensors[-1:] * 4100)


def mean_of_nothing():
    """MEAN over an axis of size 0 (the fuzzer found it: the multiplier divided by zero)."""
    mb = ModelBuilder()
    x = mb.input((2, 0, 3), "int8", scale=0.5, zero_point=0)
    axis = mb.const(np.array([1], np.int32), "int32")
    y = mb.tensor((2, 3), "int8", scale=0.5, zero_point=0)
    mb.op("MEAN", [x, axis], [y], "ReducerOptions", keep_dims=False)
    mb.output(y)
    return mb.build()


def signal_model(name="SignalWindow", raw_options=None, options_format=0, **options):
    """One Signal op (SignalWindow by default) with `options`, or its custom_options bytes
    replaced by `raw_options`."""
    mb = ModelBuilder()
    if name == "SignalWindow":
        x = mb.input((2, 8), "int16")
        inputs = [x, mb.const(np.arange(8) * 100, "int16")]
        y = mb.tensor((2, 8), "int16")
        options = options or {"shift": 12}
    elif name == "SignalRfft":
        inputs = [mb.input((1, 20), "int16")]
        y = mb.tensor((1, options["fft_length"] + 2), "int16")
    elif name == "SignalEnergy":
        inputs = [mb.input((16,), "int16")]
        y = mb.tensor((8,), "uint32")
    elif name == "SignalPCAN":
        inputs = [mb.input((4,), "uint32"), mb.input((4,), "uint32"), mb.const(np.zeros(100), "int16")]
        y = mb.tensor((4,), "uint32")
    else:  # SignalFilterBank: 2 channels over 10 energies
        widths = options.pop("widths")
        inputs = [mb.input((10,), "uint32"), mb.const(np.ones(12), "int16"), mb.const(np.ones(12), "int16")]
        inputs += [mb.const(np.array(v, np.int16), "int16") for v in ([0, 2, 6], [0, 4, 8], widths)]
        y = mb.tensor((2,), "uint64")
    mb.op("CUSTOM", inputs, [y], custom=name, **options)
    if raw_options is not None:
        mb.operators[0].customOptions = list(raw_options)
    mb.operators[0].customOptionsFormat = options_format
    mb.output(y)
    return mb.build()


SHIFT_12 = flexbuffers.Dumps({"shift": 12})

GOOD = fc_model()

CASES = {
    "empty file": (b"", "ModelError", "0 bytes, too short"),
    "not a flatbuffer": (b"\x00" * 64, "ModelError", "not a TFLite model"),
    "truncated header": (GOOD[:20], "ModelError", "run past the end of the 20-byte model"),
    "root offset past the end": (
        patched(GOOD, "uoffset", 1 << 30),
        "ModelError",
        "run past the end",
    ),
    "root offset at itself": (bytes(4) + GOOD[4:], "ModelError", "no subgraphs"),
    "vtable size 65534 (extra slots read in bounds)": (
        patched(GOOD, "vtable_size", 0xFFFE),
        "ok",
        "",
    ),
    "vtable entry past the end": (
        patched(GOOD, "vtable_entry", 0xFFFF),
        "ModelError",
        "model version: 4 bytes at offset",
    ),
    "vtable outside the file": (
        patched(GOOD, "soffset", -(1 << 30)),
        "ModelError",
        "run past the end",
    ),
    "no subgraphs": (no_subgraphs(GOOD), "ModelError", "no subgraphs"),
    "tensor count 2**30": (
        patched(GOOD, "vector_count", 1 << 30, nth=2),
        "ModelError",
        "run past the end",
    ),
    "4100 tensors": (fc_model(many_tensors), "ModelError", "at most 4096"),
    "shape product overflows": (
        fc_model(set_attr(3, "shape", [1 << 20, 1 << 20])),
        "ModelError",
        "tensor 3 't3': shape (1048576, 1048576) of int8 needs 1099511627776 bytes",
    ),
    "negative dim": (
        fc_model(set_attr(0, "shape", [2, -6])),
        "ModelError",
        "tensor 0 't0': negative dimension",
    ),
    "rank 17": (fc_model(set_attr(3, "shape", [1] * 17)), "ModelError", "rank 17"),
    "zero dim": (fc_model(set_attr(0, "shape", [0, 6])), "ModelError", "op 0 (FULLY_CONNECTED)"),
    "buffer shorter than tensor": (
        fc_model(set_attr(1, "shape", [5, 6])),
        "ModelError",
        "tensor 1 't1': buffer holds 24 bytes but shape (5, 6) of int8 needs 30",
    ),
    "buffer longer than tensor": (
        fc_model(set_attr(2, "shape", [3])),
        "ModelError",
        "tensor 2 't2': buffer holds 16 bytes",
    ),
    "buffer index out of range": (
        fc_model(set_attr(1, "buffer", 99)),
        "ModelError",
        "tensor 1: buffer index 99 out of range",
    ),
    "unknown dtype": (
        fc_model(set_attr(0, "type", 42)),
        "ModelError",
        "tensor 0 't0': unknown type code 42",
    ),
    "op input index out of range": (
        fc_model(edit_op("inputs", 1, 9)),
        "ModelError",
        "op 0 (FULLY_CONNECTED): input tensor index 9 out of range",
    ),
    "op output index -1": (
        fc_model(edit_op("outputs", 0, -1)),
        "ModelError",
        "output tensor index -1 out of range",
    ),
    "opcode index out of range": (
        fc_model(lambda mb: setattr(mb.operators[0], "opcodeIndex", 5)),
        "ModelError",
        "op 0: operator code index 5 out of range",
    ),
    "graph input out of range": (
        fc_model(lambda mb: mb.inputs.append(17)),
        "ModelError",
        "graph inputs: tensor index 17",
    ),
    "graph input is a constant": (
        fc_model(lambda mb: mb.inputs.append(1)),
        "ModelError",
        "graph input tensor 1 't1' is a constant",
    ),
    "op writes a constant": (
        fc_model(writes_constant),
        "ModelError",
        "output tensor 1 't1' is a constant",
    ),
    "zero points and scales disagree": (
        fc_model(edit_quant(1, zeroPoint=[0, 0])),
        "ModelError",
        "2 zero points for 4 scales",
    ),
    "too few per-channel scales": (
        fc_model(edit_quant(1, scale=[0.1, 0.2, 0.3], zeroPoint=[0])),
        "ModelError",
        "3 scales on axis 0 do not match shape (4, 6)",
    ),
    "per-channel axis out of range": (
        fc_model(edit_quant(1, quantizedDimension=5)),
        "ModelError",
        "on axis 5",
    ),
    "zero point out of range": (
        fc_model(edit_quant(0, zeroPoint=[200])),
        "ModelError",
        "tensor 0 't0': zero point 200 outside the int8 range",
    ),
    "int32 zero point beyond int32": (
        fc_model(edit_quant(2, zeroPoint=[1 << 40] * 4)),
        "ModelError",
        "tensor 2 't2': zero point 1099511627776 outside the int32 range",
    ),
    "NaN output scale": (
        fc_model(edit_quant(3, scale=[float("nan")])),
        "ModelError",
        "op 0 (FULLY_CONNECTED): output scale is not finite",
    ),
    "zero output scale": (
        fc_model(edit_quant(3, scale=[0.0])),
        "ModelError",
        "op 0 (FULLY_CONNECTED): division by a zero scale",
    ),
    "read before write": (
        fc_model(read_before_write),
        "ModelError",
        "op 0 reads tensor 3 before any op writes it",
    ),
    "output never written": (
        fc_model(unwritten_output),
        "ModelError",
        "graph output tensor 3 is never written by an op",
    ),
    "offline plan overlaps": (
        fc_model(offline_plan([0, -1, -1, 0])),
        "ModelError",
        "memory plan overlaps",
    ),
    "offline plan far away": (
        fc_model(offline_plan([0, -1, -1, (1 << 31) - 8])),
        "ArenaError",
        "bytes",
    ),
    "mean of nothing": (
        mean_of_nothing(),
        "ModelError",
        "op 0 (MEAN): no values to average: input (2, 0, 3)",
    ),
    "custom options truncated": (
        signal_model(raw_options=SHIFT_12[:-4]),
        "ModelError",
        "op 0 (CUSTOM:SignalWindow): options are not a FlexBuffers map",
    ),
    "custom options root offset past the start": (
        signal_model(raw_options=SHIFT_12[:-3] + b"\xf0" + SHIFT_12[-2:]),
        "ModelError",
        "op 0 (CUSTOM:SignalWindow): 0 bytes at offset -",
    ),
    "custom options of width 3": (
        signal_model(raw_options=SHIFT_12[:-1] + b"\x03"),
        "ModelError",
        "op 0 (CUSTOM:SignalWindow): FlexBuffers width of 3 bytes",
    ),
    "custom options not a map": (
        signal_model(raw_options=flexbuffers.Dumps(12)),
        "ModelError",
        "options are not a FlexBuffers map (type 1)",
    ),
    "custom options in another format": (
        signal_model(options_format=1),
        "ModelError",
        "op 0 (CUSTOM:SignalWindow): custom options are not FlexBuffers",
    ),
    "custom option missing": (
        signal_model(raw_options=flexbuffers.Dumps({"shifts": 12})),
        "ModelError",
        "op 0 (CUSTOM:SignalWindow): option 'shift' is missing",
    ),
    "custom option not an integer": (
        signal_model(shift=1.5),
        "ModelError",
        "op 0 (CUSTOM:SignalWindow): option 'shift' is not an integer",
    ),
    "window shift 40": (signal_model(shift=40), "ModelError", "shift 40 outside 0..31"),
    "fft of radix 7": (
        signal_model("SignalRfft", T=7, fft_length=28),
        "UnsupportedOpError",
        "CUSTOM:SignalRfft (fft_length 28: kiss_fft radix 7)",
    ),
    "fft of int32": (
        signal_model("SignalRfft", T=2, fft_length=32),
        "UnsupportedOpError",
        "CUSTOM:SignalRfft (T=2 (int16 only))",
    ),
    "energy past the spectrum": (
        signal_model("SignalEnergy", start_index=2, end_index=9),
        "ModelError",
        "bins 2..9 outside the 8",
    ),
    "filter bank past the energies": (
        signal_model("SignalFilterBank", num_channels=2, widths=[2, 4, 5]),
        "ModelError",
        "channel 2 reads 5 values from energy 6",
    ),
    "short PCAN gain table": (
        signal_model("SignalPCAN", snr_shift=6),
        "ModelError",
        "gain table has 100 entries",
    ),
    "offline plan wrong count": (
        fc_model(offline_plan([0, 0])),
        "ModelError",
        "lists 2 offsets for 4 tensors",
    ),
}


@pytest.fixture(scope="module")
def results():
    models = {name: case[0] for name, case in CASES.items()}
    cases = [
        {"i": i, "m": name, "t": -1, "p": [], "v": True, "l": None} for i, name in enumerate(CASES)
    ]
    return dict(zip(CASES, run_cases(models, cases, jobs=1)))


def test_valid_model_runs(results):
    assert (
        run_cases({"good": GOOD}, [{"i": 0, "m": "good", "t": -1, "p": [], "v": True, "l": None}])[
            0
        ]["r"]
        == "ok"
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_model(results, name):
    _, error, words = CASES[name]
    result = results[name]
    assert (result["r"], result["stage"]) == (error, "invoke" if error == "ok" else "construct"), (
        result
    )
    assert words in result["msg"], result["msg"]


def widest_graph():
    """4095 tensors, half of them state tensors alive all the time: the planner's worst case."""
    mb = ModelBuilder()
    prev = mb.input((4,), "float32")
    for _ in range(2047):
        y = mb.tensor((4,), "float32")
        mb.op("ADD", [prev, mb.tensor((4,), "float32", variable=True)], [y], "AddOptions")
        prev = y
    mb.output(prev)
    return mb.build()


def test_largest_graph_runs():
    result = run_cases(
        {"wide": widest_graph()},
        [{"i": 0, "m": "wide", "t": -1, "p": [], "v": True, "l": None}],
        jobs=1,
    )[0]
    assert result["r"] == "ok", result


WIDE_PLANS = """
import gc, time
from ulite import planner


def instructions(ops):
    # widest_graph's shape: op k reads the chain and state tensor 2k + 1, writes 2k + 2
    ops_io = (((2 * k, 2 * k + 1), (2 * k + 2,)) for k in range(ops))  # one at a time
    count = 2 * ops + 1
    gc.collect()
    start = time.ticks_us()
    first, last = planner.lifetimes(count, [0], [count - 1], ops_io, lambda t: t % 2 == 0)
    for t in range(1, count, 2):
        first[t], last[t] = 0, ops + 1
    offsets, total = planner.plan([16] * count, first, last)
    spent = time.ticks_diff(time.ticks_us(), start) * 1000
    planner.check(offsets, [16] * count, first, last)
    assert total == 16 * (ops + 2)  # the state tensors and two chain tensors
    return spent


print(instructions(300), instructions(1200))
"""


def test_large_graphs_plan_in_linear_work(tmp_path):
    """Planning graphs shaped like the widest one (half the tensors state tensors alive all
    the time: first-fit by size, quadratic in the buffers, is at its worst) costs
    instructions in proportion to the buffers on the ARM board (QEMU counts them: a
    deterministic measure, whatever the machine's load): 4x the buffers, at most 6x the
    instructions, and the larger well under a billion. A board has no heap for the widest
    graph ulite accepts (4095 tensors); test_largest_graph_runs runs it on the unix port."""
    script = tmp_path / "plan.py"
    script.write_text(WIDE_PLANS)
    result = micropython.run("arm", script)
    assert result.returncode == 0, result.stdout + result.stderr
    small, large = map(int, result.stdout.split())
    assert large < 6 * small, (small, large)
    assert large < 1_000_000_000, large


def test_every_truncation_is_a_model_error():
    """Every prefix of two small models is refused as a ModelError, except those that only
    drop the trailing padding no field points into."""
    models = {"simple_add": model_path("simple_add").read_bytes(), "fc": GOOD}
    cases = []
    for name, data in models.items():
        for length in range(len(data)):
            cases.append({"i": len(cases), "m": name, "t": length, "p": [], "v": True, "l": None})
    results = run_cases(models, cases)
    assert len(results) == sum(len(d) for d in models.values())
    unclean = [
        (case["m"], case["t"], r)
        for case, r in zip(cases, results)
        if r["r"] != "ModelError" and not (r["r"] == "ok" and case["t"] >= len(models[case["m"]]) - 8)
    ]
    assert not unclean, unclean[:3]
