"""Models ulite cannot run are refused at construction, every unsupported op named at once."""

from conftest import model_path


def construct(micropython, name):
    return micropython(
        """
import ulite
try:
    ulite.Interpreter(open(%r, "rb").read())
    print("CONSTRUCTED")
except ulite.UnsupportedOpError as e:
    print("REFUSED", e)
"""
        % str(model_path(name))
    )


def test_hybrid_model_refused(micropython):
    out = construct(micropython, "kws_ref_model_float32")
    assert out.startswith("REFUSED unsupported ops:")
    assert "hybrid" in out


def test_custom_ops_all_named(micropython):
    out = construct(micropython, "audio_preprocessor_int8")
    assert out.startswith("REFUSED unsupported ops:")
    for name in ("CUSTOM:SignalWindow", "CUSTOM:SignalRfft", "CUSTOM:SignalFilterBankLog", "CUSTOM:SignalPCAN"):
        assert name in out
