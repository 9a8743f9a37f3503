"""Small multi-op int16 models (16x8 style graphs of ulite's int16 kernels), built with the
model builder and kept under tests/models_int16/ as any model from outside the corpus would
be: tests/test_int16_models.py runs them through `python -m host_tools infer` against TFLM.

`python tests/int16_models.py` writes them again; the test checks the files are these.
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from host_tools.model_builder import ModelBuilder  # noqa: E402

DIR = Path(__file__).parent / "models_int16"
Q15 = dict(scale=2.0**-15, zero_point=0)  # LOGISTIC, TANH and SOFTMAX outputs


def gated():
    """float32 -> int16; a gain, then an LSTM-style gate: LOGISTIC(x) * TANH(x), plus a
    bias; back to float32."""
    mb = ModelBuilder()
    x = mb.input((1, 64), "float32")
    q = mb.tensor((1, 64), "int16", scale=2.0**-12, zero_point=0)
    mb.op("QUANTIZE", [x], [q])
    gain = mb.const(np.linspace(-20000, 20000, 64).astype(np.int16).reshape(1, 64), "int16", scale=2.0**-14, zero_point=0)
    g = mb.tensor((1, 64), "int16", scale=2.0**-11, zero_point=0)
    mb.op("MUL", [q, gain], [g], "MulOptions")
    sig = mb.tensor((1, 64), "int16", **Q15)
    mb.op("LOGISTIC", [g], [sig])
    tanh = mb.tensor((1, 64), "int16", **Q15)
    mb.op("TANH", [g], [tanh])
    gated = mb.tensor((1, 64), "int16", **Q15)
    mb.op("MUL", [sig, tanh], [gated], "MulOptions")
    bias = mb.const(np.int16([[-300]]), "int16", scale=3e-4, zero_point=7)
    biased = mb.tensor((1, 64), "int16", scale=1e-4, zero_point=-5)
    mb.op("ADD", [gated, bias], [biased], "AddOptions", fused_activation_function="RELU_N1_TO_1")
    y = mb.output(mb.tensor((1, 64), "float32"))
    mb.op("DEQUANTIZE", [biased], [y])
    return mb.build()


def pool_head():
    """int16 image -> AVERAGE_POOL -> LEAKY_RELU -> MAX_POOL -> RESHAPE -> SUB -> RELU ->
    SOFTMAX (int16 -> int16)."""
    q = dict(scale=1e-3, zero_point=-120)
    mb = ModelBuilder()
    x = mb.input((1, 8, 8, 4), "int16", **q)
    pooled = mb.tensor((1, 4, 4, 4), "int16", **q)
    pool = dict(padding="VALID", stride_h=2, stride_w=2, filter_height=2, filter_width=2)
    mb.op("AVERAGE_POOL_2D", [x], [pooled], "Pool2DOptions", **pool)
    leaky = mb.tensor((1, 4, 4, 4), "int16", scale=8e-4, zero_point=30)
    mb.op("LEAKY_RELU", [pooled], [leaky], "LeakyReluOptions", alpha=0.1)
    peaks = mb.tensor((1, 2, 2, 4), "int16", scale=8e-4, zero_point=30)
    mb.op("MAX_POOL_2D", [leaky], [peaks], "Pool2DOptions", **dict(pool, padding="SAME"))
    flat = mb.tensor((1, 16), "int16", scale=8e-4, zero_point=30)
    mb.op("RESHAPE", [peaks, mb.const(np.int32([1, 16]), "int32")], [flat], "ReshapeOptions", new_shape=[1, 16])
    offsets = mb.const(np.arange(-8, 8).astype(np.int16).reshape(1, 16) * 900, "int16", scale=1e-3, zero_point=0)
    centred = mb.tensor((1, 16), "int16", scale=1.5e-3, zero_point=0)
    mb.op("SUB", [flat, offsets], [centred], "SubOptions")
    rectified = mb.tensor((1, 16), "int16", scale=1.5e-3, zero_point=0)
    mb.op("RELU", [centred], [rectified])
    y = mb.output(mb.tensor((1, 16), "int16", **Q15))
    mb.op("SOFTMAX", [rectified], [y], "SoftmaxOptions", beta=2.0)
    return mb.build()


def mean_mix():
    """int8 -> int16 -> PAD -> CONCATENATION (with an int16 constant) -> MEAN -> TANH ->
    int8."""
    mb = ModelBuilder()
    x = mb.input((1, 6, 6, 3), "int8", scale=0.05, zero_point=-10)
    wide = mb.tensor((1, 6, 6, 3), "int16", scale=2.0**-9, zero_point=0)
    mb.op("QUANTIZE", [x], [wide])
    padded = mb.tensor((1, 8, 8, 3), "int16", scale=2.0**-9, zero_point=0)
    pads = mb.const(np.int32([[0, 0], [1, 1], [1, 1], [0, 0]]), "int32")
    mb.op("PAD", [wide, pads], [padded])
    extra = mb.const(np.arange(-32, 32).astype(np.int16).reshape(1, 8, 8, 1) * 500, "int16", scale=2.0**-9, zero_point=0)
    joined = mb.tensor((1, 8, 8, 4), "int16", scale=2.0**-9, zero_point=0)
    mb.op("CONCATENATION", [padded, extra], [joined], "ConcatenationOptions", axis=3)
    means = mb.tensor((1, 4), "int16", scale=2.0**-11, zero_point=0)
    mb.op("MEAN", [joined, mb.const(np.int32([1, 2]), "int32")], [means], "ReducerOptions", keep_dims=False)
    tanh = mb.tensor((1, 4), "int16", **Q15)
    mb.op("TANH", [means], [tanh])
    y = mb.output(mb.tensor((1, 4), "int8", scale=1 / 128, zero_point=0))
    mb.op("QUANTIZE", [tanh], [y])
    return mb.build()


def requantized():
    """int32 -> int16 -> RELU6 -> MINIMUM and MAXIMUM with constants -> STRIDED_SLICE ->
    TRANSPOSE -> int32."""
    q = dict(scale=2e-3, zero_point=-7)
    mb = ModelBuilder()
    x = mb.input((4, 10), "int32", scale=1e-6, zero_point=0)
    narrow = mb.tensor((4, 10), "int16", **q)
    mb.op("QUANTIZE", [x], [narrow])
    capped = mb.tensor((4, 10), "int16", **q)
    mb.op("RELU6", [narrow], [capped])
    ceiling = mb.const(np.int16([[2000, 1000, 0, -7, 3000, 500, 100, 2500, 1500, 40]]), "int16", **q)
    low = mb.tensor((4, 10), "int16", **q)
    mb.op("MINIMUM", [capped, ceiling], [low], "MaximumMinimumOptions")
    floor = mb.const(np.int16([[50]]), "int16", **q)
    high = mb.tensor((4, 10), "int16", **q)
    mb.op("MAXIMUM", [low, floor], [high], "MaximumMinimumOptions")
    sliced = mb.tensor((3, 5), "int16", **q)
    ends = [mb.const(np.int32(v), "int32") for v in ([3, 9], [0, 0], [-1, -2])]
    mb.op("STRIDED_SLICE", [high] + ends, [sliced], "StridedSliceOptions", end_mask=0)
    turned = mb.tensor((5, 3), "int16", **q)
    mb.op("TRANSPOSE", [sliced, mb.const(np.int32([1, 0]), "int32")], [turned])
    y = mb.output(mb.tensor((5, 3), "int32", scale=1e-4, zero_point=0))
    mb.op("QUANTIZE", [turned], [y])
    return mb.build()


MODELS = {"gated_int16": gated, "pool_head_int16": pool_head, "mean_mix_int16": mean_mix, "requantized_int16": requantized}


def path(name):
    return DIR / ("%s.tflite" % name)


if __name__ == "__main__":
    DIR.mkdir(exist_ok=True)
    for name, build in MODELS.items():
        path(name).write_bytes(build())
        print(path(name))
