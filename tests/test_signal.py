"""TFLM's Signal ops (the audio front end's custom ops) against TFLM: single ops with random
settings, the noise estimate's state across invokes and reset(), and the front end model
audio_preprocessor_int8 against TFLM's goldens on every port."""

import numpy as np
import pytest
from conftest import golden_cases, model_path
from oracle import compare, run_tflm_steps, run_ulite_steps
from signal_models import FFT_LENGTHS, rfft_job, signal_jobs, spectral_subtraction_steps

from host_tools.inference import infer_cases


def quick_jobs():
    """Every op with random settings, and the real FFT at every length in FFT_LENGTHS."""
    rng = np.random.default_rng(14)
    return signal_jobs(rng, 6) + [rfft_job(rng, n) for n in FFT_LENGTHS]


@pytest.mark.parametrize("loops", ["viper", "plain"])
def test_signal_ops_bit_exact(loops):
    jobs = quick_jobs()
    assert compare(jobs, loops, rtol=0) == len(jobs)


@pytest.mark.slow
@pytest.mark.parametrize("on, loops", [("unix", "viper"), ("unix", "plain"), ("wasm", None), ("arm", "thumb"), ("arm", "viper")])
def test_signal_ops_sweep(on, loops):
    jobs = signal_jobs(np.random.default_rng(16), 40)
    assert compare(jobs, loops, rtol=0, on=on) == len(jobs)


def test_noise_estimate_carries_across_invokes_and_reset_clears_it():
    """Steps on one interpreter, reset() before step 3: TFLM's and ulite's outputs agree
    at every step (and step 3 is not step 2's continuation: the state matters)."""
    rng = np.random.default_rng(15)
    jobs = [spectral_subtraction_steps(rng) + ((3,),) for _ in range(6)]
    expected = [run_tflm_steps(model, steps, reset) for model, steps, reset in jobs]
    got = run_ulite_steps([(m, s, e[0], r) for (m, s, r), e in zip(jobs, expected)])
    for e, g in zip(expected, got):
        assert not isinstance(g, str), g
        for step_e, step_g in zip(e, g):
            for a, b in zip(step_e, step_g):
                np.testing.assert_array_equal(b, a)
    carried = [run_tflm_steps(m, s) for m, s, _ in jobs]
    assert any(not np.array_equal(c[3][1], e[3][1]) for c, e in zip(carried, expected))


@pytest.mark.parametrize("on, loops", [("unix", "viper"), ("unix", "plain"), ("wasm", None), ("arm", "thumb")])
def test_audio_preprocessor_bit_exact_with_goldens(on, loops):
    cases = golden_cases("audio_preprocessor_int8")
    outputs, _ = infer_cases(model_path("audio_preprocessor_int8"), [i for i, _ in cases], 512 << 10, loops, on)
    for (_, expected), got in zip(cases, outputs):
        assert got[0].dtype == expected[0].dtype and got[0].shape == expected[0].shape
        np.testing.assert_array_equal(got[0], expected[0])
