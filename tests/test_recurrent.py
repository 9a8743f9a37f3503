"""The recurrent ops against TFLM: SVDF models built here (int8 with an int16 or int8
state, float32; ranks 1 and 2, batches 1 and 2, every fused activation TFLM applies) and
UNIDIRECTIONAL_SEQUENCE_LSTM models (int8 and 16x8 with an int16 cell, float32; batches
1-3, time major or not, with and without a cell clip), invoked step after step on one interpreter
with a reset() between; keyword_scrambled (seven SVDFs), mnist_lstm_int8 and
mnist_lstm_float with every op's output made a model output, and their goldens; on
every port."""

import flatbuffers
import numpy as np
import pytest
from conftest import golden_cases, model_path
from oracle import run_tflm_steps, run_ulite, run_ulite_steps
from recurrent_models import SVDF_ACTIVATIONS, lstm_model, lstm_steps, svdf_model, svdf_steps
from tflite_micro.python.tflite_micro import runtime
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from host_tools.inference import infer_cases

RESET_BEFORE = (4,)


def svdf_jobs(rng, repeats=1):
    """Each variant `repeats` times, with random sizes: (model, steps, reset_before)."""
    jobs = []
    for _ in range(repeats):
        for batches in (1, 2):
            for rank in (1, 2):
                jobs.append(svdf_steps(rng, "int8", batches, rank, reset_before=RESET_BEFORE))
                activation = str(rng.choice(SVDF_ACTIVATIONS))
                jobs.append(svdf_steps(rng, "float32", batches, rank, activation=activation, reset_before=RESET_BEFORE))
        jobs.append(svdf_steps(rng, "int8", 2, 2, state_dtype="int8", reset_before=RESET_BEFORE))
    return jobs


def lstm_jobs(rng, repeats=1):
    """Each form, batch count and layout `repeats` times, with random sizes; 16x8 also with
    biases and sums beyond int32."""
    jobs = []
    for _ in range(repeats):
        for dtype in ("int8", "int16", "float32"):
            for batches in (1, 2, 3):
                for time_major in (False, True):
                    jobs.append(lstm_steps(rng, dtype, batches, time_major))
        jobs.append(lstm_steps(rng, "int16", 2, wide_sums=True))
    return jobs


def every_output(model):
    """`model` with every op's output also a model output (the oracle then sees them all)."""
    graph_model = schema.ModelT.InitFromPackedBuf(model, 0)
    graph = graph_model.subgraphs[0]
    graph.outputs = list(graph.outputs) + [op.outputs[0] for op in graph.operators]
    builder = flatbuffers.Builder(1024)
    builder.Finish(graph_model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def keyword_steps(rng, count=10):
    model = every_output(model_path("keyword_scrambled").read_bytes())
    steps = [[rng.integers(-4000, 4000, (1, 96), dtype=np.int16)] for _ in range(count)]
    return model, steps, (count // 2 + 1,)


def mnist_steps(name, rng, count=4):
    """mnist_lstm_*'s goldens' inputs and random ones, every op's output a model output."""
    model = every_output(model_path(name).read_bytes())
    steps = [inputs for inputs, _ in golden_cases(name)]
    for _ in range(count - len(steps)):
        if name.endswith("int8"):
            steps.append([rng.integers(-128, 128, (1, 28, 28)).astype(np.int8)])
        else:
            steps.append([rng.uniform(0, 1, (1, 28, 28)).astype(np.float32)])
    return model, steps, (2,)


def assert_steps_match(jobs, loops=None, on="unix", rtol=1e-5):
    """Every step's outputs of every job equal TFLM's (floats within rtol); returns TFLM's."""
    expected = [run_tflm_steps(model, steps, reset) for model, steps, reset in jobs]
    got = run_ulite_steps([(m, s, e[0], r) for (m, s, r), e in zip(jobs, expected)], loops, on=on)
    for j, (e, g) in enumerate(zip(expected, got)):
        assert not isinstance(g, str), "job %d: ulite refused: %s" % (j, g)
        for s, (step_e, step_g) in enumerate(zip(e, g)):
            for k, (a, b) in enumerate(zip(step_e, step_g)):
                message = "job %d step %d output %d" % (j, s, k)
                if a.dtype.kind == "f":
                    np.testing.assert_allclose(b, a, rtol=rtol, atol=1e-6, err_msg=message)
                else:
                    np.testing.assert_array_equal(b, a, err_msg=message)
    return expected


@pytest.mark.parametrize("loops", ["viper", "plain"])
def test_svdf_bit_exact_across_invokes_and_reset(loops):
    jobs = svdf_jobs(np.random.default_rng(140))
    expected = assert_steps_match(jobs, loops)
    # the state matters: without the reset, the step after it differs
    carried = [run_tflm_steps(m, s) for m, s, _ in jobs]
    step = RESET_BEFORE[0]
    assert sum(not np.array_equal(c[step][0], e[step][0]) for c, e in zip(carried, expected)) > len(jobs) // 2


def test_svdf_on_the_webassembly_port():
    assert_steps_match(svdf_jobs(np.random.default_rng(141)), on="wasm")


@pytest.mark.parametrize("on, loops", [("unix", "viper"), ("unix", "plain"), ("wasm", None)])
def test_keyword_scrambled_every_tensor_across_invokes(on, loops):
    expected = assert_steps_match([keyword_steps(np.random.default_rng(142))], loops, on)
    svdf_outputs = [step[1] for step in expected[0]]  # the first SVDF's, step by step
    assert len({o.tobytes() for o in svdf_outputs}) == len(svdf_outputs)


def wide_lstm_steps(rng):
    """A 16x8 LSTM whose gate FCs take more units than the accumulator chunk and more
    inputs than one run of products (loops' wide.py)."""
    model = lstm_model(rng, "int16", 1, 2, 300, 24, cell_clip=0.3)
    return model, [[rng.integers(-32768, 32768, (1, 2, 300)).astype(np.int16)] for _ in range(3)], (2,)


@pytest.mark.parametrize("loops", ["viper", "plain"])
def test_lstm_bit_exact_across_invokes_and_reset(loops):
    rng = np.random.default_rng(145)
    jobs = lstm_jobs(rng) + [wide_lstm_steps(rng)]
    expected = assert_steps_match(jobs, loops)
    carried = [run_tflm_steps(m, s) for m, s, _ in jobs]
    assert sum(not np.array_equal(c[2][0], e[2][0]) for c, e in zip(carried, expected)) > len(jobs) // 2


def test_lstm_on_the_webassembly_port():
    assert_steps_match(lstm_jobs(np.random.default_rng(146)), on="wasm")


@pytest.mark.parametrize("on, loops", [("unix", "viper"), ("unix", "plain"), ("wasm", None)])
def test_mnist_lstm_every_tensor_across_invokes(on, loops):
    rng = np.random.default_rng(147)
    expected = assert_steps_match([mnist_steps("mnist_lstm_int8", rng), mnist_steps("mnist_lstm_float", rng)], loops, on)
    lstm_outputs = expected[0][0][1]  # the int8 LSTM's output sequence at step 0
    assert len(np.unique(lstm_outputs)) > 100


@pytest.mark.parametrize("on, loops", [("unix", "viper"), ("wasm", None)])
@pytest.mark.parametrize("name", ["keyword_scrambled", "mnist_lstm_int8", "mnist_lstm_float"])
def test_corpus_models_bit_exact_with_goldens(name, on, loops):
    cases = golden_cases(name)
    outputs, _ = infer_cases(model_path(name), [i for i, _ in cases], 512 << 10, loops, on)
    for (_, expected), got in zip(cases, outputs):
        assert got[0].dtype == expected[0].dtype and got[0].shape == expected[0].shape
        if expected[0].dtype.kind == "f":
            np.testing.assert_allclose(got[0], expected[0], rtol=1e-5, atol=1e-6)
        else:
            np.testing.assert_array_equal(got[0], expected[0])


def test_held_out_models_through_infer(tmp_path):
    """Built SVDF and LSTM models through `infer`'s library: each case from a fresh state,
    TFLM's first invoke's outputs."""
    rng = np.random.default_rng(150)
    jobs = [svdf_steps(rng, "int8", 2, 2), lstm_steps(rng, "int8", 2, True), lstm_steps(rng, "float32", 1)]
    for j, (model, steps, _) in enumerate(jobs):
        path = tmp_path / ("m%d.tflite" % j)
        path.write_bytes(model)
        outputs, _ = infer_cases(path, steps, 256 << 10)
        for inputs, got in zip(steps, outputs):
            expected = run_tflm_steps(model, [inputs])[0]
            np.testing.assert_allclose(got[0], expected[0], rtol=1e-5 if expected[0].dtype.kind == "f" else 0)


def test_recurrent_ops_on_the_arm_board():
    """One SVDF and one LSTM model of each form, keyword_scrambled's and mnist_lstm_int8's
    every tensor, on real ARM code."""
    rng = np.random.default_rng(143)
    jobs = [svdf_steps(rng, "int8", 2, 2), svdf_steps(rng, "float32", 1, 2), keyword_steps(rng, 4)]
    jobs += [lstm_steps(rng, "int8", 2, True), lstm_steps(rng, "float32", 2), mnist_steps("mnist_lstm_int8", rng, 3)]
    jobs.append(lstm_steps(rng, "int16", 2))
    assert_steps_match(jobs, "thumb", "arm")


def test_what_tflm_lacks_is_refused():
    """TFLM's LSTM has no peephole, projection or layer norm tensors, runs its cell gate
    through tanh, reads one scale per weights tensor (per-channel weights' scales it never
    applies: it requantizes their FC by a multiplier it did not set) and int64 biases in
    16x8; its SVDF reads a bias; its integer SVDF a state with zero point 0."""
    rng = np.random.default_rng(149)
    tflm_refuses = {  # in prepare, as ulite
        "peephole": lstm_model(rng, "int8", 1, 2, 3, 4, extra={9: (4,)}),
        "projection": lstm_model(rng, "float32", 1, 2, 3, 4, extra={16: (4, 4)}),
        "layer norm": lstm_model(rng, "int16", 1, 2, 3, 4, extra={20: (4,)}),
    }
    for name, model in tflm_refuses.items():
        with pytest.raises(RuntimeError, match="failed to allocate"):
            runtime.Interpreter.from_bytes(model)
    models = dict(tflm_refuses)
    models.update({
        "cell gate activation 1": _with_options(lstm_model(rng, "float32", 1, 2, 3, 4), fusedActivationFunction=1),
        "tensor 4 't4' (input to forget weights) is quantized per channel": _per_channel(lstm_model(rng, "int8", 1, 2, 3, 4), 2),
        "tensor 6 't6' (recurrent to forget weights) is quantized per channel": _per_channel(lstm_model(rng, "int16", 2, 2, 3, 4), 6),
        "input, weights, biases, hidden, cell, output of types int16,int8,int32,int16,int16,int16": _bias_type(
            lstm_model(rng, "int16", 1, 2, 3, 4), "INT32"),
        "a required input is missing": _without_input(svdf_model(rng, "float32", 1, 1), 3),
        "activation state with zero point 3": _state_zero_point(svdf_model(rng, "int8", 1, 1), 3),
    })  # fmt: skip
    jobs = [(model, [], []) for model in models.values()]  # refused before any input
    for expected, got in zip(models, run_ulite(jobs)):
        assert isinstance(got, str) and expected in got, (expected, got)


def _graph_model(model):
    return schema.ModelT.InitFromPackedBuf(model, 0)


def _repacked(graph_model):
    builder = flatbuffers.Builder(1024)
    builder.Finish(graph_model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def _with_options(model, **options):
    m = _graph_model(model)
    for key, value in options.items():
        setattr(m.subgraphs[0].operators[0].builtinOptions, key, value)
    return _repacked(m)


def _without_input(model, index):
    m = _graph_model(model)
    op = m.subgraphs[0].operators[0]
    op.inputs = [-1 if i == index else t for i, t in enumerate(op.inputs)]
    return _repacked(m)


def _per_channel(model, index):
    """`model` with its op's input `index` (weights [units, depth]) quantized per channel."""
    m = _graph_model(model)
    weights = m.subgraphs[0].tensors[m.subgraphs[0].operators[0].inputs[index]]
    units = weights.shape[0]
    weights.quantization.scale = [weights.quantization.scale[0] * (u + 1) for u in range(units)]
    weights.quantization.zeroPoint = [0] * units
    weights.quantization.quantizedDimension = 0
    return _repacked(m)


def _bias_type(model, dtype):
    """`model` with its LSTM's biases (inputs 12-15) retyped to `dtype` (a schema name), their
    data cut to that type's size."""
    m = _graph_model(model)
    graph = m.subgraphs[0]
    for index in graph.operators[0].inputs[12:16]:
        bias = graph.tensors[index]
        bias.type = getattr(schema.TensorType, dtype)
        data = m.buffers[bias.buffer].data
        m.buffers[bias.buffer].data = data[: len(data) * 4 // 8]
    return _repacked(m)


def _state_zero_point(model, zero_point):
    m = _graph_model(model)
    state = m.subgraphs[0].tensors[m.subgraphs[0].operators[0].inputs[4]]
    state.quantization.zeroPoint = [zero_point]
    return _repacked(m)


@pytest.mark.slow
@pytest.mark.parametrize("on, loops", [("unix", "viper"), ("unix", "plain"), ("unix", "thumb"), ("wasm", None), ("arm", "thumb"), ("arm", "viper")])
def test_svdf_sweep(on, loops):
    assert_steps_match(svdf_jobs(np.random.default_rng(144), 6 if on != "arm" else 2), loops, on)


@pytest.mark.slow
@pytest.mark.parametrize("on, loops", [("unix", "viper"), ("unix", "plain"), ("unix", "thumb"), ("wasm", None), ("arm", "thumb"), ("arm", "viper")])
def test_lstm_sweep(on, loops):
    rng = np.random.default_rng(148)
    assert_steps_match(lstm_jobs(rng, 4 if on != "arm" else 1) + [wide_lstm_steps(rng)], loops, on)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["keyword_scrambled", "mnist_lstm_int8", "mnist_lstm_float"])
def test_corpus_models_on_the_arm_board(name):
    cases = golden_cases(name)
    outputs, _ = infer_cases(model_path(name), [i for i, _ in cases], 512 << 10, "thumb", "arm")
    for (_, expected), got in zip(cases, outputs):
        if expected[0].dtype.kind == "f":
            np.testing.assert_allclose(got[0], expected[0], rtol=1e-5, atol=1e-6)
        else:
            np.testing.assert_array_equal(got[0], expected[0])
