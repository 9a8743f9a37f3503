"""The int16 model suite (tests/int16_models.py, files in tests/models_int16/) through
`python -m host_tools infer`, against TFLM: on the unix port here, on the WebAssembly
port and the ARM board in `make test-slow`."""

import numpy as np
import pytest
from int16_models import MODELS, path
from oracle import run_tflm
from test_host_cli import host


def test_files_are_the_builders():
    for name, build in MODELS.items():
        assert path(name).read_bytes() == build(), "rebuild with `python tests/int16_models.py`"


def inputs(name):
    """Seeded inputs over a useful range of each model's input (int32: around the values
    its scale turns into int16)."""
    rng = np.random.default_rng(sum(map(ord, name)))
    makers = {
        "gated_int16": lambda: rng.normal(0, 3, (1, 64)).astype(np.float32),
        "pool_head_int16": lambda: rng.integers(-32768, 32768, (1, 8, 8, 4)).astype(np.int16),
        "mean_mix_int16": lambda: rng.integers(-128, 128, (1, 6, 6, 3)).astype(np.int8),
        "requantized_int16": lambda: rng.normal(0, 4e6, (4, 10)).astype(np.int32),
    }
    return [makers[name]()]


def infer_matches_tflm(tmp_path, name, *options):
    arrays = inputs(name)
    files = []
    for i, x in enumerate(arrays):
        files += ["--input", tmp_path / ("x%d.npy" % i)]
        np.save(files[-1], x)
    out = tmp_path / "y.npz"
    result = host("infer", path(name), *files, "--out", out, *options)
    assert result.returncode == 0, result.stderr
    got = np.load(out)
    for k, expected in enumerate(run_tflm(path(name).read_bytes(), arrays)):
        assert got["out%d" % k].dtype == expected.dtype
        np.testing.assert_array_equal(got["out%d" % k], expected, err_msg="%s output %d" % (name, k))


@pytest.mark.parametrize("name", MODELS)
def test_infer_matches_tflm(tmp_path, name):
    infer_matches_tflm(tmp_path, name)


@pytest.mark.slow
@pytest.mark.parametrize("on", ["wasm", "arm"])
@pytest.mark.parametrize("name", MODELS)
def test_infer_matches_tflm_on_32_bit_ports(tmp_path, name, on):
    infer_matches_tflm(tmp_path, name, "--on", on)
