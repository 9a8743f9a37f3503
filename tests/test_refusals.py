"""Models ulite cannot run are refused at construction, every unsupported op named at once."""

import numpy as np
import pytest
from conftest import model_path
from oracle import run_ulite

from host_tools.model_builder import ModelBuilder


def construct(micropython, name, path=None):
    return micropython(
        """
import ulite
try:
    ulite.Interpreter(open(%r, "rb").read())
    print("CONSTRUCTED")
except ulite.UnsupportedOpError as e:
    print("REFUSED", e)
"""
        % str(path or model_path(name))
    )


def test_hybrid_model_refused(micropython):
    out = construct(micropython, "kws_ref_model_float32")
    assert out.startswith("REFUSED unsupported ops:")
    assert "hybrid" in out


def test_custom_ops_all_named(micropython, tmp_path):
    """Custom ops ulite has no kernel for (two of TFLM's Signal ops it does not run), each
    named."""
    mb = ModelBuilder()
    x = mb.input((2, 24), "int16")
    for name in ("SignalOverlapAdd", "SignalStacker"):
        y = mb.tensor((2, 24), "int16")
        mb.op("CUSTOM", [x], [y], custom=name)
        x = y
    mb.output(x)
    path = tmp_path / "custom.tflite"
    path.write_bytes(mb.build())
    out = construct(micropython, None, path)
    assert out.startswith("REFUSED unsupported ops:")
    assert "CUSTOM:SignalOverlapAdd" in out and "CUSTOM:SignalStacker" in out


def quantize_model(src, dst, ratio_log2, zero_point):
    mb = ModelBuilder()
    x = mb.input((1, 4), src, scale=1.0, zero_point=-128 if src == "int8" else 0)
    y = mb.tensor((1, 4), dst, scale=2.0**-ratio_log2, zero_point=zero_point)
    mb.op("QUANTIZE", [x], [y])
    mb.output(y)
    return mb.build(), [np.zeros((1, 4), src)], [np.zeros((1, 4), dst)]


@pytest.mark.parametrize("loops", ["viper", "plain"])
def test_quantize_refuses_int32_overflow(loops):
    """Past the largest shifts test_viper_int32.py runs, (x - zp) << shift + output zero
    point leaves int32 (TFLM wraps there): refused, named with the shift."""
    refused = [
        (quantize_model("int8", "int32", 23, 0), 24),
        (quantize_model("int16", "int16", 16, 0), 17),
        (quantize_model("int8", "int32", 22, 1 << 23), 23),
    ]
    accepted = [
        quantize_model("int8", "int32", 22, (1 << 23) - 1),
        quantize_model("int16", "int16", 15, 0),
    ]
    results = run_ulite([job for job, _ in refused] + accepted, loops)
    for result, (_, shift) in zip(results, refused):
        assert isinstance(result, str) and "left shift of %d" % shift in result, result
    for result in results[len(refused) :]:
        assert not isinstance(result, str), result
