"""AVERAGE_POOL_2D and MAX_POOL_2D on generated models: ulite on MicroPython vs TFLM
(int8 and int16: every case at zero points of the ends of the type, rounding ties)."""

import numpy as np
import pytest
from conftest import PLAIN_ON_WASM
from oracle import compare, run_ulite

from host_tools.model_builder import ModelBuilder, window_out

BACKENDS = ["viper", "plain"]
ACTIVATIONS = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"]


def out_dims(h, w, filt, stride, padding):
    return (
        window_out(h, filt[0], stride[0], 1, padding),
        window_out(w, filt[1], stride[1], 1, padding),
    )


def pool_model(op, in_shape, filt, stride, padding, activation, dtype="int8", zp=0, scale=0.05):
    batches, h, w, c = in_shape
    quant = dict(scale=scale, zero_point=zp) if dtype != "float32" else {}
    mb = ModelBuilder()
    x = mb.input(in_shape, dtype, **quant)
    y = mb.tensor((batches,) + out_dims(h, w, filt, stride, padding) + (c,), dtype, **quant)
    mb.op(
        op,
        [x],
        [y],
        "Pool2DOptions",
        padding=padding,
        stride_h=stride[0],
        stride_w=stride[1],
        filter_height=filt[0],
        filter_width=filt[1],
        fused_activation_function=activation,
    )
    mb.output(y)
    return mb.build()


CASES = [
    ((1, 5, 5, 3), (3, 3), (2, 2), "SAME"),
    ((1, 7, 6, 2), (2, 3), (1, 2), "VALID"),
    ((2, 4, 4, 5), (2, 2), (2, 2), "VALID"),
    ((1, 6, 7, 4), (3, 2), (3, 1), "SAME"),
    ((1, 3, 3, 16), (3, 3), (2, 2), "VALID"),
    ((1, 8, 5, 1), (4, 5), (3, 2), "SAME"),
    ((1, 25, 5, 8), (25, 5), (25, 5), "VALID"),
]


def pool_jobs(op, dtype="int8"):
    rng = np.random.default_rng(20)
    info = np.iinfo(dtype)
    jobs = []
    for i, (shape, filt, stride, padding) in enumerate(CASES):
        for zp in (info.min, info.max, int(rng.integers(-100, 100))):
            activation = ACTIVATIONS[(i + zp) % 4]
            model = pool_model(op, shape, filt, stride, padding, activation, dtype, zp, 0.05 if dtype == "int8" else 1e-3)
            x = rng.integers(info.min, info.max, shape, endpoint=True).astype(dtype)
            x.flat[:2] = [info.min, info.max]
            jobs.append((model, [x]))
    # sums that land exactly half-way between two averages, of both signs
    ties = np.array([1, 2, -1, -2, 3, -3, 5, -5], dtype).reshape(1, 2, 2, 2)
    jobs.append((pool_model(op, (1, 2, 2, 2), (2, 1), (2, 1), "VALID", "NONE", dtype), [ties]))
    jobs.append((pool_model(op, (1, 2, 2, 2), (2, 2), (1, 1), "SAME", "NONE", dtype), [ties]))
    return jobs


def average_pool_int8_jobs():
    return pool_jobs("AVERAGE_POOL_2D")


def max_pool_int8_jobs():
    return pool_jobs("MAX_POOL_2D")


@pytest.mark.parametrize("loops", PLAIN_ON_WASM)
@pytest.mark.parametrize("op", ["AVERAGE_POOL_2D", "MAX_POOL_2D"])
def test_pool_int8(op, loops):
    compare(pool_jobs(op), loops)


def average_pool_int16_jobs():
    return pool_jobs("AVERAGE_POOL_2D", "int16")


def max_pool_int16_jobs():
    return pool_jobs("MAX_POOL_2D", "int16")


@pytest.mark.parametrize("loops", BACKENDS)
@pytest.mark.parametrize("op", ["AVERAGE_POOL_2D", "MAX_POOL_2D"])
def test_pool_int16(op, loops):
    compare(pool_jobs(op, "int16"), loops)


def test_pool_float32():
    rng = np.random.default_rng(21)
    jobs = []
    for op in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
        for i, (shape, filt, stride, padding) in enumerate(CASES[:5]):
            model = pool_model(
                op, shape, filt, stride, padding, ACTIVATIONS[i % 4], dtype="float32"
            )
            jobs.append((model, [rng.normal(0, 2, shape).astype(np.float32)]))
    compare(jobs)


def test_mismatched_quantization_refused():
    mb = ModelBuilder()
    x = mb.input((1, 4, 4, 1), "int8", scale=0.05, zero_point=0)
    y = mb.tensor((1, 2, 2, 1), "int8", scale=0.05, zero_point=1)
    mb.op(
        "MAX_POOL_2D",
        [x],
        [y],
        "Pool2DOptions",
        padding="VALID",
        stride_h=2,
        stride_w=2,
        filter_height=2,
        filter_width=2,
    )
    mb.output(y)
    message = run_ulite([(mb.build(), [], [])], "viper")[0]
    assert isinstance(message, str) and "ModelError" in message and "zero point" in message
