"""TRANSPOSE_CONV on generated models: float32 (exactly: TFLM's order of float32 sums),
int8 and 16x8 (int64, int16 or no bias), bit for bit with TFLM on both loop backends here
and on the WebAssembly port and the ARM board (one of each in the fast sets, the sweep in
test-slow). Strides 1 to 3 in either axis, SAME and VALID, output sizes TFLM takes from
the output tensor (larger and smaller than the input covers), activations, zero points;
decoder heads whose upsampled input is built a band of output rows at a time, and deep
inputs to few filters, which scatter into TFLM's scratch as TFLM does.
"""

import tempfile
from pathlib import Path

import numpy as np
import pytest
from oracle import compare, run_ulite
from test_conv import ACTIVATIONS
from tflite_micro.python.tflite_micro import runtime

from host_tools.benchmark import recorded_arena
from host_tools.model_builder import ModelBuilder
from host_tools.model_info import describe_all

BACKENDS = ["viper", "plain"]
KINDS = {  # kind: (input dtype, bias dtype, input scale, output values of about +-)
    "float32": ("float32", "float32", None, None),
    "int8": ("int8", "int32", 0.05, 40),
    "16x8": ("int16", "int64", 5e-4, 10000),
    "16x8 int16 bias": ("int16", "int16", 5e-4, 10000),
}


def natural_size(size, kernel, stride, padding):
    """The output size a converter writes for an input size."""
    return size * stride if padding == "SAME" else (size - 1) * stride + kernel


def transpose_conv_model(
    rng,
    kind,
    in_shape,
    filters,
    kernel,
    *,
    stride=(1, 1),
    padding="SAME",
    out_hw=None,
    bias=True,
    activation="NONE",
    per_channel=True,
    zero_points=(0, 0),
    bias_values=None,
):
    """A TRANSPOSE_CONV model (inputs: output shape, weights, input, bias) and an input;
    bias_values replace the random integer bias."""
    dtype, bias_dtype, in_scale, spread = KINDS[kind]
    batches, h, w, c = in_shape
    kh, kw = kernel
    if out_hw is None:
        out_hw = (natural_size(h, kh, stride[0], padding), natural_size(w, kw, stride[1], padding))
    out_shape = (batches, out_hw[0], out_hw[1], filters)
    mb = ModelBuilder()
    shape = mb.const(np.array(out_shape, np.int32), "int32")
    if dtype == "float32":
        x = mb.input(in_shape, dtype)
        weights = mb.const(rng.normal(0, 0.5, (filters, kh, kw, c)).astype(np.float32), dtype)
        b = mb.const(rng.normal(0, 0.5, filters).astype(np.float32), dtype) if bias else None
        y = mb.tensor(out_shape, dtype)
        x_values = rng.normal(0, 1, in_shape).astype(np.float32)
    else:
        info = np.iinfo(dtype)
        x = mb.input(in_shape, dtype, scale=in_scale, zero_point=zero_points[0])
        w_scales = rng.uniform(0.005, 0.02, filters) if per_channel else float(rng.uniform(0.005, 0.02))
        weights = mb.const(
            rng.integers(-128, 128, (filters, kh, kw, c), dtype=np.int8), "int8", scale=w_scales, zero_point=0
        )
        b_scales = in_scale * np.atleast_1d(w_scales) * np.ones(filters)
        top = 30000 if bias_dtype == "int16" else 1 << 20
        values = rng.integers(-top, top, filters) if bias_values is None else np.array(bias_values)
        b = mb.const(values, bias_dtype, scale=b_scales, zero_point=0) if bias else None
        taps = kh * kw * c / (stride[0] * stride[1])  # products per output, on average
        x_spread = 74 * (info.max + 1) / 128  # spread of uniform inputs times uniform weights
        out_scale = float(in_scale * np.mean(w_scales) * x_spread * np.sqrt(taps) / spread)
        y = mb.tensor(out_shape, dtype, scale=out_scale, zero_point=zero_points[1])
        x_values = rng.integers(info.min, info.max + 1, in_shape, dtype=dtype)
    mb.op(
        "TRANSPOSE_CONV",
        [shape, weights, x, b],
        [y],
        "TransposeConvOptions",
        padding=padding,
        stride_h=stride[0],
        stride_w=stride[1],
        fused_activation_function=activation,
    )
    mb.output(y)
    return mb.build(), [x_values]


# (input shape, filters, kernel, options): strides in each axis, both paddings, output
# sizes other than the natural one (larger: bias-only borders; smaller), batches, 1x1
CASES = [
    ((1, 3, 3, 2), 3, (3, 3), dict(stride=(2, 2))),
    ((1, 4, 3, 2), 2, (3, 2), dict(padding="VALID")),
    ((2, 2, 3, 3), 4, (2, 2), dict(stride=(2, 3), padding="VALID")),
    ((1, 3, 4, 1), 2, (4, 4), dict(stride=(3, 2), out_hw=(8, 7))),
    ((1, 5, 5, 3), 2, (3, 3), dict(stride=(2, 2), out_hw=(9, 10))),
    ((1, 2, 2, 4), 5, (5, 5), dict(stride=(3, 3), padding="VALID", out_hw=(9, 8))),
    ((1, 4, 4, 8), 8, (1, 1), dict(stride=(2, 2))),
    ((1, 6, 1, 3), 3, (4, 1), dict(stride=(2, 1), padding="VALID", out_hw=(16, 1))),
]
ZERO_POINTS = [(0, 0), (-128, 127), (5, -9)]


def transpose_conv_jobs(kinds=tuple(KINDS), cases=CASES):
    rng = np.random.default_rng(50)
    jobs = []
    for kind in kinds:
        for i, (shape, filters, kernel, options) in enumerate(cases):
            zero_points = ZERO_POINTS[i % 3] if kind == "int8" else ((0, 0), (0, 0), (11, -3))[i % 3]
            jobs.append(
                transpose_conv_model(
                    rng,
                    kind,
                    shape,
                    filters,
                    kernel,
                    bias=i % 4 != 1,
                    activation=ACTIVATIONS[i % 4],
                    per_channel=i % 3 != 2,
                    zero_points=zero_points,
                    **options,
                )
            )
    return jobs


def quick_transpose_conv_jobs():
    """One case of each kind, for the ports' fast sets."""
    return transpose_conv_jobs(cases=CASES[4:5])


def head_jobs():
    """Decoder heads: deep inputs to few filters, whose upsampled input would be the
    arena's largest buffer, so that it is built a band of output rows at a time (one
    kind per job; two images in the float32 one)."""
    rng = np.random.default_rng(52)
    heads = {"float32": ((2, 5, 7, 24), 2), "int8": ((1, 10, 10, 32), 4), "16x8": ((1, 7, 5, 40), 8)}
    return [transpose_conv_model(rng, kind, shape, n, (3, 3), stride=(2, 2)) for kind, (shape, n) in heads.items()]


def scatter_jobs():
    """Deep inputs to few filters, whose convolution over the upsampled input takes more
    scratch, even a row at a time, than TFLM's sums of the output: ulite scatters into
    those sums as TFLM does (float32 always scatters, straight into the output)."""
    rng = np.random.default_rng(53)
    return [
        transpose_conv_model(rng, "int8", (1, 2, 2, 1323), 4, (2, 2), stride=(2, 2), zero_points=(5, -9)),
        transpose_conv_model(rng, "int8", (2, 3, 4, 300), 3, (3, 3), stride=(2, 2), activation="RELU", zero_points=(-128, 3)),
        transpose_conv_model(rng, "16x8", (1, 3, 3, 600), 2, (3, 3), stride=(2, 1), out_hw=(7, 2)),
        transpose_conv_model(rng, "16x8 int16 bias", (1, 3, 3, 100), 2, (3, 3), stride=(2, 2), padding="VALID"),
        transpose_conv_model(rng, "float32", (1, 3, 3, 40), 3, (3, 3), stride=(2, 2), activation="RELU6"),
    ]


def arenas_within_tflm(jobs):
    """Each job's arena, described on the unix port, within TFLM's whole arena."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, (model, _) in enumerate(jobs):
            paths.append(Path(tmp) / ("job%d.tflite" % i))
            paths[-1].write_bytes(model)
        arenas = [info["arena_bytes"] for info in describe_all(paths)]
    for (model, _), arena in zip(jobs, arenas):
        tflm = recorded_arena(runtime.Interpreter.from_bytes(model, arena_size=1 << 20))["total"]
        assert arena <= tflm, "ulite %d bytes, TFLM %d" % (arena, tflm)


@pytest.mark.parametrize("jobs", [head_jobs, scatter_jobs], ids=["heads in bands", "scattered"])
def test_within_tflm_arena(jobs):
    """The heads' and the scattered ops' arenas are within TFLM's whole arena (its int32 or
    int64 sums of the whole output in scratch; none for float32), and all run as TFLM
    runs them on every backend and the ARM board."""
    jobs = jobs()
    arenas_within_tflm(jobs)
    for loops in BACKENDS + ["thumb"]:
        assert compare(jobs, loops, rtol=0) == len(jobs)
    assert compare(jobs, "thumb", rtol=0, on="arm") == len(jobs)


@pytest.mark.parametrize("loops", BACKENDS)
def test_transpose_conv_sweep(loops):
    jobs = transpose_conv_jobs()
    assert compare(jobs, loops, rtol=0) == len(jobs)


def test_transpose_conv_16x8_extremes():
    """The largest products (-128 x -32768) summed over 9 x 64 channels, with int64 biases
    at their limits: TFLM's int64 arithmetic wraps, and so must ulite's."""
    rng = np.random.default_rng(51)
    jobs = []
    for bias in ((1 << 63) - 1, -(1 << 63), 0):
        model, (x,) = transpose_conv_model(
            rng, "16x8", (1, 3, 3, 64), 2, (3, 3), stride=(2, 2), bias_values=[bias, -bias // 2]
        )
        jobs += [(model, [np.full_like(x, -32768)]), (model, [np.full_like(x, 32767)])]
    for loops in BACKENDS:
        assert compare(jobs, loops, rtol=0) == len(jobs)


def test_transpose_conv_on_board():
    jobs = quick_transpose_conv_jobs()
    assert compare(jobs, on="arm", rtol=0) == len(jobs)


@pytest.mark.slow
@pytest.mark.parametrize("port", ["wasm", "arm"])
def test_transpose_conv_sweep_on_32_bit_ports(port):
    jobs = transpose_conv_jobs()
    assert compare(jobs, on=port, rtol=0) == len(jobs)


def test_transpose_conv_refusals():
    """An int32 bias with int16 input (TFLM reads it as int64) and float32 input with int8
    weights (hybrid) are refused, naming the variant."""
    mb = ModelBuilder()
    shape = mb.const(np.array([1, 2, 2, 1], np.int32), "int32")
    w = mb.const(np.ones((1, 2, 2, 1), np.int8), "int8", scale=0.01, zero_point=0)
    x = mb.input((1, 2, 2, 1), "int16", scale=0.01, zero_point=0)
    b = mb.const(np.zeros(1, np.int32), "int32", scale=1e-4, zero_point=0)
    y = mb.output(mb.tensor((1, 2, 2, 1), "int16", scale=0.01, zero_point=0))
    mb.op("TRANSPOSE_CONV", [shape, w, x, b], [y], "TransposeConvOptions", padding="SAME", stride_h=1, stride_w=1)
    for model, words in (
        (mb.build(), ("TRANSPOSE_CONV", "int32,int8,int16,int32->int16")),
        (_hybrid_model(), ("TRANSPOSE_CONV", "hybrid")),
    ):
        got = run_ulite([(model, [], [])], "viper")[0]
        assert isinstance(got, str) and all(w in got for w in words), got


def _hybrid_model():
    mb = ModelBuilder()
    shape = mb.const(np.array([1, 2, 2, 1], np.int32), "int32")
    w = mb.const(np.ones((1, 2, 2, 1), np.int8), "int8", scale=0.01, zero_point=0)
    x = mb.input((1, 2, 2, 1), "float32")
    y = mb.output(mb.tensor((1, 2, 2, 1), "float32"))
    mb.op("TRANSPOSE_CONV", [shape, w, x], [y], "TransposeConvOptions", padding="SAME", stride_h=1, stride_w=1)
    return mb.build()
