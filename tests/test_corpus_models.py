"""Convolutional corpus models on MicroPython against TFLM: recorded outputs and real images."""

import numpy as np
import pytest
from conftest import golden_cases, model_path
from oracle import run_tflm

from host_tools.images import person_detect_input, person_input, read_gray_bmp
from host_tools.inference import infer_cases
from host_tools.paths import CORPUS

CONV_MODELS = [
    "person_detect",
    "vww_96_int8",
    "kws_ref_model",
    "ic_resnet8_int8",
    "micro_speech_quantized",
]
PERSON, NO_PERSON = 1, 0  # person_detect's output classes (TFLM model_settings.h)


def run(name, cases, loops):
    # 2 MB: constructing person_detect leaves the unix port's heap too fragmented for its
    # 86 KB arena below about 900 KB (the interpreter allocates the arena last)
    outputs, _ = infer_cases(model_path(name), cases, 2 << 20, loops)
    return outputs


@pytest.mark.parametrize("name", CONV_MODELS)
def test_every_golden_case_bit_exact(name):
    cases = golden_cases(name)
    for (_, expected), got in zip(cases, run(name, [ins for ins, _ in cases], "viper")):
        for e, g in zip(expected, got):
            assert g.dtype == e.dtype and g.shape == e.shape
            np.testing.assert_array_equal(g, e)


# the plain loops' slowest models (vww_96_int8 and ic_resnet8_int8 repeat person_detect's
# and kws_ref_model's kernels) run in make test-slow
PLAIN_MODELS = [
    pytest.param(name, marks=pytest.mark.slow) if name in ("vww_96_int8", "ic_resnet8_int8") else name
    for name in CONV_MODELS
]


@pytest.mark.parametrize("name", PLAIN_MODELS)
def test_plain_backend_bit_exact(name):
    inputs, expected = golden_cases(name)[0]
    np.testing.assert_array_equal(run(name, [inputs], "plain")[0][0], expected[0])


def test_person_detect_on_real_images():
    """person.bmp and no_person.bmp read by host_tools.images, as int8 = gray level - 128.

    They are golden cases 3 and 4. Read that way no_person.bmp is clearly no person, but
    person.bmp also leans to "no person": the files hold the bytes TFLM's example feeds as
    int8 (person_detect_input), and only read that way is the person seen. Both ways must
    give TFLM's outputs bit for bit.
    """
    cases = golden_cases("person_detect")
    names = ("person.bmp", "no_person.bmp")
    images = [person_input(CORPUS / "data" / name) for name in names]
    examples = [person_detect_input(CORPUS / "data" / name) for name in names]
    got = run("person_detect", [[x] for x in images + examples], "viper")
    for image, case, out in zip(images, (3, 4), got):
        np.testing.assert_array_equal(image, cases[case][0][0])
        np.testing.assert_array_equal(out[0], cases[case][1][0])
    assert got[1][0][0][NO_PERSON] > got[1][0][0][PERSON]
    model = model_path("person_detect").read_bytes()
    person, no_person = got[2][0][0], got[3][0][0]
    for example, out in zip(examples, (person, no_person)):
        np.testing.assert_array_equal(out, run_tflm(model, [example])[0][0])
    assert person[PERSON] > person[NO_PERSON]
    assert no_person[NO_PERSON] > no_person[PERSON]


def test_bmp_reader_rows_and_validation(tmp_path):
    def bmp(width, height, rows, bits=8):
        stride = (width + 3) & ~3
        pixels = b"".join(bytes(r) + bytes(stride - width) for r in rows)
        palette = b"".join(bytes((i, i, i, 0)) for i in range(256))
        offset = 14 + 40 + len(palette)
        header = (
            b"BM"
            + (offset + len(pixels)).to_bytes(4, "little")
            + bytes(4)
            + offset.to_bytes(4, "little")
        )
        info = (40).to_bytes(4, "little") + width.to_bytes(4, "little", signed=True)
        info += (
            height.to_bytes(4, "little", signed=True)
            + (1).to_bytes(2, "little")
            + bits.to_bytes(2, "little")
        )
        info += bytes(24)
        return header + info + palette + pixels

    path = tmp_path / "a.bmp"
    path.write_bytes(bmp(3, 2, [[1, 2, 3], [4, 5, 6]]))  # bottom-up: the last row is the top
    np.testing.assert_array_equal(read_gray_bmp(path), [[4, 5, 6], [1, 2, 3]])
    path.write_bytes(bmp(3, -2, [[1, 2, 3], [4, 5, 6]]))  # negative height: top-down
    np.testing.assert_array_equal(read_gray_bmp(path), [[1, 2, 3], [4, 5, 6]])
    assert person_input(path)[0, 0, 0, 0] == 1 - 128
    from host_tools.errors import UserError

    for broken in (
        bmp(3, 2, [[1, 2, 3], [4, 5, 6]], bits=24),
        bmp(3, 2, [[1, 2, 3]]),
        b"BM" + bytes(60),
    ):
        path.write_bytes(broken)
        with pytest.raises(UserError):
            read_gray_bmp(path)


ALLOCATION_SCRIPT = """
import gc, sys
import ulite
f = open(sys.argv[1], "rb")
interp = ulite.Interpreter(f.read(), loops="viper")
f.close()
interp.invoke()
gc.collect()
gc.disable()
steps = list(zip(interp.op_names, zip(interp._fns, interp._args)))
report = []
for name, step in steps + steps:  # the first pass warms up the harness itself
    if name in ("CONV_2D", "DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D", "MAX_POOL_2D"):
        before = gc.mem_alloc()
        step[0](step[1])
        report.append(gc.mem_alloc() - before)
print(" ".join(str(n) for n in report[len(report) // 2 :]))
"""


@pytest.mark.parametrize("name", CONV_MODELS)
def test_conv_and_pool_invoke_allocates_nothing(micropython, name):
    allocated = micropython(ALLOCATION_SCRIPT, heap="4M", args=[model_path(name)]).split()
    assert allocated and set(allocated) == {"0"}, allocated


def test_hybrid_corpus_model_refused(micropython):
    """kws_ref_model_float32 runs float32 activations through int8 conv weights."""
    script = """
import sys, ulite
try:
    ulite.Interpreter(open(sys.argv[1], "rb").read())
    print("accepted")
except ulite.UnsupportedOpError as e:
    print(e)
"""
    message = micropython(script, heap="4M", args=[model_path("kws_ref_model_float32")])
    assert "CONV_2D (hybrid" in message, message


def test_construction_on_a_boards_heap():
    """With less than 512 KB of heap free (a Pico has 200 KB), a raw construction lets each
    op's tensors go once checked and makes the activations' views before deriving, as on a
    board; the other tests' heaps take the path that keeps the tensors. Same outputs."""
    cases = golden_cases("kws_ref_model")[:2]
    got, _ = infer_cases(model_path("kws_ref_model"), [ins for ins, _ in cases], 400 << 10, "viper")
    for (_, expected), outputs in zip(cases, got):
        np.testing.assert_array_equal(outputs[0], expected[0])
