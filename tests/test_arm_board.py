"""ulite on the ARM board: bare-metal MicroPython on a Cortex-M core in QEMU
(host_tools/micropython/arm.py), running the RP2040's ARMv6-M runtime with its real `asm_thumb`
kernels, not the twins the unix port runs the Thumb glue over.

Outputs must equal TFLM's bit for bit (float32 within 1e-5): the kernel sweeps that reach
the Thumb kernels (FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D, ADD, QUANTIZE int8 -> int8
through requant) against TFLM run here, the corpus models against TFLM's golden outputs,
with each loop backend: thumb (the board's default), viper, and plain on the small
models. The fast set batches many jobs per boot; the big models and the longer sweeps are
marked slow (`make test-slow`).
"""

import numpy as np
import pytest
from conftest import golden_cases, model_path
from oracle import check, run_tflm, run_ulite
from test_conv import conv_int8_jobs, depthwise_int8_jobs
from test_elementwise import ALL_PAIRS, DOUBLE_SENSITIVE, arithmetic_jobs, binary_model
from test_host_cli import assert_user_error, host
from test_kernels_core import add_int8_jobs, fully_connected_int8_jobs, quantize_jobs
from test_thumb import conv_sweep
from test_wasm_port import INT16_JOBS, KERNEL_JOBS, input_pairs_int8_quick_jobs, int16_family_jobs

from host_tools import prepared
from host_tools.errors import UserError
from host_tools.inference import infer_cases
from host_tools.micropython import arm

SMALL_MODELS = ["hello_world_int8", "hello_world_float", "simple_add", "ad01_int8", "micro_speech_quantized"]
CORPUS_MODELS = SMALL_MODELS + ["kws_ref_model", "ic_resnet8_int8", "person_detect", "vww_96_int8"]
CONVERTED_ON_BOARD = ("vww_96_int8",)  # person_detect runs raw: both paths on the board
# Golden cases the plain loops run (None: all): ad01_int8 costs 550 M board instructions
# an invoke there (about 3 s), micro_speech_quantized 830 M, kws_ref_model 5.7 G.
PLAIN_CASES = {"hello_world_int8": None, "hello_world_float": None, "ad01_int8": 1, "micro_speech_quantized": 1}
PLAIN_CASES_SLOW = {"simple_add": 1, "kws_ref_model": 1}


def thumb_kernel_jobs():
    """Sweeps reaching every Thumb kernel: fc_rows and requant (FULLY_CONNECTED, with
    more units than one requant call takes), dot8, lanes8 and gather8 (CONV_2D), dw8
    (DEPTHWISE_CONV_2D), add_rescaled (same-shape ADD; broadcasts stay viper), requant
    alone (QUANTIZE int8 -> int8)."""
    jobs = fully_connected_int8_jobs() + conv_int8_jobs() + depthwise_int8_jobs()
    return jobs + add_int8_jobs() + quantize_jobs()


def add_rescaled_jobs():
    """Same-shape ADD over every int8 pair, with the scales whose float and double
    derivations differ, in pieces a board's heap holds."""
    pairs = [a.reshape(-1) for a in np.broadcast_arrays(*ALL_PAIRS)]
    jobs = []
    for s1, s2, so, z1, z2, zo in DOUBLE_SENSITIVE:
        qs = [dict(scale=s1, zero_point=z1), dict(scale=s2, zero_point=z2), dict(scale=so, zero_point=zo)]
        model = binary_model("ADD", (8192,), (8192,), qs, "NONE")
        jobs += [(model, [p[start : start + 8192] for p in pairs]) for start in range(0, 65536, 8192)]
    return jobs


def golden_jobs(cases_by_model):
    """[(model, inputs, TFLM's golden outputs)] for {model name: number of cases or None}."""
    jobs = []
    for name, count in cases_by_model.items():
        model = model_path(name).read_bytes()
        jobs += [(model, ins, outs) for ins, outs in golden_cases(name)[:count]]
    return jobs


def matches_on_board(loops, kernel_jobs=(), golden=(), rtol=1e-5):
    """Kernel jobs [(model, inputs)] against TFLM run here and corpus cases [(model,
    inputs, golden outputs)], in one board run. Returns the number of jobs checked."""
    expected = [run_tflm(m, x) for m, x in kernel_jobs] + [outs for _, _, outs in golden]
    runs = [(m, x) for m, x in kernel_jobs] + [(m, x) for m, x, _ in golden]
    got = run_ulite([(m, x, e) for (m, x), e in zip(runs, expected)], loops, on="arm")
    return check(expected, got, rtol)


BOARD_FACTS = """
import gc, sys, uctypes
from ulite import loops
from ulite.loops.thumb import asm
gc.collect()
free = gc.mem_free()
view = memoryview(open(sys.argv[1], "rb"))
gc.collect()
print(sys.implementation._mpy >> 10 & 15, loops.backend().__name__, asm.__file__)
print(len(view), uctypes.addressof(view) % 16, free - gc.mem_free() < 256)
"""


def test_board_runs_the_real_assembler_and_reads_files_in_place(tmp_path):
    script = tmp_path / "facts.py"
    script.write_text(BOARD_FACTS)
    model = model_path("ad01_int8")
    result = arm.run(script, [model], copy_in=[model])
    assert result.returncode == 0, result.stderr
    armv7m = 6  # the Cortex-M3's native-code architecture; it runs the armv6m runtime
    assert result.stdout.split() == [
        str(armv7m), "ulite.loops.thumb", "/rom/lib/ulite/loops/thumb/asm.mpy",
        str(model.stat().st_size), "0", "True",
    ]  # fmt: skip


def test_failure_is_reported(tmp_path):
    script = tmp_path / "fails.py"
    script.write_text("import sys\nprint('before')\nraise ValueError('arm says no')\n")
    result = arm.run(script)
    assert (result.returncode, result.stdout) == (1, "before\n")
    assert "ValueError: arm says no" in result.stderr and 'fails.py", line 3' in result.stderr


def test_crash_is_one_line(tmp_path):
    script = tmp_path / "crashes.py"
    script.write_text("@micropython.asm_thumb\ndef crash():\n    data(2, 0xDEFE)  # udf\n\n\ncrash()\n")
    with pytest.raises(UserError, match=r"^the ARM board crashed running crashes.py: HardFault \(CFSR.UNDEFINSTR"):
        arm.run(script)


def test_board_that_stops_is_one_line(tmp_path):
    """The last line printed before the reset may be lost with the serial port, as on a
    board that resets."""
    script = tmp_path / "resets.py"
    script.write_text("import machine\nprint('resetting')\nmachine.reset()\n")
    with pytest.raises(UserError, match=r"^the ARM board stopped \(QEMU exited\) running resets.py: (resetting|no output)$"):
        arm.run(script)


def test_runaway_script_is_stopped(tmp_path):
    script = tmp_path / "spins.py"
    script.write_text("while True:\n    pass\n")
    with pytest.raises(UserError, match="^the ARM board did not finish spins.py within 2 s$"):
        arm.run(script, timeout=2)


def test_missing_qemu_is_one_line(tmp_path, monkeypatch):
    script = tmp_path / "ok.py"
    script.write_text("print('never run')\n")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(UserError, match="^qemu-system-arm not found: install it with"):
        arm.run(script)


def test_int16_families_bit_exact_on_board():
    """One quick case of each int16 kernel family with the board's default loops (thumb:
    its int16 loops are viper's, its int8 requantization assembler)."""
    jobs = int16_family_jobs()
    assert matches_on_board("thumb", jobs, rtol=0) == len(jobs)


@pytest.mark.parametrize("loops", ["thumb", "viper"])
def test_kernels_and_small_models_bit_exact_on_board(loops):
    jobs, golden = thumb_kernel_jobs(), golden_jobs(dict.fromkeys(SMALL_MODELS))
    assert matches_on_board(loops, jobs, golden) == len(jobs) + len(golden)


def test_small_models_bit_exact_on_board_with_plain_loops():
    assert matches_on_board("plain", golden=golden_jobs(PLAIN_CASES)) == 8


def test_infer_command_on_board(tmp_path):
    (inputs, expected), = golden_cases("ad01_int8")[:1]
    np.save(tmp_path / "x.npy", inputs[0])
    out = tmp_path / "y.npz"
    result = host("infer", model_path("ad01_int8"), "--input", tmp_path / "x.npy", "--out", out, "--on", "arm")
    assert result.returncode == 0, result.stderr
    assert "M instructions" in result.stdout
    np.testing.assert_array_equal(np.load(out)["out0"], expected[0])
    x = tmp_path / "x.npy"
    assert_user_error(host("infer", model_path("ad01_int8"), "--input", x, "--out", out, "--on", "arm", "--heap", "1M"), "heap is fixed")
    assert_user_error(host("infer", model_path("ad01_int8"), "--input", x, "--out", out, "--loops", "thumb"), "--on arm")


@pytest.mark.slow
@pytest.mark.parametrize("loops", ["thumb", "viper"])
@pytest.mark.parametrize("name", CORPUS_MODELS)
def test_corpus_model_bit_exact_on_board(name, loops, tmp_path):
    """Every golden case, through `infer`'s flow: the model read in place from ROMFS (the
    big ones are larger than the board's heap), the arena reserved first. The models in
    CONVERTED_ON_BOARD run as `convert` leaves them (its precomputed entry), as they would
    be flashed; the others from the raw .tflite."""
    cases = golden_cases(name)
    model = model_path(name)
    if name in CONVERTED_ON_BOARD:
        model = tmp_path / model.name
        model.write_bytes(prepared.precompute(model_path(name).read_bytes())[0])
    outputs, _ = infer_cases(model, [ins for ins, _ in cases], 0, loops, on="arm")
    check([outs for _, outs in cases], outputs)


RAW_WITHOUT_ARENA = """
import sys, ulite
interp = ulite.Interpreter(memoryview(open(sys.argv[1], "rb")))
interp.input(0).data[:] = memoryview(open(sys.argv[2], "rb"))  # in place: no 9 KB block is left
interp.invoke()
print(interp.precomputed, bytes(interp.output(0).data).hex())
"""


@pytest.mark.slow
def test_raw_model_allocates_its_own_arena_on_board(tmp_path):
    """person_detect from its raw .tflite with no arena passed: the interpreter allocates
    the arena after the checks and the plan, whose garbage must leave it one piece of the
    board's heap (on a Pico there is no more); TFLM's golden output."""
    (x,), (expected,) = golden_cases("person_detect")[0]
    script, inputs = tmp_path / "raw.py", tmp_path / "x.bin"
    script.write_text(RAW_WITHOUT_ARENA)
    inputs.write_bytes(x.tobytes())
    model = model_path("person_detect")
    result = arm.run(script, [model, inputs], copy_in=[model, inputs])
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["None", expected.tobytes().hex()]


@pytest.mark.slow
def test_bigger_models_bit_exact_on_board_with_plain_loops():
    assert matches_on_board("plain", golden=golden_jobs(PLAIN_CASES_SLOW)) == 2


@pytest.mark.slow
@pytest.mark.parametrize("loops", ["thumb", "viper"])
def test_thumb_sweeps_on_board(loops):
    """test_thumb's sweeps of the Thumb glue (conv chunking of channels, taps and kernel
    rows), every int8 pair through add_rescaled, and ADD and SUB over shapes and
    activations."""
    rng = np.random.default_rng(28)
    jobs = conv_sweep(np.random.default_rng(27)) + add_rescaled_jobs()
    jobs += arithmetic_jobs(rng, "ADD") + arithmetic_jobs(rng, "SUB")
    assert matches_on_board(loops, jobs) == len(jobs)


@pytest.mark.slow
@pytest.mark.parametrize("loops", ["thumb", "viper"])
def test_every_kernel_family_on_board(loops):
    """test_wasm_port's sweeps of every kernel family (exact, float32 too), with the loops
    ARM boards run: the families without an assembler path run viper under thumb."""
    jobs = [job for builder in every_kernel_builder() for job in builder()]
    assert matches_on_board(loops, jobs, rtol=0) == len(jobs)


def every_kernel_builder():
    """KERNEL_JOBS' builders, those it marks slow unwrapped; the quick share of a sweep that
    is there whole left out."""
    builders = [getattr(entry, "values", (entry,))[0] for entry in KERNEL_JOBS]
    return [b for b in builders if b is not input_pairs_int8_quick_jobs]


@pytest.mark.slow
@pytest.mark.parametrize("loops", ["thumb", "viper", "plain"])
def test_int16_sweeps_on_board(loops):
    """test_wasm_port's int16 sweeps (a strided share of the int16 values, rows the board's
    heap holds) with each loop backend."""
    jobs = [job for builder in INT16_JOBS for job in builder() if job_bytes(job) <= BOARD_JOB_BYTES]
    assert matches_on_board(loops, jobs, rtol=0) == len(jobs)


BOARD_JOB_BYTES = 80_000  # inputs and outputs of one job, well inside the board's heap


def job_bytes(job):
    """A job's input bytes, twice (its outputs are as large in these sweeps)."""
    return 2 * sum(x.nbytes for x in job[1])
