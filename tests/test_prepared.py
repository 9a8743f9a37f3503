"""convert's precomputed entry (host_tools/prepared.py, mpy/ulite/prepared.py): the model
stays valid for TFLM, ulite uses the entry and stays bit-exact with TFLM, runs the ops'
recorded calls (mpy/ulite/calls.py) where convert could record them, falls back (and says
why) when the model changed, and reads no word of the model at a misaligned address (an
RP2040 faults on those; the model's bytes may sit anywhere in flash)."""

import int16_models
import numpy as np
import pytest
import suite_16x8
from conftest import golden_cases, model_path
from oracle import check, run_tflm, run_tflm_steps, run_ulite, run_ulite_steps
from recurrent_models import lstm_model
from test_int16_models import inputs as int16_inputs
from test_transpose_conv import head_jobs, quick_transpose_conv_jobs

from host_tools import prepared
from host_tools.benchmark import random_inputs

MODELS = ["hello_world_int8", "ic_resnet8_int8", "hello_world_float"]


@pytest.fixture(scope="module")
def converted():
    return {name: prepared.precompute(model_path(name).read_bytes())[0] for name in MODELS}


@pytest.mark.parametrize("name", MODELS)
def test_tflm_and_ulite_run_the_prepared_model_bit_exact(converted, name):
    cases = golden_cases(name)[:2]
    model = converted[name]
    for inputs, expected in cases:
        for got, want in zip(run_tflm(model, inputs), expected):
            np.testing.assert_array_equal(got, want)
    jobs = [(model, inputs, expected) for inputs, expected in cases]
    check([expected for _, expected in cases], run_ulite(jobs))


LOADED = """
import sys, ulite
from ulite import loops
model = open(sys.argv[1], "rb").read()
i = ulite.Interpreter(model)
print(i.precomputed, sorted(n for n in loops.FUNCTIONS if n in i.loops.__dict__))
"""
USES_ENTRY = LOADED + """
changed = bytearray(model)
changed[len(model) // 2] ^= 1  # a weight
print(ulite.Interpreter(changed).precomputed)
"""

KERNELS_ASKED = """
import sys, ulite
from ulite import interpreter

asked = []
kernel_for = interpreter.kernel_for
interpreter.kernel_for = lambda *code: asked.append(code) or kernel_for(*code)
i = ulite.Interpreter(open(sys.argv[1], "rb").read())
print(i.precomputed, len(asked), len(i.op_names))
"""


def test_16x8_and_transpose_conv_run_from_the_entry(micropython, tmp_path):
    """The 16x8 ops and TRANSPOSE_CONV (every kind, strided, built in bands) from converted models: TFLM
    reads them as it reads the originals, and ulite, using the entry, agrees with TFLM bit
    for bit (float32 within TFLM's rounding), loading only the ops' loops."""
    models = [m for m, _ in quick_transpose_conv_jobs() + head_jobs()]
    models += [(suite_16x8.DIRECTORY / (n + ".tflite")).read_bytes() for n in ("encoder_decoder_16x8", "fc_stack_16x8")]
    jobs, expected = [], []
    for i, raw in enumerate(models):
        model = prepared.precompute(raw)[0]
        inputs = random_inputs(raw)
        want = run_tflm(raw, inputs)
        for got, tflm in zip(run_tflm(model, inputs), want):
            np.testing.assert_array_equal(got, tflm)
        jobs.append((model, inputs, want))
        expected.append(want)
        (tmp_path / ("m%d.tflite" % i)).write_bytes(model)
    check(expected, run_ulite(jobs))
    for i in range(len(models)):
        used = micropython(LOADED, args=[tmp_path / ("m%d.tflite" % i)])
        assert used.startswith("True ["), used
        if i >= len(models) - 2:  # the 16x8 suite's: their wide loops, no derivation's
            assert "_16x8'" in used and "weight_sums" not in used, used


def test_int16_models_run_from_the_entry(micropython, tmp_path):
    """The int16 suite (binary ops, activations, softmax, pooling, mean, quantize) from
    converted models: TFLM reads them as it reads the originals, and ulite, using the
    entry, agrees with TFLM bit for bit, loading the int16 loops the ops run. In
    gated_int16, the float32 QUANTIZE and DEQUANTIZE are prepared by their kernels, the
    other ops run their recorded calls."""
    jobs, expected = [], []
    for i, name in enumerate(int16_models.MODELS):
        raw = int16_models.path(name).read_bytes()
        model = prepared.precompute(raw)[0]
        inputs = int16_inputs(name)
        want = run_tflm(raw, inputs)
        for got, tflm in zip(run_tflm(model, inputs), want):
            np.testing.assert_array_equal(got, tflm)
        jobs.append((model, inputs, want))
        expected.append(want)
        (tmp_path / ("m%d.tflite" % i)).write_bytes(model)
    check(expected, run_ulite(jobs))
    for i in range(len(jobs)):
        used = micropython(LOADED, args=[tmp_path / ("m%d.tflite" % i)])
        assert used.startswith("True ["), used
        assert "_int16'" in used, used
    used, asked, ops = micropython(KERNELS_ASKED, args=[tmp_path / "m0.tflite"]).split()
    assert list(int16_models.MODELS)[0] == "gated_int16" and (used, asked, ops) == ("True", "2", "7")


# model -> the loop its recurrent op runs
RECURRENT_LOOPS = {"keyword_scrambled": "svdf_int8", "mnist_lstm_int8": "lstm_int8", "built 16x8 LSTM": "lstm_16x8"}


@pytest.mark.parametrize("name", sorted(RECURRENT_LOOPS))
def test_recurrent_state_runs_from_the_entry(micropython, tmp_path, name):
    """SVDF's and LSTM's variable tensors (their state, in the arena after the tables)
    from a converted model: carried across invokes and cleared by reset() as TFLM's, bit
    for bit, with the entry used and only the ops' loops loaded (not the derivations')."""
    if name.startswith("built"):
        raw = lstm_model(np.random.default_rng(32), "int16", 2, 3, 5, 6, time_major=True)
    else:
        raw = model_path(name).read_bytes()
    model = prepared.precompute(raw)[0]
    rng = np.random.default_rng(31)
    shapes = [(x.shape, x.dtype) for x in random_inputs(raw)]
    steps = [[rng.integers(-2000, 2000, shape).astype(dtype) for shape, dtype in shapes] for _ in range(5)]
    expected = run_tflm_steps(raw, steps, (3,))
    (got,) = run_ulite_steps([(model, steps, expected[0], (3,))])
    assert not isinstance(got, str), got
    for e, g in zip(expected, got):
        check([e], [g])
    path = tmp_path / "m.tflite"
    path.write_bytes(model)
    used = micropython(LOADED, args=[path])
    assert used.startswith("True ["), used
    assert "'%s'" % RECURRENT_LOOPS[name] in used and "weight_sums" not in used, used


@pytest.mark.parametrize("name", MODELS)
def test_ops_run_the_calls_convert_recorded(converted, micropython, tmp_path, name):
    """An int8 model's ops run the calls (fn, args) convert recorded, so construction
    imports none of their kernels; float32 ones (a board's floats are not the host's) are
    prepared by their kernels, as without recorded calls (bit-exact with TFLM either way:
    the test above)."""
    path = tmp_path / "m.tflite"
    path.write_bytes(converted[name])
    used, asked, ops = micropython(KERNELS_ASKED, args=[path]).split()
    assert used == "True"
    assert int(asked) == (int(ops) if name.endswith("_float") else 0)


def test_ulite_uses_the_entry_and_refuses_a_changed_model(converted, micropython, tmp_path):
    path = tmp_path / "m.tflite"
    path.write_bytes(converted["ic_resnet8_int8"])
    used, changed = micropython(USES_ENTRY, args=[path]).splitlines()
    assert used.startswith("True [")
    loaded = used[5:]  # the loops this model's ops run, loaded first: not the derivations'
    assert "'conv_int8'" in loaded and "'fully_connected_int8'" in loaded
    assert "weight_sums" not in loaded and "conv_float32" not in loaded
    assert changed == "it changed since convert precomputed its tables"


ROWS = """
import sys
from ulite import prepared
from ulite.model import Model

model = Model(open(sys.argv[1], "rb").read())
plan, why_not = prepared.read(model)
rows = model.tensor_rows
print(why_not, [i for i in range(model.tensor_count) if rows.get(i, None) != model.tensor_fields(i)])
"""


@pytest.mark.parametrize("name", MODELS)
def test_entry_rows_are_the_tensors_of_the_flatbuffer(converted, micropython, tmp_path, name):
    """The entry's tensor rows, which a board reads tensors from instead of walking the
    flatbuffer, are what walking it gives, tensor by tensor, in the converted model (made
    from the model before the entry moved its bytes)."""
    path = tmp_path / "m.tflite"
    path.write_bytes(converted[name])
    assert micropython(ROWS, args=[path]).strip() == "None []"


# Every int32/float32 view ulite makes must start at a multiple of 4: the model is given
# at an odd address, and a view of its bytes (weights, biases, scales) then fails.
MISALIGNED = """
import sys, uctypes, ulite


def aligned_only():  # (construction unloads ulite.views: patched before each)
    from ulite import views

    plain = views._view

    def view(buf, kind, typecode, itemsize):
        assert uctypes.addressof(buf) % itemsize == 0, "misaligned %d-byte view" % itemsize
        return plain(buf, kind, typecode, itemsize)

    views._view = view


model = open(sys.argv[1], "rb").read()
shifted = memoryview(bytearray(len(model) + 1))[1:]
shifted[:] = model
print(uctypes.addressof(shifted) % 4 != 0)
for data in (model, shifted):
    aligned_only()
    i = ulite.Interpreter(data)
    i.input(0).copy_from(open(sys.argv[2], "rb").read())
    i.invoke()
    print(i.precomputed, bytes(i.output(0).data).hex())
"""


@pytest.mark.parametrize("prepare", [False, True], ids=["raw", "converted"])
def test_a_misaligned_model_is_read_without_misaligned_words(converted, micropython, tmp_path, prepare):
    name = "ic_resnet8_int8"
    model = converted[name] if prepare else model_path(name).read_bytes()
    (inputs, expected), = golden_cases(name)[:1]
    (tmp_path / "m.tflite").write_bytes(model)
    (tmp_path / "x.bin").write_bytes(inputs[0].tobytes())
    out = micropython(MISALIGNED, heap="4M", args=[tmp_path / "m.tflite", tmp_path / "x.bin"])
    odd, *runs = out.split("\n")[:3]
    assert odd == "True"
    for run in runs:
        used, output = run.split()
        assert used == ("True" if prepare else "None")
        np.testing.assert_array_equal(np.frombuffer(bytes.fromhex(output), np.int8), expected[0].ravel())


def test_the_audio_front_end_runs_from_the_entry(micropython, tmp_path, monkeypatch):
    """micro_speech with both models converted: the front end's custom Signal ops and its
    noise estimate (state the entry sizes but never holds) run from the entry, and the
    features and scores of a clip (49 frames, the state carried) equal TFLM's pipeline's."""
    from tflm_speech import clip, tflm_pipeline

    from host_tools import speech

    samples = speech.read_wav(clip("yes"))
    features, scores = tflm_pipeline(samples)
    for name in ("FRONT_END", "CLASSIFIER"):
        path = tmp_path / getattr(speech, name).name
        path.write_bytes(prepared.precompute(getattr(speech, name).read_bytes())[0])
        monkeypatch.setattr(speech, name, path)
    used = micropython(LOADED, args=[speech.FRONT_END])
    assert used.startswith("True [") and "'rfft_int16'" in used and "'pcan_uint32'" in used, used
    result = speech.on_micropython(samples)
    np.testing.assert_array_equal(result.features, features)
    np.testing.assert_array_equal(result.scores, scores)


@pytest.mark.parametrize("prepare", [False, True], ids=["raw", "converted"])
def test_misaligned_int16_models_are_read_without_misaligned_words(micropython, tmp_path, prepare):
    for name in int16_models.MODELS:
        raw = int16_models.path(name).read_bytes()
        model = prepared.precompute(raw)[0] if prepare else raw
        inputs = int16_inputs(name)
        (tmp_path / "m.tflite").write_bytes(model)
        (tmp_path / "x.bin").write_bytes(inputs[0].tobytes())
        out = micropython(MISALIGNED, heap="4M", args=[tmp_path / "m.tflite", tmp_path / "x.bin"])
        odd, *runs = out.split("\n")[:3]
        assert odd == "True"
        want = run_tflm(raw, inputs)[0].tobytes().hex()
        for run in runs:
            used, output = run.split()
            assert used == ("True" if prepare else "None"), (name, run)
            assert output == want, name


def test_an_entry_calling_outside_ulite_is_refused(micropython, tmp_path):
    """A recorded call names its function by module: an entry naming one outside ulite (a
    crafted model) is refused, not imported and called at invoke."""
    model = bytearray(prepared.precompute(model_path("kws_ref_model").read_bytes())[0])
    recorded = b"ulite.kernels.steps softmax_int8"
    at = model.index(recorded)
    model[at : at + len(recorded)] = b"gc collect".ljust(len(recorded))
    (tmp_path / "m.tflite").write_bytes(model)
    out = micropython(
        "import sys, ulite\n"
        "try:\n"
        "    ulite.Interpreter(open(sys.argv[1], 'rb').read())\n"
        "except ulite.ModelError as e:\n"
        "    print(e)\n",
        args=[tmp_path / "m.tflite"],
    )
    assert "calls gc.collect, outside ulite" in out
