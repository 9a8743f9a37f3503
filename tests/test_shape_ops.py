"""Data-movement and reduction kernels on generated models: ulite on MicroPython vs TFLM.

PAD, PADV2, CONCATENATION, MEAN, STRIDED_SLICE, SQUEEZE and TRANSPOSE; int8 and int16 bit
for bit, float32 within 1e-5; both loop backends.
"""

import numpy as np
import pytest
from conftest import PLAIN_ON_WASM
from oracle import compare, run_tflm, run_ulite

from host_tools.model_builder import ModelBuilder

BACKENDS = ["viper", "plain"]
INFO = {"int8": np.iinfo(np.int8), "int16": np.iinfo(np.int16), "int32": np.iinfo(np.int32)}


def values(rng, shape, dtype):
    if dtype == "float32":
        return rng.normal(0, 3, shape).astype(np.float32)
    info = INFO[dtype]
    return rng.integers(info.min, info.max, size=shape, endpoint=True).astype(dtype)


def quant(rng, dtype, zero_point=None):
    """Quantization keywords for a tensor of `dtype` (none for float32 and int32)."""
    if dtype in ("float32", "int32"):
        return {}
    if zero_point is None:
        zero_point = int(rng.integers(-128, 128)) if dtype == "int8" else 0
    return dict(scale=float(rng.uniform(0.01, 0.5)), zero_point=zero_point)


# --- PAD / PADV2 -------------------------------------------------------------------------


def pad_model(rng, shape, pads, dtype, zero_point=None, constant=None, const_input=False):
    mb = ModelBuilder()
    q = quant(rng, dtype, zero_point)
    x = mb.input(shape, dtype, **q)
    p = mb.const(np.array(pads, np.int32), "int32")
    out_shape = [d + a + b for d, (a, b) in zip(shape, pads)]
    y = mb.tensor(out_shape, dtype, **q)
    inputs = [values(rng, shape, dtype)]
    if constant is None:
        mb.op("PAD", [x, p], [y])
    else:
        if const_input:
            c = mb.input((1,), dtype, **q)
            inputs.append(np.array([constant], dtype))
        else:
            c = mb.const(np.array([constant]), dtype, **q)
        mb.op("PADV2", [x, p, c], [y])
    mb.output(y)
    return mb.build(), inputs


def pad_jobs():
    rng = np.random.default_rng(10)
    cases = [
        ((1, 5, 7, 3), [(0, 0), (1, 1), (2, 1), (0, 0)]),  # image style, odd sizes
        ((1, 4, 4, 8), [(0, 0), (0, 1), (0, 1), (0, 0)]),  # SAME-padding for a stride-2 conv
        ((2, 3, 5), [(1, 0), (0, 2), (3, 1)]),
        ((7,), [(2, 5)]),
        ((2, 1, 3, 2, 3), [(0, 1), (1, 1), (0, 0), (2, 0), (1, 2)]),
        ((1, 3, 3, 5), [(0, 0), (0, 0), (0, 0), (0, 0)]),  # no padding at all
        ((3, 1, 2), [(0, 0), (4, 3), (0, 0)]),
    ]
    jobs = []
    for shape, pads in cases:
        for zero_point in (-128, 127, None):
            jobs.append(pad_model(rng, shape, pads, "int8", zero_point))
        jobs.append(pad_model(rng, shape, pads, "int8", constant=int(rng.integers(-128, 128))))
        for dtype in ("float32", "int16", "int32"):
            jobs.append(pad_model(rng, shape, pads, dtype))
        jobs.append(pad_model(rng, shape, pads, "float32", constant=-2.5))
    for dtype, constant in (("int8", -7), ("float32", 1.25), ("int16", -300), ("int32", 1 << 20)):
        jobs.append(pad_model(rng, (2, 3, 3), [(0, 0), (1, 2), (2, 1)], dtype, constant=constant, const_input=True))
    jobs.append(pad_model(rng, (2, 3), [(1, 1), (1, 1)], "int16", zero_point=7))  # pads 0, not the zp
    for _ in range(8):
        shape = [int(v) for v in rng.integers(1, 6, int(rng.integers(1, 6)))]
        pads = [[int(v) for v in rng.integers(0, 4, 2)] for _ in shape]
        jobs.append(pad_model(rng, shape, pads, "int8"))
    return jobs


@pytest.mark.parametrize("loops", PLAIN_ON_WASM)
def test_pad(loops):
    compare(pad_jobs(), loops)


# --- CONCATENATION -----------------------------------------------------------------------


def concat_model(rng, shapes, axis, dtype, zero_point=None, const_index=None):
    mb = ModelBuilder()
    q = quant(rng, dtype, zero_point)
    ins, inputs = [], []
    for i, shape in enumerate(shapes):
        data = values(rng, shape, dtype)
        if i == const_index:
            ins.append(mb.const(data, dtype, **q))
        else:
            ins.append(mb.input(shape, dtype, **q))
            inputs.append(data)
    out_shape = np.concatenate([np.zeros(s) for s in shapes], axis=axis).shape
    y = mb.tensor(out_shape, dtype, **q)
    mb.op("CONCATENATION", ins, [y], "ConcatenationOptions", axis=axis)
    mb.output(y)
    return mb.build(), inputs


def concatenation_jobs():
    rng = np.random.default_rng(11)
    cases = [
        ([(1, 4, 4, 3), (1, 4, 4, 5)], 3),  # channels, odd counts: unaligned runs
        ([(1, 4, 4, 8), (1, 4, 4, 16), (1, 4, 4, 4)], -1),
        ([(1, 3, 5, 2), (1, 2, 5, 2)], 1),
        ([(2, 3), (2, 3), (2, 3), (1, 3)], 0),
        ([(2, 3), (2, 7)], -1),
        ([(1, 2, 3, 4, 5), (1, 2, 3, 1, 5)], -2),
        ([(1, 2, 1, 2, 3, 1), (1, 2, 1, 2, 3, 1)], 1),
        ([(5,)], 0),
        ([(1, 1, 1, k) for k in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)], 3),  # ten inputs
    ]
    jobs = []
    for shapes, axis in cases:
        for zero_point in (-128, 127, None):
            jobs.append(concat_model(rng, shapes, axis, "int8", zero_point))
        for dtype in ("float32", "int16", "int32"):
            jobs.append(concat_model(rng, shapes, axis, dtype))
    jobs.append(concat_model(rng, [(1, 3, 3, 4), (1, 3, 3, 2)], 3, "int8", const_index=1))
    # int16 inputs of other scales than the output's: TFLM copies them as they are
    mb = ModelBuilder()
    parts = [mb.input((2, k), "int16", scale=0.01 * k, zero_point=0) for k in (1, 2, 3)]
    y = mb.output(mb.tensor((2, 6), "int16", scale=0.5, zero_point=0))
    mb.op("CONCATENATION", parts, [y], "ConcatenationOptions", axis=1)
    jobs.append((mb.build(), [values(rng, (2, k), "int16") for k in (1, 2, 3)]))
    for _ in range(6):
        rank = int(rng.integers(1, 5))
        base = [int(v) for v in rng.integers(1, 5, rank)]
        axis = int(rng.integers(-rank, rank))
        shapes = []
        for _ in range(int(rng.integers(2, 5))):
            s = list(base)
            s[axis] = int(rng.integers(1, 6))
            shapes.append(tuple(s))
        jobs.append(concat_model(rng, shapes, axis, "int8"))
    return jobs


@pytest.mark.parametrize("loops", PLAIN_ON_WASM)
def test_concatenation(loops):
    compare(concatenation_jobs(), loops)


# --- MEAN --------------------------------------------------------------------------------


def mean_model(rng, shape, axes, keep_dims, dtype, in_q=None, out_q=None):
    mb = ModelBuilder()
    x = mb.input(shape, dtype, **(in_q if in_q is not None else quant(rng, dtype)))
    a = mb.const(np.array(axes, np.int32), "int32")
    reduced = {a % len(shape) for a in axes}
    out_shape = np.mean(np.zeros(shape), axis=tuple(reduced), keepdims=keep_dims).shape
    y = mb.tensor(out_shape, dtype, **(out_q if out_q is not None else quant(rng, dtype)))
    mb.op("MEAN", [x, a], [y], "ReducerOptions", keep_dims=keep_dims)
    mb.output(y)
    return mb.build(), [values(rng, shape, dtype)]


MEAN_CASES = [
    ((1, 7, 7, 16), [1, 2]),  # global average pool
    ((1, 5, 3, 9), [2, 1]),
    ((2, 6, 4, 3), [1, 2]),
    ((1, 4, 6, 5), [-1]),
    ((3, 10), [0]),
    ((3, 10), [1]),
    ((3, 10), [0, 1]),  # all axes
    ((13,), [0]),
    ((2, 3, 4, 5), [0, 2]),
    ((2, 3, 4, 5), [1, 3]),
    ((2, 3, 4, 5), [3, -1, 3]),  # duplicates
    ((1, 2, 3, 2, 5), [1, 3]),
    ((4, 1, 6), [1]),  # reducing a size-1 dim
    ((1, 24, 24, 2), [1, 2]),
    # more than two distinct axes: TFLM's resolved_axis array holds two, so TFLM runs these
    # past its end; its results still match
    ((2, 3, 4, 5), [0, 1, 2]),
    ((2, 3, 4, 5), [3, 1, 0, 2]),  # all axes
    ((2, 3, 2, 3, 2, 3), [1, 3, 5]),  # six dims: three kept and three reduced groups
]


def mean_int8_jobs(dtype="int8"):
    rng = np.random.default_rng(12)
    info = INFO[dtype]
    jobs = []
    for shape, axes in MEAN_CASES:
        for keep_dims in (False, True):
            jobs.append(mean_model(rng, shape, axes, keep_dims, dtype))
    for zp_in, zp_out in ((info.min, info.max), (info.max, info.min), (info.min, info.min)):
        for shape, axes in (((1, 5, 5, 4), [1, 2]), ((2, 9), [1])):
            jobs.append(mean_model(rng, shape, axes, True, dtype, dict(scale=0.05, zero_point=zp_in), dict(scale=0.07, zero_point=zp_out)))
    # same scale and zero point (TFLM still requantizes), ratios far above and below one
    # (1e-6, 100): shift -26, so k = min(log2 n, 31 + shift) is capped at 5 for n = 81
    for in_scale, out_scale in ((0.1, 0.1), (0.5, 0.002), (0.002, 0.5), (1.0, 1 / 3), (1e-6, 100.0)):
        if dtype == "int16" and in_scale / out_scale > 100:
            out_scale = in_scale / 3  # the int16 sum's shift would leave int32
        for shape, axes in (((1, 3, 3, 4), [1, 2]), ((1, 9, 9, 2), [1, 2]), ((1, 1, 1, 2), [3])):
            jobs.append(mean_model(rng, shape, axes, False, dtype, dict(scale=in_scale, zero_point=3), dict(scale=out_scale, zero_point=-3)))
    return jobs


def mean_int16_jobs():
    """mean_int8_jobs on int16, and the most elements ulite averages (2**15 - 1, their sum
    of int16 values just inside int32) at the ends of the range."""
    rng = np.random.default_rng(14)
    jobs = mean_int8_jobs("int16")
    q = dict(scale=1e-3, zero_point=-32768)
    for value in (-32768, 32767):
        model, _ = mean_model(rng, (1, 32767), [1], False, "int16", q, dict(scale=2e-3, zero_point=5))
        jobs.append((model, [np.full((1, 32767), value, np.int16)]))
    return jobs


@pytest.mark.parametrize("loops", PLAIN_ON_WASM)
def test_mean_int8(loops):
    compare(mean_int8_jobs(), loops)


@pytest.mark.parametrize("loops", BACKENDS)
def test_mean_int16(loops):
    compare(mean_int16_jobs(), loops)


def test_mean_float():
    rng = np.random.default_rng(13)
    jobs = []
    for shape, axes in MEAN_CASES:
        for keep_dims in (False, True):
            jobs.append(mean_model(rng, shape, axes, keep_dims, "float32"))
    compare(jobs)


# --- STRIDED_SLICE -----------------------------------------------------------------------


def slice_model(rng, shape, begin, end, strides, dtype, **masks):
    mb = ModelBuilder()
    q = quant(rng, dtype)
    x = mb.input(shape, dtype, **q)
    tensors = [mb.const(np.array(v, np.int32), "int32") for v in (begin, end, strides)]
    out_shape = _slice_shape(shape, begin, end, strides, **masks)
    y = mb.tensor(out_shape, dtype, **q)
    mb.op("STRIDED_SLICE", [x] + tensors, [y], "StridedSliceOptions", **masks)
    mb.output(y)
    return mb.build(), [values(rng, shape, dtype)]


def _slice_shape(shape, begin, end, strides, begin_mask=0, end_mask=0, shrink_axis_mask=0, **ignored):
    """numpy's view of the slice (shrunk axes indexed, the rest sliced); TFLM ignores the
    ellipsis and new-axis masks and the offset flag."""
    index = []
    for d in range(len(shape)):
        if shrink_axis_mask & (1 << d):
            index.append(begin[d])
        else:
            index.append(
                slice(None if begin_mask & (1 << d) else begin[d], None if end_mask & (1 << d) else end[d], strides[d])
            )
    return np.zeros(shape)[tuple(index)].shape


SLICE_CASES = [
    ((1, 8, 8, 3), [0, 1, 2, 0], [1, 7, 8, 3], [1, 1, 1, 1], {}),
    ((1, 8, 8, 3), [0, 0, 0, 0], [1, 8, 8, 3], [1, 2, 2, 1], {}),
    ((1, 9, 7, 5), [0, 1, 0, 1], [1, 9, 7, 5], [1, 3, 2, 2], {}),
    ((4, 6), [3, 5], [0, 0], [-1, -2], {}),  # negative strides
    ((4, 6), [-1, -1], [-5, -7], [-1, -1], {}),
    ((4, 6), [1, 2], [3, 4], [1, 1], dict(begin_mask=1, end_mask=2)),
    ((4, 6), [2, 2], [0, 0], [-1, -1], dict(begin_mask=3, end_mask=3)),
    ((2, 3, 4), [1, 0, 0], [2, 3, 4], [1, 1, 1], dict(shrink_axis_mask=1)),
    ((2, 3, 4), [0, -1, 1], [2, 0, 3], [1, 1, 1], dict(shrink_axis_mask=2)),
    ((2, 3, 4), [0, 0, -2], [2, 3, 0], [1, 1, 2], dict(shrink_axis_mask=4, begin_mask=1)),
    ((10,), [-3], [100], [1], {}),  # out-of-range end clamps
    ((10,), [-100], [100], [3], {}),
    ((10,), [8], [2], [1], {}),  # empty along the axis
    ((3, 5, 7, 2), [2, 4, 6, 1], [-4, -6, -8, -3], [-1, -2, -3, -1], {}),
    ((1, 1, 12), [0, 0, 1], [1, 1, 12], [1, 1, 1], dict(shrink_axis_mask=3)),
    ((3, 4), [1, 1], [3, 3], [1, 1], dict(ellipsis_mask=1, new_axis_mask=2, offset=True)),
]


def strided_slice_jobs():
    rng = np.random.default_rng(14)
    jobs = []
    for shape, begin, end, strides, masks in SLICE_CASES:
        for dtype in ("int8", "float32", "int16", "int32"):
            if 0 not in _slice_shape(shape, begin, end, strides, **masks):
                jobs.append(slice_model(rng, shape, begin, end, strides, dtype, **masks))
    for _ in range(12):
        rank = int(rng.integers(1, 5))
        shape = [int(v) for v in rng.integers(1, 7, rank)]
        begin = [int(rng.integers(-d - 1, d + 1)) for d in shape]
        end = [int(rng.integers(-d - 1, d + 2)) for d in shape]
        strides = [int(rng.choice([-3, -2, -1, 1, 2, 3])) for _ in shape]
        masks = dict(begin_mask=int(rng.integers(0, 1 << rank)), end_mask=int(rng.integers(0, 1 << rank)))
        if 0 not in _slice_shape(shape, begin, end, strides, **masks):
            jobs.append(slice_model(rng, shape, begin, end, strides, "int8", **masks))
    return jobs


@pytest.mark.parametrize("loops", PLAIN_ON_WASM)
def test_strided_slice(loops):
    jobs = strided_slice_jobs()
    assert len(jobs) > 60
    compare(jobs, loops)


# --- SQUEEZE / TRANSPOSE -----------------------------------------------------------------


def squeeze_model(rng, shape, dims, dtype):
    mb = ModelBuilder()
    q = quant(rng, dtype)
    x = mb.input(shape, dtype, **q)
    out_shape = np.squeeze(np.zeros(shape), axis=tuple(dims) if dims else None).shape
    y = mb.tensor(out_shape, dtype, **q)
    mb.op("SQUEEZE", [x], [y], "SqueezeOptions", squeeze_dims=list(dims))
    mb.output(y)
    return mb.build(), [values(rng, shape, dtype)]


def test_squeeze():
    rng = np.random.default_rng(15)
    jobs = []
    for shape, dims in (((1, 1, 1, 10), []), ((1, 1, 1, 10), [1, 2]), ((2, 1, 3, 1), [-1]), ((1, 4), [0])):
        for dtype in ("int8", "float32", "int16", "int32"):
            jobs.append(squeeze_model(rng, shape, dims, dtype))
    compare(jobs)


def transpose_model(rng, shape, perm, dtype):
    mb = ModelBuilder()
    q = quant(rng, dtype)
    x = mb.input(shape, dtype, **q)
    p = mb.const(np.array(perm, np.int32), "int32")
    y = mb.tensor([shape[i] for i in perm], dtype, **q)
    mb.op("TRANSPOSE", [x, p], [y])
    mb.output(y)
    return mb.build(), [values(rng, shape, dtype)]


def transpose_jobs():
    rng = np.random.default_rng(16)
    cases = [
        ((3, 5), (1, 0)),
        ((1, 4, 6, 3), (0, 3, 1, 2)),  # NHWC -> NCHW
        ((1, 3, 4, 6), (0, 2, 3, 1)),  # NCHW -> NHWC
        ((2, 3, 4), (2, 1, 0)),
        ((2, 3, 4), (0, 1, 2)),  # identity
        ((2, 3, 4, 5), (0, 2, 1, 3)),  # inner dim kept: contiguous runs
        ((2, 3, 1, 4, 5), (4, 2, 0, 3, 1)),
        ((7,), (0,)),
    ]
    jobs = []
    for shape, perm in cases:
        for dtype in ("int8", "float32", "int16"):
            jobs.append(transpose_model(rng, shape, perm, dtype))
    for _ in range(6):
        rank = int(rng.integers(2, 6))
        shape = [int(v) for v in rng.integers(1, 6, rank)]
        jobs.append(transpose_model(rng, shape, [int(v) for v in rng.permutation(rank)], "int8"))
    return jobs


@pytest.mark.parametrize("loops", PLAIN_ON_WASM)
def test_transpose(loops):
    compare(transpose_jobs(), loops)


# --- loops: twins, alignment, allocation -------------------------------------------------


def _random_copy(rng):
    """A random in-bounds copy geometry, its buffer sizes, and byte misalignments."""
    itemsize = int(rng.choice([1, 1, 2, 4]))
    dims = [int(v) for v in rng.integers(1, 5, 5)]
    src_strides = [int(v) for v in rng.integers(-6, 7, 5)]
    if rng.integers(2):
        src_strides[4] = 1
    low = sum(min(0, (n - 1) * s) for n, s in zip(dims, src_strides))
    high = sum(max(0, (n - 1) * s) for n, s in zip(dims, src_strides))
    dst_strides = [1] * 5
    for k in range(3, -1, -1):
        dst_strides[k] = dst_strides[k + 1] * dims[k + 1]
    dst_start = int(rng.integers(0, 3))
    geo = [itemsize, -low, dst_start] + dims + src_strides + dst_strides
    src_bytes = (high - low + 1) * itemsize
    dst_bytes = (dst_start + int(np.prod(dims))) * itemsize
    return geo, src_bytes, dst_bytes, int(rng.integers(0, 4)), int(rng.integers(0, 4))


def test_loop_twins_copy_and_fill(micropython):
    """viper and plain copy_strided / fill agree, at every byte alignment."""
    rng = np.random.default_rng(17)
    copies = [_random_copy(rng) for _ in range(60)]
    fills = []
    for _ in range(30):
        itemsize = int(rng.choice([1, 2, 4]))
        fills.append((itemsize * int(rng.integers(0, 12)), itemsize, int(rng.integers(0, 4))))
    out = micropython(
        """
from ulite.loops import plain, viper
bad = 0
for geo, src_bytes, dst_bytes, src_shift, dst_shift in %r:
    src = bytearray(src_bytes + 4)
    for i in range(len(src)):
        src[i] = (i * 37 + 11) & 0xFF
    results = []
    for loops in (viper, plain):
        dst = bytearray(dst_bytes + 4)
        loops.copy_strided((memoryview(dst)[dst_shift:], memoryview(src)[src_shift:], tuple(geo)))
        results.append(bytes(dst))
    bad += results[0] != results[1]
for nbytes, itemsize, shift in %r:
    results = []
    for loops in (viper, plain):
        dst = bytearray(nbytes + 4)
        loops.fill(memoryview(dst)[shift:], nbytes, b"\\x81\\x42\\xc3\\x24", itemsize)
        results.append(bytes(dst))
    bad += results[0] != results[1]
print("MISMATCHES", bad)
"""
        % (copies, fills)
    )
    assert out.split()[-1] == "0", out


def test_int8_invoke_allocates_nothing(micropython, tmp_path):
    """The viper int8 path of every op here runs without touching the heap."""
    rng = np.random.default_rng(18)
    models = [
        pad_model(rng, (1, 5, 7, 3), [(0, 0), (1, 1), (2, 1), (0, 0)], "int8")[0],
        pad_model(rng, (2, 3, 3), [(0, 0), (1, 2), (2, 1)], "int8", constant=5)[0],
        concat_model(rng, [(1, 4, 4, 3), (1, 4, 4, 5), (1, 4, 4, 8)], 3, "int8")[0],
        mean_model(rng, (1, 12, 12, 70), [1, 2], False, "int8")[0],
        slice_model(rng, (4, 6), [3, 5], [0, 0], [-1, -2], "int8")[0],
        squeeze_model(rng, (1, 1, 1, 10), [], "int8")[0],
        transpose_model(rng, (2, 3, 1, 4, 5), (4, 2, 0, 3, 1), "int8")[0],
    ]
    paths = []
    for i, model in enumerate(models):
        path = tmp_path / ("m%d.tflite" % i)
        path.write_bytes(model)
        paths.append(str(path))
    out = micropython(
        """
import gc
import ulite

def allocated(fn):
    gc.collect()
    gc.disable()
    before = gc.mem_alloc()
    fn()
    after = gc.mem_alloc()
    gc.enable()
    return after - before

allocated(lambda: None)  # the first measurement in a process allocates for itself
for path in %r:
    interp = ulite.Interpreter(open(path, "rb").read(), loops="viper")
    interp.invoke()
    print(interp.op_names[0], allocated(interp.invoke))
"""
        % paths
    )
    lines = out.split("\n")
    assert len([line for line in lines if line]) == len(models), out
    for line in lines:
        if line:
            assert line.split()[-1] == "0", out


# --- refusals ----------------------------------------------------------------------------


def _single_op(name, ins, out, consts=(), options_type=None, **options):
    """A one-op model: `ins` [(shape, dtype, quant)] are graph inputs, then `consts`
    [(values, dtype)] constant inputs; `out` is (shape, dtype, quant)."""
    mb = ModelBuilder()
    tensors = [mb.input(shape, dtype, **q) for shape, dtype, q in ins]
    tensors += [mb.const(np.array(v), dtype, **(Q3 if dtype == "int8" else {})) for v, dtype in consts]
    y = mb.tensor(out[0], out[1], **out[2])
    mb.op(name, tensors, [y], options_type, **options)
    mb.output(y)
    rng = np.random.default_rng(0)
    return mb.build(), [values(rng, shape, dtype) for shape, dtype, _ in ins]


Q1 = dict(scale=0.1, zero_point=0)
Q2 = dict(scale=0.2, zero_point=0)
Q3 = dict(scale=0.1, zero_point=5)
CONCAT = "ConcatenationOptions"
SLICE = "StridedSliceOptions"
I8 = ((1, 2), "int8", Q1)
I16 = ((1, 2), "int16", Q1)
F32 = ((1, 2), "float32", {})

# (model and inputs, words ulite's refusal must contain); TFLM refuses every one of these too
REFUSED_BY_BOTH = [
    (_single_op("CONCATENATION", [I8, ((1, 2), "int8", Q2)], ((1, 4), "int8", Q1), (), CONCAT, axis=1), "quantized unlike"),
    (_single_op("CONCATENATION", [I8, ((1, 2), "int8", Q3)], ((1, 4), "int8", Q1), (), CONCAT, axis=1), "quantized unlike"),
    (
        _single_op("CONCATENATION", [F32, F32], ((1, 4), "float32", {}), (), CONCAT, axis=1, fused_activation_function="RELU"),
        "fused activation",
    ),
    (_single_op("PADV2", [I8], ((3, 4), "int8", Q1), [([[1, 1], [1, 1]], "int32"), ([3], "int8")]), "constant_values"),
    (_single_op("PAD", [((1,) * 5 + (2,), "int8", Q1)], ((1,) * 5 + (4,), "int8", Q1), [([[0, 0]] * 5 + [[1, 1]], "int32")]), "6-D"),
    (_single_op("PAD", [I8, ((2, 2), "int32", {})], ((3, 4), "int8", Q1)), "non-constant paddings"),
    (
        _single_op("STRIDED_SLICE", [((1, 1, 1, 1, 2), "int8", Q1)], ((1, 1, 1, 1, 2), "int8", Q1), [([0] * 5, "int32"), ([1, 1, 1, 1, 2], "int32"), ([1] * 5, "int32")], SLICE),
        "5-D",
    ),
    (_single_op("CONCATENATION", [I16, ((1, 2), "int16", Q3)], ((1, 4), "int16", Q1), (), CONCAT, axis=1), "int16 zero points 5 -> 0"),
    (_single_op("CONCATENATION", [I16, I16], ((1, 4), "int16", Q3), (), CONCAT, axis=1), "int16 zero points 0 -> 5"),
    (_single_op("TRANSPOSE", [((2, 3), "int32", {})], ((3, 2), "int32", {}), [([1, 0], "int32")]), "int32"),
    (_single_op("TRANSPOSE", [((1,) * 5 + (2,), "int8", Q1)], ((2,) + (1,) * 5, "int8", Q1), [([5, 4, 3, 2, 1, 0], "int32")]), "6-D"),
]

# ulite refuses these; TFLM would read the axis at invoke, or write no output at all
REFUSED_BY_ULITE = [
    (_single_op("MEAN", [((2, 3), "int8", Q1), ((1,), "int32", {})], ((2,), "int8", Q2), (), "ReducerOptions"), "non-constant axis"),
    (
        _single_op("STRIDED_SLICE", [((4, 3), "int8", Q1)], ((3,), "int8", Q1), [([2, 0], "int32"), ([0, 3], "int32"), ([-1, 1], "int32")], SLICE, shrink_axis_mask=1),
        "negative stride",
    ),
]


def test_refusals():
    for (model, inputs), _ in REFUSED_BY_BOTH:
        with pytest.raises(Exception):
            run_tflm(model, inputs)
    results = run_ulite([(model, inputs, []) for (model, inputs), _ in REFUSED_BY_BOTH + REFUSED_BY_ULITE])
    for (_, words), result in zip(REFUSED_BY_BOTH + REFUSED_BY_ULITE, results):
        assert isinstance(result, str) and result.startswith("UnsupportedOpError"), result
        assert words in result, result
