"""The Thumb backend without a board.

- Its assembler kernels, compiled by mpy-cross -march=armv6m and taken out of the .mpy, run
  in an ARM Cortex-M0 emulator: every executed instruction must be ARMv6-M, and outputs must
  equal numpy references (and TFLM's MultiplyByQuantizedMultiplier) bit for bit, on random
  and edge-case vectors and on the calls the glue makes for every corpus model's layers.
- The twin kernels the glue runs over on the unix port (host_tools/device/thumb_twin.py)
  compute what the machine code computes, on the same memory and parameter blocks.
- The emulator's cycle counts follow the Cortex-M0+ table (checked on a hand-counted loop).
- Its viper glue runs on the unix port over the twin kernels and must match TFLM (kernel
  sweeps and corpus models); the calls it makes must be the ones the RP2040 estimate plans.
- Ports other than ARM keep picking the viper (or plain) loops.
"""

import importlib.util
import struct
import subprocess
import sys
import types

import numpy as np
import pytest
from conftest import MODELS, golden_cases, model_path
from oracle import compare
from test_conv import CONV_CASES, DEPTHWISE_CASES, conv_jobs, conv_model, depthwise_jobs
from test_elementwise import ALL_PAIRS, DOUBLE_SENSITIVE, arithmetic_jobs, binary_model
from test_kernels_core import quantize_jobs
from test_transpose_conv import transpose_conv_jobs

from host_tools import micropython
from host_tools.model_builder import ModelBuilder
from host_tools.paths import CORPUS, DEVICE_DIR, MPY_DIR, tool
from host_tools.rp2040 import emulator, estimate, isa, layers, mpy
from host_tools.rp2040.kernels import ASM_SOURCE, LANES, Kernels

sys.path.insert(0, str(MPY_DIR))
from ulite.layouts import conv as conv_layout  # noqa: E402
from ulite.quant import mbqm  # noqa: E402  (TFLM's MultiplyByQuantizedMultiplier, exact)

KERNELS = {"fc_rows", "requant", "dot8", "lanes8", "gather8", "flip_bytes", "dw8", "add_rescaled"}
CORPUS_MODELS = sorted(p.stem for p in (CORPUS / "models").glob("*.tflite"))
CONV_MODELS = ["person_detect", "vww_96_int8", "kws_ref_model", "ic_resnet8_int8", "micro_speech_quantized"]
TWIN_DIR = DEVICE_DIR  # thumb_twin.py
SAME = 0


@pytest.fixture(scope="module")
def k():
    return Kernels()


def corpus_layers(*ops):
    for name in CORPUS_MODELS:
        for layer in layers.read(model_path(name).read_bytes()):
            if layer.name in ops and layer.outputs[0].dtype == "int8" and layer.inputs[0].dtype == "int8":
                yield name, layer


def corpus_calls(kernel):
    """The distinct calls of one kernel the Thumb glue makes for every corpus model's
    layers, as estimate.plan lists them (a test below checks plan and glue agree)."""
    keys = set()
    for name in CORPUS_MODELS:
        for layer in layers.read(model_path(name).read_bytes()):
            keys.update(key for key, _ in estimate.plan(layer) or [] if key[0] == kernel)
    return sorted(keys)


def int8(rng, *shape):
    return rng.integers(-128, 128, shape).astype(np.int8)


def pads(layer, kh, kw):
    """TFLM's (top, left) padding of a convolution layer (padding.h)."""
    _, in_h, in_w, _ = layer.inputs[0].shape
    _, out_h, out_w, _ = layer.outputs[0].shape
    (sh, sw), (dh, dw) = layer.options["stride"], layer.options["dilation"]
    total = [max(0, (o - 1) * s + (kk - 1) * d + 1 - i) for o, s, kk, d, i in ((out_h, sh, kh, dh, in_h), (out_w, sw, kw, dw, in_w))]
    return total[0] // 2, total[1] // 2


def lane_blocks(pixels, out_w):
    """(first pixel, lanes) of the blocks worth testing: the first, one crossing an output
    row, and the last (short if the pixels do not fill it)."""
    last = (pixels - 1) // LANES * LANES
    middle = min(max(out_w - 3, 0), last)
    return sorted({(first, min(LANES, pixels - first)) for first in (0, middle, last)})


def origins(batches, out_hw, stride, pad, first, count):
    """(batch, iy0, ix0) of `count` output pixels from `first`, row-major over the batch."""
    oh, ow = out_hw
    return [(p // (oh * ow), p % (oh * ow) // ow * stride[0] - pad[0], p % ow * stride[1] - pad[1]) for p in range(first, first + count)]


# --- machine code ----------------------------------------------------------------------


def test_asm_module_compiles_to_armv6m_machine_code():
    functions = mpy.asm_functions(ASM_SOURCE)
    assert set(functions) == KERNELS
    for name, (code, n_args) in functions.items():
        decoded = isa.decode_all(code)
        assert decoded and n_args in (1, 2), name
        assert code[:2] == b"\xf2\xb5" and code[-2:] == b"\xf2\xbd", "entry push / exit pop of %s" % name


@pytest.mark.parametrize(
    "halfwords",
    [(0xF240, 0x0001), (0xBF08,), (0xB100,), (0xF8D0, 0x1004), (0xFB90, 0xF0F1), (0xE92D, 0x4FF0), (0xDE00,)],
    ids=["movw", "it", "cbz", "ldr.w", "sdiv", "push.w", "udf"],
)
def test_thumb2_instructions_are_refused(halfwords):
    with pytest.raises(isa.NotARMv6M):
        isa.decode(*halfwords) if len(halfwords) == 2 else isa.decode(halfwords[0], 0)


@pytest.mark.parametrize("march", ["armv6m", "armv7m", "armv7emsp"])
def test_thumb_package_compiles_for_arm(tmp_path, march):
    sources = sorted((MPY_DIR / "ulite" / "loops" / "thumb").glob("*.py"))
    assert [s.name for s in sources] == [
        "__init__.py", "asm.py", "binary.py", "conv.py", "depthwise.py", "fully_connected.py",
        "requant.py", "requant_block.py", "walk.py",
    ]  # fmt: skip
    for src in sources:
        out = tmp_path / (src.stem + ".mpy")
        result = subprocess.run([tool("mpy-cross"), "-march=" + march, "-o", str(out), str(src)], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr


def test_glue_compiles_for_xtensawin(tmp_path):
    thumb = MPY_DIR / "ulite" / "loops" / "thumb"
    for src in [*sorted(thumb.glob("*.py")), MPY_DIR / "ulite" / "loops" / "__init__.py"]:
        if src.name == "asm.py":
            continue
        result = subprocess.run([tool("mpy-cross"), "-march=xtensawin", "-o", str(tmp_path / "x.mpy"), str(src)], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr


# --- cycle counting ----------------------------------------------------------------------


def test_cycle_table_on_a_hand_counted_loop(k):
    """flip_bytes on 4w bytes: push {r1, r4-r7, lr} 7, six ALU 6, b 2, w * (ldr 2, eor 1,
    str 2, add 1, cmp 1, bcc taken 2), cmp 1, bcc not taken 1, mov 1, pop {..., pc} 9."""
    for words in (1, 5, 16):
        data = np.arange(4 * words, dtype=np.uint8)
        out, counts = k.flip_bytes(data, count=True)
        assert (out == data ^ 0x80).all()
        assert counts.total_cycles == 27 + 9 * words
        assert counts.instructions["branch"] == 1 + words and counts.instructions["branch_not_taken"] == 1
        assert counts.instructions["load"] == words and counts.instructions["store"] == words
        assert counts.instructions["push"] == 1 and counts.instructions["pop"] == 1


def test_cycles_per_mac(k):
    rng = np.random.default_rng(7)
    n, channels = 256, 16
    _, c = k.dot8(rng.integers(0, 256, (n, LANES)), int8(rng, channels, n), 0, n, np.zeros(channels, np.int32), count=True)
    macs = n * channels * LANES
    assert c.instructions["mul"] == macs
    assert 4.6 < c.total_cycles / macs < 4.8  # 75 cycles per 16 MACs plus per-channel work
    assert 3.4 < c.total_instructions / macs < 3.6
    depth, rows = 640, 64
    _, c = k.fc_rows(int8(rng, depth), int8(rng, rows, depth), None, -3, count=True)
    assert c.instructions["mul"] == depth * rows
    assert 7.0 < c.total_cycles / (depth * rows) < 7.1  # 14 cycles per pair of MACs
    u = rng.integers(0, 256, (1, 6, 12, 64))
    _, c = k.dw8(u, int8(rng, 3, 3, 64), np.zeros(64, np.int32), (6, 12), (1, 1), (0, 0), 0, LANES, (1, 1), 128, count=True)
    # and per tap 2 + 2 per lane for the tap table, one per channel for the loop's end
    assert c.instructions["mul"] == 9 * 64 * LANES + 9 * (2 + 2 * LANES) + 64
    assert c.total_cycles / (9 * 64 * LANES) < 9
    n = 1024
    _, c = k.add_rescaled(int8(rng, n), int8(rng, n), (3, 1 << 30, 2), (-5, 1 << 30, 1), count=True)
    assert c.instructions["mul"] == 4 * n
    assert c.total_cycles / n < 70  # two passes of 34 cycles


# --- bit exactness ------------------------------------------------------------------------


def fc_reference(x, w, bias, zp):
    return (w.astype(np.int64) @ (x.astype(np.int64) - zp)) + (0 if bias is None else bias)


def test_fc_rows_exact(k):
    rng = np.random.default_rng(1)
    cases = [(1, 1), (1, 2), (3, 5), (17, 64), (640, 33), (7, 8)]
    for depth, rows in cases:
        for zp in (-128, 127, 5):
            bias = rng.integers(-(1 << 24), 1 << 24, rows).astype(np.int32) if zp != 5 else None
            x, w = int8(rng, depth), int8(rng, rows, depth)
            np.testing.assert_array_equal(k.fc_rows(x, w, bias, zp), fc_reference(x, w, bias, zp))
    x = np.full(300, -128, np.int8)  # largest products: (-128 - 127) * -128
    w = np.full((3, 300), -128, np.int8)
    np.testing.assert_array_equal(k.fc_rows(x, w, None, 127), fc_reference(x, w, None, 127))
    for _, depth, rows in corpus_calls("fc_rows"):
        x, w = int8(rng, depth), int8(rng, rows, depth)
        bias = rng.integers(-(1 << 20), 1 << 20, rows).astype(np.int32)
        zp = int(rng.integers(-128, 128))
        np.testing.assert_array_equal(k.fc_rows(x, w, bias, zp), fc_reference(x, w, bias, zp), err_msg=str((depth, rows)))


def requant_reference(acc, mult, shift, zp, lo, hi, rows=None):
    cols, step = acc.shape
    rows = rows or step
    out = np.zeros((rows, cols), np.int64)
    for c in range(cols):
        m, s = (int(mult[c]), int(shift[c])) if len(mult) > 1 else (int(mult[0]), int(shift[0]))
        for r in range(rows):
            out[r, c] = min(hi, max(lo, mbqm(int(acc[c, r]), m, s) + zp))
    return out


def random_requant(rng, cols, per_channel, max_shift=5):
    channels = cols if per_channel else 1
    mult = rng.integers(1 << 30, 1 << 31, channels)
    mult[rng.random(channels) < 0.2] = 0
    mult[0] = (1 << 31) - 1
    return mult, rng.integers(-31, max_shift + 1, channels).astype(np.int8)


def test_requant_exact(k):
    rng = np.random.default_rng(2)
    for rows, cols, per_channel, zp, lo, hi, stride in [
        (1, 1, False, 0, -128, 127, None), (8, 16, True, -128, -128, 127, None), (8, 16, True, 5, 5, 100, 20),
        (3, 7, False, 127, -128, 127, None), (1, 64, True, -3, -3, 50, None), (37, 1, False, 10, -128, 127, None),
    ]:  # fmt: skip
        mult, shift = random_requant(rng, cols, per_channel)
        acc = rng.integers(-(1 << 31), 1 << 31, (cols, rows), dtype=np.int64)
        for c in range(cols):  # a left shift must not overflow int32 (kernels refuse such models)
            s = int(shift[c if per_channel else 0])
            if s > 0:
                acc[c] >>= s
        acc[0, 0] = -(1 << 31) if shift[0] <= 0 else 0
        acc[-1, -1] = (1 << 31) - 1 if shift[-1] <= 0 else -1
        got = k.requant(acc.astype(np.int32), mult, shift, zp, lo, hi, stride)
        np.testing.assert_array_equal(got, requant_reference(acc, mult, shift, zp, lo, hi))


def test_requant_exact_on_corpus_calls(k):
    """Every requant call of the corpus: rows and columns, zero point and clamp; columns of
    eight lanes (conv blocks, also short ones) or of the rows (FULLY_CONNECTED, ADD)."""
    rng = np.random.default_rng(22)
    for _, rows, cols, per_channel, zp, lo, hi in corpus_calls("requant"):
        step = LANES if rows <= LANES and cols > 1 else rows
        mult, shift = random_requant(rng, cols, per_channel, max_shift=0)
        acc = rng.normal(0, 1 << 16, (cols, step)).astype(np.int64)
        got = k.requant(acc.astype(np.int32), mult, shift, zp, lo, hi, rows=rows)
        np.testing.assert_array_equal(got, requant_reference(acc, mult, shift, zp, lo, hi, rows), err_msg=str((rows, cols)))


def dot8_reference(q, w, k0, n, start):
    return start.astype(np.int64) + w[:, k0 : k0 + n].astype(np.int64) @ q.astype(np.int64)


def test_dot8_exact(k):
    rng = np.random.default_rng(3)
    shapes = [(1, 1, 1, 0, True), (2, 3, 5, 3, False), (7, 4, 9, 1, True), (8, 8, 8, 0, False), (255, 3, 300, 40, True)]
    shapes += [(n, count, n + 3, 1, first) for _, n, count, first in corpus_calls("dot8")]
    for n, channels, w_stride, k0, first in shapes:
        q = rng.integers(0, 256, (n, LANES)).astype(np.uint8)
        w = int8(rng, channels, w_stride)
        if first:
            init = rng.integers(-(1 << 24), 1 << 24, channels).astype(np.int32)
            np.testing.assert_array_equal(k.dot8(q, w, k0, n, init=init), dot8_reference(q, w, k0, n, init[:, None]))
        else:
            prev = rng.integers(-(1 << 24), 1 << 24, (channels, LANES)).astype(np.int32)
            np.testing.assert_array_equal(k.dot8(q, w, k0, n, acc=prev), dot8_reference(q, w, k0, n, prev))
    q = np.full((100, LANES), 255, np.uint8)  # largest products
    w = np.full((2, 100), -128, np.int8)
    np.testing.assert_array_equal(k.dot8(q, w, 0, 100, init=np.zeros(2, np.int32)), dot8_reference(q, w, 0, 100, np.zeros((2, 1))))


def test_lanes8_exact(k):
    """Lane records of blocks over rows and images, and of every corpus convolution's
    geometry; the walk moves on past them."""
    cases = [(1, (5, 5), (1, 1), (1, 1)), (3, (2, 3), (2, 1), (0, 2)), (2, (1, 1), (1, 1), (0, 0))]
    for _, layer in corpus_layers("CONV_2D", "DEPTHWISE_CONV_2D"):
        out = layer.outputs[0].shape
        cases.append((out[0], out[1:3], layer.options["stride"], pads(layer, *layer.inputs[1].shape[1:3])))
    for batches, out_hw, stride, pad in cases:
        image_bytes = 1000
        pixels = batches * out_hw[0] * out_hw[1]
        for first, count in lane_blocks(pixels, out_hw[1]) + [(pixels - 1, 1)]:
            records, walk = k.lanes8(0x20001000, image_bytes, out_hw, stride, pad, first, count)
            want = [(0x20001000 + b * image_bytes, iy0, ix0) for b, iy0, ix0 in origins(batches, out_hw, stride, pad, first, count + 1)]
            assert records == want[:count]
            b, oy, ox = (first + count) // (out_hw[0] * out_hw[1]), (first + count) % (out_hw[0] * out_hw[1]) // out_hw[1], (first + count) % out_hw[1]
            assert walk == (0x20001000 + b * image_bytes, oy, ox)


def gather_reference(x, group, depth, lanes, t0, taps, kw, dilation, pad):
    _, in_h, in_w, _ = x.shape
    out = np.full((taps * depth, LANES), 0xEE, np.int64)
    for p, (b, iy0, ix0) in enumerate(lanes):
        col = []
        for t in range(t0, t0 + taps):
            ky, kx = divmod(t, kw)
            iy, ix = iy0 + ky * dilation[0], ix0 + kx * dilation[1]
            if 0 <= iy < in_h and 0 <= ix < in_w:
                col += [int(v) + 128 for v in x[b, iy, ix, group * depth : (group + 1) * depth]]
            else:
                col += [pad] * depth
        out[:, p] = col
    return out


def check_gather(k, rng, x, group, depth, out_hw, stride, pad, first, count, t0, taps, kw, dilation, name=""):
    zp_u = int(rng.integers(0, 256))
    got = k.gather8(x, group, depth, out_hw, stride, pad, first, count, t0, taps, kw, dilation, zp_u)
    lanes = origins(x.shape[0], out_hw, stride, pad, first, count)
    want = gather_reference(x, group, depth, lanes, t0, taps, kw, dilation, zp_u)
    np.testing.assert_array_equal(got, want, err_msg="%s first %d lanes %d taps %d.." % (name, first, count, t0))


def test_gather8_exact(k):
    rng = np.random.default_rng(4)
    cases = [  # images (b, h, w, c), depth, group, kernel (kh, kw), stride, dilation, pad, output (h, w), t0, taps
        ((1, 5, 5, 3), 3, 0, (3, 3), (1, 1), (1, 1), (1, 1), (5, 5), 0, 9),
        ((1, 6, 7, 8), 4, 1, (3, 3), (2, 2), (2, 2), (2, 2), (3, 4), 2, 5),
        ((2, 4, 4, 16), 16, 0, (1, 1), (1, 1), (1, 1), (0, 0), (4, 4), 0, 1),  # walks into image 2
        ((3, 3, 3, 1), 1, 0, (3, 3), (1, 1), (1, 1), (1, 1), (3, 3), 0, 9),  # eight lanes over three rows, two images
        ((1, 9, 10, 2), 2, 0, (5, 3), (1, 2), (1, 1), (2, 1), (9, 5), 4, 11),
    ]
    for shape, depth, group, (kh, kw), stride, dilation, pad, out_hw, t0, taps in cases:
        x = int8(rng, *shape)
        pixels = shape[0] * out_hw[0] * out_hw[1]
        for first, count in lane_blocks(pixels, out_hw[1]):
            check_gather(k, rng, x, group, depth, out_hw, stride, pad, first, count, t0, taps, kw, dilation)


def test_gather8_exact_on_corpus_layers(k):
    """Each corpus convolution's (and grouped depthwise's) real geometry and tap chunks,
    on its first block, one crossing an output row and its last block."""
    rng = np.random.default_rng(23)
    for name, layer in corpus_layers("CONV_2D", "DEPTHWISE_CONV_2D"):
        geo = estimate.im2col_geometry(layer)
        if geo is None:
            continue
        kh, kw, depth = geo[conv_layout.CONV_KH], geo[conv_layout.CONV_KW], geo[conv_layout.CONV_DEPTH]
        groups, per_chunk = geo[conv_layout.CONV_GROUPS], geo[conv_layout.CONV_TAPS_PER_CHUNK]
        x = int8(rng, *layer.inputs[0].shape)
        out_hw = layer.outputs[0].shape[1:3]
        taps = kh * kw
        for first, count in lane_blocks(geo[conv_layout.CONV_PIXELS], out_hw[1]):
            for t0 in range(0, taps, per_chunk):
                group = int(rng.integers(0, groups))
                check_gather(k, rng, x, group, depth, out_hw, layer.options["stride"], pads(layer, kh, kw), first, count, t0, min(per_chunk, taps - t0), kw, layer.options["dilation"], name)


def dw_reference(u, w, start, lanes, dilation, pad, rows, channels):
    """Sums over kernel rows [ky0, ky1) and input channels [c0, c1), from start ((c1 - c0) * m, 8)."""
    _, in_h, in_w, in_c = u.shape
    kh, kw, outputs = w.shape
    m = outputs // in_c
    (ky0, ky1), (c0, c1) = rows, channels
    out = start.astype(np.int64).copy()
    for p, (b, iy0, ix0) in enumerate(lanes):
        for ky in range(ky0, ky1):
            for kx in range(kw):
                iy, ix = iy0 + ky * dilation[0], ix0 + kx * dilation[1]
                inside = 0 <= iy < in_h and 0 <= ix < in_w
                pixel = u[b, iy, ix, c0:c1].astype(np.int64) if inside else np.full(c1 - c0, pad, np.int64)
                out[:, p] += w[ky, kx, c0 * m : c1 * m].astype(np.int64) * np.repeat(pixel, m)
    return out


def check_dw(k, rng, u, w, out_hw, stride, pad, dilation, first, count, chunk, rows_per_call, name=""):
    """dw8 as the glue calls it for one block: per chunk of input channels, runs of kernel
    rows (the first from init, the next adding to the accumulators)."""
    in_c = u.shape[3]
    kh, _, outputs = w.shape
    m = outputs // in_c
    init = rng.integers(-(1 << 24), 1 << 24, outputs).astype(np.int32)
    lanes = origins(u.shape[0], out_hw, stride, pad, first, count)
    zp_u = int(rng.integers(0, 256))
    for c0 in range(0, in_c, chunk):
        c1 = min(c0 + chunk, in_c)
        acc = None
        want = np.repeat(init[c0 * m : c1 * m, None], LANES, axis=1).astype(np.int64)
        for ky0 in range(0, kh, rows_per_call):
            ky1 = min(ky0 + rows_per_call, kh)
            acc = k.dw8(u, w, init, out_hw, stride, pad, first, count, dilation, zp_u, (ky0, ky1), (c0, c1), acc)
            want = dw_reference(u, w, want, lanes, dilation, zp_u, (ky0, ky1), (c0, c1))
            np.testing.assert_array_equal(acc[:, :count], want[:, :count], err_msg="%s first %d channels %d.. rows %d.." % (name, first, c0, ky0))


def test_dw8_exact(k):
    rng = np.random.default_rng(5)
    cases = [  # images (b, h, w, c), multiplier, kernel, stride, dilation, pad, channels and kernel rows per call
        ((1, 9, 9, 1), 8, (3, 3), (2, 2), (1, 1), (1, 1), 1, 3),
        ((1, 5, 5, 3), 2, (3, 3), (1, 1), (1, 1), (1, 1), 2, 2),
        ((1, 7, 7, 16), 1, (3, 3), (1, 1), (2, 2), (2, 2), 5, 1),
        ((1, 4, 6, 5), 1, (5, 5), (1, 1), (1, 1), (2, 2), 5, 5),
        ((2, 3, 2, 2), 1, (1, 1), (1, 1), (1, 1), (0, 0), 2, 1),  # eight lanes over two images
        ((1, 12, 9, 3), 3, (10, 8), (2, 2), (1, 1), (4, 3), 2, 3),  # 80 taps in runs of 24
    ]
    for shape, m, (kh, kw), stride, dilation, pad, chunk, rows_per_call in cases:
        u = rng.integers(0, 256, shape).astype(np.uint8)
        w = int8(rng, kh, kw, shape[3] * m)
        out_hw = ((shape[1] + 2 * pad[0] - (kh - 1) * dilation[0] - 1) // stride[0] + 1, (shape[2] + 2 * pad[1] - (kw - 1) * dilation[1] - 1) // stride[1] + 1)
        for first, count in lane_blocks(shape[0] * out_hw[0] * out_hw[1], out_hw[1]):
            check_dw(k, rng, u, w, out_hw, stride, pad, dilation, first, count, chunk, rows_per_call)


def test_dw8_exact_on_corpus_layers(k):
    rng = np.random.default_rng(24)
    for name, layer in corpus_layers("DEPTHWISE_CONV_2D"):
        chunks = estimate.depthwise_chunks(layer)
        if estimate.im2col_geometry(layer) or chunks is None:
            continue
        _, kh, kw, outputs = layer.inputs[1].shape
        u = rng.integers(0, 256, layer.inputs[0].shape).astype(np.uint8)
        w = int8(rng, kh, kw, outputs)
        out = layer.outputs[0].shape
        for first, count in lane_blocks(out[0] * out[1] * out[2], out[2]):
            check_dw(k, rng, u, w, out[1:3], layer.options["stride"], pads(layer, kh, kw), layer.options["dilation"], first, count, *chunks, name)


def rescale_reference(x, zp, multiplier, shift):
    d = x.astype(np.int64) - zp
    v = d * (multiplier >> 11) + ((d * (multiplier & 0x7FF) + 1024) >> 11)
    if shift == 0:
        return v
    mask = (1 << shift) - 1
    return (v >> shift) + ((v & mask) > (mask >> 1) + (v < 0))


def test_add_rescaled_exact(k):
    rng = np.random.default_rng(25)
    pairs = [a.reshape(-1) for a in np.broadcast_arrays(*ALL_PAIRS)]  # every (x1, x2)
    transforms = [((127, (1 << 31) - 1, 0), (-128, 1 << 30, 31)), ((-128, (1 << 31) - 1, 1), (127, 1, 0))]
    for s1, s2, _, z1, z2, _ in DOUBLE_SENSITIVE:
        m = max(s1, s2) * 2
        transforms.append(tuple((z, int(round(s / m * (1 << 31))), 1) for s, z in ((s1, z1), (s2, z2))))
    for _ in range(3):
        transforms.append(tuple((int(rng.integers(-128, 128)), int(rng.integers(1 << 30, 1 << 31)), int(rng.integers(0, 21))) for _ in range(2)))
    for t1, t2 in transforms:
        got = k.add_rescaled(*pairs, t1, t2)
        np.testing.assert_array_equal(got, rescale_reference(pairs[0], *t1) + rescale_reference(pairs[1], *t2), err_msg=str((t1, t2)))
    for _, n in corpus_calls("add_rescaled"):
        x1, x2 = int8(rng, n), int8(rng, n)
        t = (int(rng.integers(-128, 128)), int(rng.integers(1 << 30, 1 << 31)), 1)
        np.testing.assert_array_equal(k.add_rescaled(x1, x2, t, t), rescale_reference(x1, *t) + rescale_reference(x2, *t))


def test_flip_bytes(k):
    data = np.random.default_rng(6).integers(0, 256, 4096).astype(np.uint8)
    np.testing.assert_array_equal(k.flip_bytes(data), data ^ 0x80)
    for _, n in corpus_calls("flip_bytes"):
        data = np.arange(n, dtype=np.uint8)
        np.testing.assert_array_equal(k.flip_bytes(data), data ^ 0x80)


# --- the twins compute what the machine code computes ----------------------------------


def load_twins(ram, blocks):
    """host_tools/device/thumb_twin.py in CPython, with a uctypes over `ram` (a bytearray
    holding the emulator's RAM from its start): bytearray_at(address, n) is a view of it,
    addressof(block) the address `blocks` gives for a block object."""
    view = memoryview(ram)
    fake = types.ModuleType("uctypes")
    fake.bytearray_at = lambda address, n: view[address - emulator.RAM : address - emulator.RAM + n]
    fake.addressof = lambda obj: blocks[id(obj)]
    saved = sys.modules.get("uctypes")
    sys.modules["uctypes"] = fake
    try:
        spec = importlib.util.spec_from_file_location("thumb_twin_cpython", TWIN_DIR / "thumb_twin.py")
        twins = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(twins)
    finally:
        if saved is None:
            del sys.modules["uctypes"]
        else:
            sys.modules["uctypes"] = saved
    return twins


def test_twins_compute_what_the_machine_code_computes():
    """Replay calls made in the emulator with the twin kernels on a copy of the RAM the
    machine code started from: the RAM below the parameter block (inputs and outputs)
    must end up the same byte for byte, and so must the block (the pointers a kernel moves
    on, the counts it runs down), but for the words it uses as scratch, which the twins
    poison."""
    rng = np.random.default_rng(26)
    k = Kernels(record=True)
    calls = [
        lambda: k.fc_rows(int8(rng, 37), int8(rng, 9, 37), rng.integers(-999, 999, 9).astype(np.int32), -7),
        lambda: k.fc_rows(int8(rng, 16), int8(rng, 8, 16), None, 5),
        lambda: k.requant(rng.integers(-(1 << 20), 1 << 20, (12, LANES)).astype(np.int32), *random_requant(rng, 12, True, 0), -5, -5, 127, 12, 3),
        lambda: k.requant(rng.integers(-(1 << 20), 1 << 20, (1, 10)).astype(np.int32), *random_requant(rng, 1, False), 9, -128, 127),
        lambda: k.dot8(rng.integers(0, 256, (27, LANES)), int8(rng, 5, 30), 2, 27, init=rng.integers(-99, 99, 5).astype(np.int32)),
        lambda: k.dot8(rng.integers(0, 256, (8, LANES)), int8(rng, 3, 8), 0, 8, acc=rng.integers(-99, 99, (3, LANES)).astype(np.int32)),
        lambda: k.gather8(int8(rng, 2, 5, 4, 6), 1, 3, (3, 2), (2, 2), (1, 0), 3, 7, 1, 5, 3, (1, 1), 17),
        lambda: k.dw8(rng.integers(0, 256, (2, 5, 4, 6)), int8(rng, 3, 3, 12), rng.integers(-99, 99, 12).astype(np.int32), (5, 4), (1, 1), (1, 1), 15, 8, (1, 1), 40, (1, 3), (2, 5)),
        lambda: k.dw8(rng.integers(0, 256, (1, 5, 4, 3)), int8(rng, 3, 3, 3), None, (5, 4), (1, 1), (1, 1), 17, 3, (1, 1), 40, acc=rng.integers(-99, 99, (3, LANES)).astype(np.int32)),
        lambda: k.add_rescaled(int8(rng, 70), int8(rng, 70), (3, 1 << 30, 2), (-128, (1 << 31) - 1, 0)),
        lambda: k.lanes8(0x20000100, 60, (4, 3), (2, 1), (1, 0), 9, 8),
    ]
    for call in calls:
        call()
        c = k.last
        ram = bytearray(c.before)
        block = memoryview(ram)[c.block - emulator.RAM :]
        twins = load_twins(ram, {id(block): c.block})
        getattr(twins, c.name)(block)
        data_end = c.block - emulator.RAM
        assert bytes(ram[:data_end]) == c.after[:data_end], c.name
        words = (len(c.after) - data_end) // 4
        machine = struct.unpack_from("<%di" % words, c.after, data_end)
        twin = struct.unpack_from("<%di" % words, ram, data_end)
        scratch = twins.SCRATCH.get(c.name, ())
        for i in range(words):
            expected = twins.POISON if i in scratch else machine[i]
            assert twin[i] == expected, "%s: parameter word %d is %d, not %d" % (c.name, i, twin[i], expected)


# --- the viper glue on the unix port -------------------------------------------------------


def fc_model(rng, batches, depth, units, per_channel, bias, zp, activation="NONE"):
    mb = ModelBuilder()
    x = mb.input((batches, depth), "int8", scale=float(rng.uniform(0.02, 0.2)), zero_point=zp)
    scales = [float(s) for s in rng.uniform(0.002, 0.02, units)] if per_channel else float(rng.uniform(0.002, 0.02))
    w = mb.const(int8(rng, units, depth), "int8", scale=scales, zero_point=0, axis=0)
    b = mb.const(rng.integers(-20000, 20000, units).astype(np.int32), "int32", scale=0.0001, zero_point=0) if bias else None
    y = mb.tensor((batches, units), "int8", scale=float(rng.uniform(0.05, 0.5)), zero_point=int(rng.integers(-128, 128)))
    mb.op("FULLY_CONNECTED", [x, w, b], [y], "FullyConnectedOptions", fused_activation_function=activation)
    mb.output(y)
    return mb.build()


def test_thumb_glue_matches_tflm():
    rng = np.random.default_rng(8)
    jobs = []
    for batches, depth, units, per_channel, bias, zp, act in [
        (1, 1, 1, False, True, -128, "NONE"), (2, 17, 5, True, False, 127, "RELU"), (3, 64, 130, True, True, 0, "RELU6"),
        (1, 255, 64, False, True, -5, "NONE"), (1, 33, 129, False, False, 127, "RELU"),
    ]:  # fmt: skip
        model = fc_model(rng, batches, depth, units, per_channel, bias, zp, act)
        jobs.append((model, [int8(rng, batches, depth)]))
        jobs.append((model, [np.full((batches, depth), -128 if zp == 127 else 127, np.int8)]))
    for name in ("hello_world_int8", "ad01_int8"):
        jobs += [(model_path(name).read_bytes(), ins) for ins, _ in golden_cases(name)[:2]]
    jobs += quantize_jobs()  # QUANTIZE int8 -> int8 runs requant through requantize
    assert compare(jobs, "thumb", rtol=0) == len(jobs)


def conv_sweep(rng):
    """test_conv's sweeps (strides, dilations, SAME/VALID on odd sizes, groups, depth
    multipliers, input zero points -128 and 127, activations), with the shapes that make
    the Thumb glue chunk channels, taps and kernel rows or fall back to viper."""
    jobs = conv_jobs(rng, CONV_CASES) + depthwise_jobs(rng, DEPTHWISE_CASES)
    jobs += [
        conv_model(rng, (1, 6, 6, 64), 16, (3, 3), activation="RELU"),  # taps in two im2col chunks
        conv_model(rng, (1, 7, 9, 128), 8, (3, 3), groups=2, padding="VALID"),  # groups, chunked taps
        conv_model(rng, (1, 5, 3, 70), 150, (3, 3), activation="RELU6"),  # channels in two chunks
        conv_model(rng, (1, 4, 5, 6), 150, (2, 2), groups=3, stride=(1, 2)),  # chunks across groups
        conv_model(rng, (2, 3, 3, 20), 200, (1, 1), stride=(2, 2), in_zp=127, per_channel=False),
        conv_model(rng, (1, 12, 12, 67), 0, (3, 3), depthwise=True, activation="RELU6"),
        conv_model(rng, (1, 9, 7, 40), 0, (3, 3), depthwise=True, multiplier=2, stride=(2, 2)),
        conv_model(rng, (1, 4, 3, 200), 0, (3, 3), depthwise=True, in_zp=-128),  # channel chunks
        conv_model(rng, (1, 20, 16, 1), 0, (4, 3), depthwise=True, multiplier=8, in_zp=-128),
        conv_model(rng, (1, 5, 5, 64), 0, (3, 3), depthwise=True, multiplier=8),  # dw8 with m = 8
        conv_model(rng, (2, 30, 12, 3), 0, (10, 8), depthwise=True, multiplier=2, padding="VALID"),  # kernel rows in runs
        conv_model(rng, (1, 2, 2, 3), 0, (3, 3), depthwise=True, multiplier=2),  # scratch < 8 lanes: viper
        conv_model(rng, (1, 3, 40, 2), 0, (1, 30), depthwise=True, in_zp=127),  # kernel row > 25 taps: viper
    ]
    return jobs


def test_thumb_conv_glue_matches_tflm():
    assert compare(conv_sweep(np.random.default_rng(27)), "thumb") > 60


def test_thumb_add_glue_matches_tflm():
    """Same-shape ADD runs add_rescaled (every input pair, with the scales whose float and
    double derivations differ); SUB, MUL and broadcasts keep the viper loop."""
    rng = np.random.default_rng(28)
    pairs = [a.reshape(-1) for a in np.broadcast_arrays(*ALL_PAIRS)]
    jobs = []
    for s1, s2, so, z1, z2, zo in DOUBLE_SENSITIVE:
        qs = [dict(scale=s1, zero_point=z1), dict(scale=s2, zero_point=z2), dict(scale=so, zero_point=zo)]
        jobs.append((binary_model("ADD", (65536,), (65536,), qs, "NONE"), pairs))
    jobs += arithmetic_jobs(rng, "ADD") + arithmetic_jobs(rng, "SUB")[::4]
    jobs += [(model_path("simple_add").read_bytes(), ins) for ins, _ in golden_cases("simple_add")[:1]]
    assert compare(jobs, "thumb") == len(jobs)


# vww_96_int8 and ic_resnet8_int8 repeat person_detect's and kws_ref_model's kernels: make test-slow
@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.slow) if n in ("vww_96_int8", "ic_resnet8_int8") else n for n in CONV_MODELS]
)
def test_thumb_glue_matches_tflm_on_corpus_models(name):
    jobs = [(model_path(name).read_bytes(), ins) for ins, _ in golden_cases(name)[:2]]
    assert compare(jobs, "thumb") == 2


def glue_calls(tmp_path, models):
    """[{(kernel, shape): calls}] the Thumb glue makes in one invoke of each model, over
    the twin kernels (None for a model ulite refuses)."""
    paths = []
    for i, model in enumerate(models):
        paths.append(tmp_path / ("m%d.tflite" % i))
        paths[-1].write_bytes(model)
    script = tmp_path / "calls.py"
    script.write_text(
        "import sys, thumb_twin\nthumb_twin.install()\nimport ulite\n"
        "for path in sys.argv[1:]:\n"
        "    try:\n"
        "        interp = ulite.Interpreter(open(path, 'rb').read(), loops='thumb')\n"
        "    except ulite.UnsupportedOpError:\n"
        "        print('None')\n"
        "        continue\n"
        "    thumb_twin.CALLS.clear()\n"
        "    interp.invoke()\n"
        "    print(repr(dict(thumb_twin.CALLS)))\n"
    )
    result = micropython.run("unix", script, paths, heap=8 << 20, extra_path=[TWIN_DIR])
    assert result.returncode == 0, result.stderr
    return [eval(line) for line in result.stdout.strip().splitlines()]


def planned_calls(model_bytes):
    """The same, as estimate.plan predicts it (in the twin's keys)."""
    calls = {}
    for layer in layers.read(model_bytes):
        for key, n in estimate.plan(layer) or []:
            twin_key = key[:3] if key[0] == "requant" else key
            calls[twin_key] = calls.get(twin_key, 0) + n
    return calls


def test_estimate_plans_the_calls_the_glue_makes(tmp_path):
    rng = np.random.default_rng(9)
    models = [model_path(n).read_bytes() for n in CORPUS_MODELS]
    models.append(fc_model(rng, 3, 40, 150, True, True, 1))
    models += [model for model, _ in conv_sweep(rng)]
    models += [model for model, _ in transpose_conv_jobs(("int8", "16x8"))]  # 16x8: no plan
    calls = glue_calls(tmp_path, models)
    refused = [name for name, glue in zip(CORPUS_MODELS, calls) if glue is None]
    assert len(calls) == len(models) and not set(refused) & set(CONV_MODELS + ["ad01_int8", "simple_add"])
    for i, (glue, model) in enumerate(zip(calls, models)):
        assert glue is None or glue == planned_calls(model), "model %d" % i


GLUE_LOCKED = """
import micropython, sys, thumb_twin
thumb_twin.install()
for name in ("fc_rows", "requant", "dot8", "gather8", "dw8", "add_rescaled", "lanes8"):
    setattr(thumb_twin, name, len)  # kernels that return at once and allocate nothing
thumb_twin.flip_bytes = lambda buffer, n: 0
import ulite
for path in sys.argv[1:]:
    interp = ulite.Interpreter(open(path, "rb").read(), loops="thumb")
    interp.invoke()
    micropython.heap_lock()
    try:
        interp.invoke()
    finally:
        micropython.heap_unlock()
    print("ok")
"""


def test_thumb_glue_allocates_nothing(tmp_path):
    """The glue's invoke with the heap locked (kernels stubbed: the twins allocate)."""
    rng = np.random.default_rng(29)
    models = [model_path(n).read_bytes() for n in CONV_MODELS + ["ad01_int8", "simple_add"]]
    models += [model for model, _ in conv_sweep(rng)[::5]]
    paths = []
    for i, model in enumerate(models):
        paths.append(tmp_path / ("m%d.tflite" % i))
        paths[-1].write_bytes(model)
    script = tmp_path / "locked.py"
    script.write_text(GLUE_LOCKED)
    result = micropython.run("unix", script, paths, heap=8 << 20, extra_path=[TWIN_DIR])
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.split() == ["ok"] * len(models)


# --- which backend each port runs --------------------------------------------------------


def test_backend_choice_by_port(micropython):
    out = micropython(
        "import sys\nsys.path.append(%r)\n"
        "from ulite import loops\n"
        "print(loops.native_arch(), loops.backend().__name__)\n"
        "try:\n    loops.backend('thumb')\nexcept ValueError as e:\n    print('no asm_thumb:', e)\n"
        "loops.native_arch = lambda: 4  # an armv6m port without the inline assembler\n"
        "print(loops.backend().__name__)\n"
        "import thumb_twin\nthumb_twin.install()\n"
        "print(loops.backend().__name__)\n"
        "loops.native_arch = lambda: 10  # xtensawin\n"
        "print(loops.backend().__name__)\n" % str(TWIN_DIR)
    )
    assert out.split("\n")[:5] == [
        "2 ulite.loops.viper",
        "no asm_thumb: loops='thumb' needs an ARM port with MicroPython's inline assembler: leave"
        " loops unset for the fastest loops this port runs",
        "ulite.loops.viper",
        "ulite.loops.thumb",
        "ulite.loops.viper",
    ]


def test_bench_board_rp2040_reports_an_estimate():
    """The command runs the ARM board beside the estimate: its ms per invoke and per op add
    up, and the estimate's instructions are the board's to a few percent (op by op:
    tests/test_rp2040_board.py)."""
    result = subprocess.run(
        [sys.executable, "-m", "host_tools", "bench", "--board", "rp2040", "--per-op", str(MODELS / "ad01_int8.tflite"), str(MODELS / "hello_world_int8.tflite")],
        capture_output=True, text=True, cwd=MPY_DIR.parent,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for name, ops in (("ad01_int8", 10), ("hello_world_int8", 3)):
        head = [i for i, line in enumerate(lines) if line.startswith(name + ": RP2040 ")][0]
        assert "ms per invoke at 133 MHz, from " in lines[head] and "WARNING" not in lines[head]
        total = float(lines[head].split()[2])
        ratio = float(lines[head].split("instructions (")[1].split()[0])
        board = int(lines[head].split(" from ")[1].split()[0])
        estimate = int(lines[head].split("the estimate alone ")[1].split()[0])
        # the board's clock ticks every 1,000 instructions: what runs before an op moves
        # a small model's count (hello_world_int8's 19,000) by up to a tick per op
        assert 0.95 < ratio < 1.05 or abs(board - estimate) <= 1000 * ops, lines[head]
        per_op = [float(line.split()[1]) for line in lines[head + 2 : head + 2 + ops]]
        assert all(line.startswith("    ") for line in lines[head + 1 : head + 2 + ops])
        assert abs(sum(per_op) - total) < 0.1
