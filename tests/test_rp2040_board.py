"""The RP2040 estimate against the ARM board (QEMU, instruction counts: deterministic).

- The estimate's instructions, op by op, kernels and the rest apart, are the board's.
- Its table of other instructions (estimate.OTHER) is what calibrate.py measures now.
- The board runs exactly the machine code the emulator prices: a trace's kernel
  instructions and Cortex-M0+ cycles are the emulator's, and all of the runtime's native
  code is ARMv6-M.
"""

import numpy as np
import pytest
from conftest import model_path

from host_tools.model_builder import ModelBuilder
from host_tools.rp2040 import activations, board, calibrate, estimate, layers, measured, report, trace

SMALL = 2000  # instructions: below this the board's microsecond readings decide


def close(estimated, counted, within):
    return abs(estimated - counted) <= max(within * counted, SMALL)


def test_estimate_matches_the_board_op_by_op():
    """kws_ref_model: convolutions, depthwise, pooling, a reshape, FULLY_CONNECTED, softmax."""
    path = model_path("kws_ref_model")
    data = path.read_bytes()
    inputs = board.inputs(data)
    counts = board.count(path, loops=("thumb", "glue"))
    assert counts["thumb"]["output_crc32"] == report.tflm_output_crc32(data, inputs)
    estimated = estimate.estimate(data, inputs=inputs)
    got = measured.from_board(estimated, counts)
    for i, (e, b) in enumerate(zip(estimated["ops"], got["ops"])):
        where = "op %d %s: estimate %s, board %s" % (i, e["op"], e, b)
        assert close(e["instructions"], b["instructions"], 0.1), where
        assert close(e["kernel_instructions"], b["kernel_instructions"], 0.02), where
        assert close(e["other_instructions"], b["other_instructions"], 0.15), where
    assert close(estimated["instructions"], counts["thumb"]["invoke"], 0.02)


@pytest.mark.slow
def test_estimate_matches_the_board_on_an_int16_model():
    """tests/models_int16/pool_head_int16 (int16 pooling, LEAKY_RELU, SUB, RELU, SOFTMAX):
    no assembler on int16, so every op's instructions are "other", charged by the int16
    rows of the table; the board's output is TFLM's."""
    from int16_models import path

    data = path("pool_head_int16").read_bytes()
    inputs = board.inputs(data)
    counts = board.count(path("pool_head_int16"), loops=("thumb", "glue"))
    assert counts["thumb"]["output_crc32"] == report.tflm_output_crc32(data, inputs)
    estimated = estimate.estimate(data, inputs=inputs)
    got = measured.from_board(estimated, counts)
    for i, (e, b) in enumerate(zip(estimated["ops"], got["ops"])):
        assert e["kernel_instructions"] == 0, e
        assert close(e["instructions"], b["instructions"], 0.15), "op %d %s: estimate %s, board %s" % (i, e["op"], e, b)
    assert close(estimated["instructions"], counts["thumb"]["invoke"], 0.1)


def _kind_param(kind):
    if kind == "CONV_2D":
        return kind
    return pytest.param(kind, marks=pytest.mark.slow)


@pytest.mark.parametrize("kind", [_kind_param(k) for k in calibrate.KINDS])
def test_other_instructions_are_current(kind):
    """Measured again on the board, the calibration ops' other instructions fit what the
    table predicts for them (to the board's reading noise), at the cycles per instruction
    the board's trace gives now. (How well the table fits real models: the test above.)"""
    # float32 ops box their floats: the garbage collector runs at other moments in each
    # model, so their figures move by more than the board's reading noise
    within = 0.15 if "float32" in kind else 0.05
    runs = calibrate.run(kind)
    table, now = estimate.OTHER[kind].per_unit, calibrate.fit(kind, runs)
    for model_bytes, _, _ in runs:
        for layer in layers.read(model_bytes):
            _, amounts = estimate.other_units(layer, estimate.plan(layer))
            predicted = [sum(a * c for a, c in zip(amounts, coefficients)) for coefficients in (table, now)]
            assert close(*predicted, within), (layer.name, amounts, table, now)
    assert abs(calibrate.other_cpi(runs) / estimate.OTHER[kind].cpi - 1) < within * 0.4


@pytest.mark.slow
def test_invoke_instructions_are_current():
    runs = [one for kind in ("CONV_2D", "SOFTMAX", "ADD") for one in calibrate.run(kind)]
    assert close(estimate.OTHER["invoke"].per_unit[0], calibrate.fit_invoke(runs)[0], 0.25)


def test_the_table_has_a_row_per_kind_of_units():
    assert set(estimate.OTHER) == set(estimate.UNITS) == {"invoke"} | set(calibrate.KINDS)
    for kind in calibrate.KINDS:
        for data in calibrate.models(kind):
            for layer in layers.read(data):
                op_kind, amounts = estimate.other_units(layer, estimate.plan(layer))
                assert op_kind == kind and len(amounts) == len(estimate.UNITS[kind]) == len(estimate.OTHER[kind].per_unit)


def test_board_runs_the_machine_code_the_emulator_prices():
    """ad01_int8's invoke traced on the board: fc_rows (data-independent) executes exactly
    the instructions and Cortex-M0+ cycles the emulator counts for the planned calls,
    requant within its data's spread; the runtime's native code has no Thumb-2."""
    path = model_path("ad01_int8")
    data = path.read_bytes()
    regions = trace.measure(path, "thumb")
    est = estimate.Estimator()
    floors = activations.floor_fractions(data, board.inputs(data))
    expected = {}
    for layer, floor in zip(layers.read(data), floors):
        for key, n in estimate.plan(layer):
            instructions, cycles = est.counts(key, floor)
            sums = expected.setdefault(key[0], [0, 0])
            sums[0] += n * instructions
            sums[1] += n * cycles
    fc_rows, requant = regions["kernel fc_rows"], regions["kernel requant"]
    assert (fc_rows.instructions, fc_rows.cycles) == tuple(expected["fc_rows"])
    assert abs(requant.instructions / expected["requant"][0] - 1) < 0.02
    assert regions["native"].wide == 0 and regions["firmware"].wide > 0


def test_floor_fractions_are_tflms():
    """A ReLU convolution alone: the share of its outputs at the zero point, as TFLM's own
    output gives it (the rewrite that keeps every op's output changes nothing)."""
    rng = np.random.default_rng(5)
    mb = ModelBuilder()
    x = mb.input((1, 6, 6, 4), "int8", scale=0.05, zero_point=3)
    y = mb.output(mb.tensor((1, 6, 6, 8), "int8", scale=0.1, zero_point=-20))
    w = mb.const(rng.integers(-127, 128, (8, 3, 3, 4)).astype(np.int8), "int8", scale=[0.01] * 8, zero_point=0, axis=0)
    options = dict(padding="SAME", stride_h=1, stride_w=1, fused_activation_function="RELU")
    mb.op("CONV_2D", [x, w, None], [y], "Conv2DOptions", **options)
    data = mb.build()
    inputs = [rng.integers(-128, 128, (1, 6, 6, 4)).astype(np.int8)]
    from tflite_micro.python.tflite_micro import runtime

    interp = runtime.Interpreter.from_bytes(data, arena_size=1 << 20)
    interp.set_input(inputs[0], 0)
    interp.invoke()
    share = float(np.mean(np.asarray(interp.get_output(0)) == -20))
    assert 0.2 < share < 0.8
    assert activations.floor_fractions(data, inputs) == [share]
