"""The Thumb backend without a board.

- Its assembler kernels, compiled by mpy-cross -march=armv6m and taken out of the .mpy, run
  in an ARM Cortex-M0 emulator: every executed instruction must be ARMv6-M, and outputs must
  equal numpy references (and TFLM's MultiplyByQuantizedMultiplier) bit for bit, on random
  and edge-case vectors and on the layer shapes of the corpus models.
- The emulator's cycle counts follow the Cortex-M0+ table (checked on a hand-counted loop).
- Its viper glue runs on the unix port over twin kernels (host_tools/device/thumb_twin.py)
  and must match TFLM; the calls it makes must be the ones the RP2040 estimate plans.
- Ports other than ARM keep picking the viper (or plain) loops.
"""

import subprocess
import sys

import numpy as np
import pytest
from conftest import MODELS, golden_cases, model_path
from oracle import compare

from host_tools import unix_port
from host_tools.model_builder import ModelBuilder
from host_tools.paths import MPY_DIR, tool
from host_tools.rp2040 import estimate, isa, layers, mpy
from host_tools.rp2040.kernels import ASM_SOURCE, LANES, Kernels

sys.path.insert(0, str(MPY_DIR))
from ulite.quant import mbqm  # noqa: E402  (TFLM's MultiplyByQuantizedMultiplier, exact)

KERNELS = {"fc_rows", "requant", "dot8", "gather8", "flip_bytes", "dw8"}
CORPUS_INT8 = ["person_detect", "vww_96_int8", "kws_ref_model", "ic_resnet8_int8", "ad01_int8", "hello_world_int8"]
TWIN_DIR = MPY_DIR.parent / "host_tools" / "device"


@pytest.fixture(scope="module")
def k():
    return Kernels()


def corpus_layers(op):
    for name in CORPUS_INT8:
        for layer in layers.read(model_path(name).read_bytes()):
            if layer.name == op:
                yield name, layer


def int8(rng, *shape):
    return rng.integers(-128, 128, shape).astype(np.int8)


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
    for src in (MPY_DIR / "ulite" / "loops" / "thumb").glob("*.py"):
        out = tmp_path / (src.stem + ".mpy")
        result = subprocess.run([tool("mpy-cross"), "-march=" + march, "-o", str(out), str(src)], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr


def test_glue_compiles_for_xtensawin(tmp_path):
    for src in [MPY_DIR / "ulite" / "loops" / "thumb" / "core.py", MPY_DIR / "ulite" / "loops" / "__init__.py"]:
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
    u = rng.integers(0, 256, (6, 12, 64))
    _, c = k.dw8(u, int8(rng, 3, 3, 64), np.zeros(64, np.int32), [(0, p) for p in range(8)], (1, 1), 128, count=True)
    # and per tap 3 + 2 per lane for the tap table, one per channel for the loop's end
    assert c.instructions["mul"] == 9 * 64 * LANES + 9 * (3 + 2 * LANES) + 64
    assert c.total_cycles / (9 * 64 * LANES) < 9


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
    for name, layer in corpus_layers("FULLY_CONNECTED"):
        units, depth = layer.inputs[1].shape
        rows = min(units, estimate.ACC_CHUNK)
        x, w = int8(rng, depth), int8(rng, rows, depth)
        bias = rng.integers(-(1 << 20), 1 << 20, rows).astype(np.int32)
        zp = layer.inputs[0].zero_point
        np.testing.assert_array_equal(k.fc_rows(x, w, bias, zp), fc_reference(x, w, bias, zp), err_msg=name)


def requant_reference(acc, mult, shift, zp, lo, hi):
    cols, rows = acc.shape
    out = np.zeros((rows, cols), np.int64)
    for c in range(cols):
        m, s = (int(mult[c]), int(shift[c])) if len(mult) > 1 else (int(mult[0]), int(shift[0]))
        for r in range(rows):
            out[r, c] = min(hi, max(lo, mbqm(int(acc[c, r]), m, s) + zp))
    return out


def test_requant_exact(k):
    rng = np.random.default_rng(2)
    for rows, cols, per_channel, zp, lo, hi, stride in [
        (1, 1, False, 0, -128, 127, None), (8, 16, True, -128, -128, 127, None), (8, 16, True, 5, 5, 100, 20),
        (3, 7, False, 127, -128, 127, None), (1, 64, True, -3, -3, 50, None), (37, 1, False, 10, -128, 127, None),
    ]:  # fmt: skip
        channels = cols if per_channel else 1
        mult = rng.integers(1 << 30, 1 << 31, channels)
        mult[rng.random(channels) < 0.2] = 0
        mult[0] = (1 << 31) - 1
        shift = rng.integers(-31, 6, channels).astype(np.int8)
        acc = rng.integers(-(1 << 31), 1 << 31, (cols, rows), dtype=np.int64)
        for c in range(cols):  # a left shift must not overflow int32 (kernels refuse such models)
            s = int(shift[c if per_channel else 0])
            if s > 0:
                acc[c] >>= s
        acc[0, 0] = -(1 << 31) if shift[0] <= 0 else 0
        acc[-1, -1] = (1 << 31) - 1 if shift[-1] <= 0 else -1
        got = k.requant(acc.astype(np.int32), mult, shift, zp, lo, hi, stride)
        np.testing.assert_array_equal(got, requant_reference(acc, mult, shift, zp, lo, hi))
    for name, layer in corpus_layers("CONV_2D"):  # the corpus's output zero points and ReLU bounds
        out = layer.outputs[0]
        cols = out.shape[3]
        zp = out.zero_point
        lo = zp if layer.clamps_at_zero() else -128
        mult = rng.integers(1 << 30, 1 << 31, cols)
        shift = rng.integers(-12, 1, cols).astype(np.int8)
        acc = rng.normal(0, 1 << 16, (cols, LANES)).astype(np.int64)
        np.testing.assert_array_equal(k.requant(acc.astype(np.int32), mult, shift, zp, lo, 127), requant_reference(acc, mult, shift, zp, lo, 127), err_msg=name)


def dot8_reference(q, w, k0, n, start):
    return start.astype(np.int64) + w[:, k0 : k0 + n].astype(np.int64) @ q.astype(np.int64)


def test_dot8_exact(k):
    rng = np.random.default_rng(3)
    shapes = [(1, 1, 1, 0), (2, 3, 5, 3), (7, 4, 9, 1), (8, 8, 8, 0), (255, 3, 300, 40)]
    for _, layer in corpus_layers("CONV_2D"):
        out_c, kh, kw, depth = layer.inputs[1].shape
        shapes.append((kh * kw * depth, min(out_c, 8), kh * kw * depth, 0))
    for n, channels, w_stride, k0 in shapes:
        q = rng.integers(0, 256, (n, LANES)).astype(np.uint8)
        w = int8(rng, channels, w_stride)
        init = rng.integers(-(1 << 24), 1 << 24, channels).astype(np.int32)
        prev = rng.integers(-(1 << 24), 1 << 24, (channels, LANES)).astype(np.int32)
        np.testing.assert_array_equal(k.dot8(q, w, k0, n, init=init), dot8_reference(q, w, k0, n, init[:, None]))
        np.testing.assert_array_equal(k.dot8(q, w, k0, n, acc=prev), dot8_reference(q, w, k0, n, prev))
    q = np.full((100, LANES), 255, np.uint8)  # largest products
    w = np.full((2, 100), -128, np.int8)
    np.testing.assert_array_equal(k.dot8(q, w, 0, 100, init=np.zeros(2, np.int32)), dot8_reference(q, w, 0, 100, np.zeros((2, 1))))


def gather_reference(x, group, depth, lanes, t0, taps, kw, dilation, pad):
    in_h, in_w, _ = x.shape
    out = np.full((taps * depth, LANES), 0xEE, np.int64)
    for p, (iy0, ix0) in enumerate(lanes):
        col = []
        for t in range(t0, t0 + taps):
            ky, kx = divmod(t, kw)
            iy, ix = iy0 + ky * dilation[0], ix0 + kx * dilation[1]
            if 0 <= iy < in_h and 0 <= ix < in_w:
                col += [int(v) + 128 for v in x[iy, ix, group * depth : (group + 1) * depth]]
            else:
                col += [pad] * depth
        out[:, p] = col
    return out


def conv_lanes(out_hw, stride, pad, first_pixel, count):
    """(iy0, ix0) of `count` output pixels from `first_pixel`, row by row."""
    oh, ow = out_hw
    lanes = []
    for pixel in range(first_pixel, first_pixel + count):
        oy, ox = divmod(pixel % (oh * ow), ow)
        lanes.append((oy * stride[0] - pad[0], ox * stride[1] - pad[1]))
    return lanes


def test_gather8_exact(k):
    rng = np.random.default_rng(4)
    cases = [  # image (h, w, c), depth, group, kernel (kh, kw), stride, dilation, pad, t0, taps, lanes
        ((5, 5, 3), 3, 0, (3, 3), (1, 1), (1, 1), (1, 1), 0, 9, 8),
        ((6, 7, 8), 4, 1, (3, 3), (2, 2), (2, 2), (2, 2), 2, 5, 8),
        ((4, 4, 16), 16, 0, (1, 1), (1, 1), (1, 1), (0, 0), 0, 1, 3),
        ((3, 3, 1), 1, 0, (3, 3), (1, 1), (1, 1), (1, 1), 0, 9, 1),
        ((9, 10, 2), 2, 0, (5, 3), (1, 2), (1, 1), (2, 1), 4, 11, 8),
    ]
    for _, layer in corpus_layers("CONV_2D"):  # the first block of each corpus conv, borders included
        _, kh, kw, depth = layer.inputs[1].shape
        _, h, w, c = layer.inputs[0].shape
        pad = ((kh - 1) // 2, (kw - 1) // 2) if layer.options["padding"] == 0 else (0, 0)
        if depth <= 64:
            cases.append(((h, w, c), depth, 0, (kh, kw), layer.options["stride"], layer.options["dilation"], pad, 0, kh * kw, 8))
    for shape, depth, group, (kh, kw), stride, dilation, pad, t0, taps, count in cases:
        x = int8(rng, *shape)
        out_hw = (shape[0] // stride[0] + 1, shape[1] // stride[1] + 1)
        lanes = conv_lanes(out_hw, stride, pad, int(rng.integers(0, 3)), count)
        zp_u = int(rng.integers(0, 256))
        got = k.gather8(x, group, depth, lanes, t0, taps, kw, dilation, zp_u)
        np.testing.assert_array_equal(got, gather_reference(x, group, depth, lanes, t0, taps, kw, dilation, zp_u))


def dw_reference(u, w, init, lanes, dilation, pad):
    in_h, in_w, channels = u.shape
    kh, kw, outputs = w.shape
    out = np.zeros((outputs, LANES), np.int64)
    for p, (iy0, ix0) in enumerate(lanes):
        s = init.astype(np.int64).copy()
        for ky in range(kh):
            for kx in range(kw):
                iy, ix = iy0 + ky * dilation[0], ix0 + kx * dilation[1]
                inside = 0 <= iy < in_h and 0 <= ix < in_w
                pixel = u[iy, ix].astype(np.int64) if inside else np.full(channels, pad, np.int64)
                s += w[ky, kx].astype(np.int64) * np.repeat(pixel, outputs // channels)
        out[:, p] = s
    return out


def test_dw8_exact(k):
    rng = np.random.default_rng(5)
    cases = [  # image (h, w, c), multiplier, kernel, stride, dilation, pad, lanes
        ((9, 9, 1), 8, (3, 3), (2, 2), (1, 1), (1, 1), 8),
        ((5, 5, 3), 2, (3, 3), (1, 1), (1, 1), (1, 1), 3),
        ((7, 7, 16), 1, (3, 3), (1, 1), (2, 2), (2, 2), 8),
        ((4, 6, 5), 1, (5, 5), (1, 1), (1, 1), (2, 2), 7),
        ((3, 3, 2), 1, (1, 1), (1, 1), (1, 1), (0, 0), 1),
    ]
    for _, layer in corpus_layers("DEPTHWISE_CONV_2D"):
        _, kh, kw, outputs = layer.inputs[1].shape
        _, h, w, c = layer.inputs[0].shape
        pad = ((kh - 1) // 2, (kw - 1) // 2) if layer.options["padding"] == 0 else (0, 0)
        cases.append(((h, w, c), outputs // c, (kh, kw), layer.options["stride"], layer.options["dilation"], pad, 8))
    for shape, m, (kh, kw), stride, dilation, pad, count in cases:
        u = rng.integers(0, 256, shape).astype(np.uint8)
        w = int8(rng, kh, kw, shape[2] * m)
        init = rng.integers(-(1 << 24), 1 << 24, shape[2] * m).astype(np.int32)
        out_hw = (shape[0] // stride[0] + 1, shape[1] // stride[1] + 1)
        for first in (0, out_hw[0] * out_hw[1] - count):  # top-left and bottom-right borders
            lanes = conv_lanes(out_hw, stride, pad, first, count)
            zp_u = int(rng.integers(0, 256))
            got = k.dw8(u, w, init, lanes, dilation, zp_u)
            np.testing.assert_array_equal(got[:, :count], dw_reference(u, w, init, lanes, dilation, zp_u)[:, :count])


def test_flip_bytes(k):
    data = np.random.default_rng(6).integers(0, 256, 4096).astype(np.uint8)
    np.testing.assert_array_equal(k.flip_bytes(data), data ^ 0x80)


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
    assert compare(jobs, "thumb") == len(jobs)


def glue_calls(tmp_path, model_bytes):
    """{(kernel, shape): calls} the Thumb glue makes in one invoke, over the twin kernels."""
    path = tmp_path / "m.tflite"
    path.write_bytes(model_bytes)
    script = tmp_path / "calls.py"
    script.write_text(
        "import sys, thumb_twin\nthumb_twin.install()\nimport ulite\n"
        "interp = ulite.Interpreter(open(sys.argv[1], 'rb').read(), loops='thumb')\n"
        "interp.invoke()\nprint(repr(sorted(thumb_twin.CALLS.items())))\n"
    )
    result = unix_port.run(script, [path], heap=8 << 20, extra_path=[TWIN_DIR])
    assert result.returncode == 0, result.stderr
    return dict(eval(result.stdout.strip().splitlines()[-1]))


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
    models = [model_path(n).read_bytes() for n in ("ad01_int8", "hello_world_int8")]
    models.append(fc_model(rng, 3, 40, 150, True, True, 1))
    for model in models:
        assert glue_calls(tmp_path, model) == planned_calls(model)


# --- which backend each port runs --------------------------------------------------------


def test_backend_choice_by_port(micropython):
    out = micropython(
        "import sys\nsys.path.append(%r)\n"
        "from ulite import loops\n"
        "print(loops.native_arch(), loops.backend().__name__)\n"
        "try:\n    loops.backend('thumb')\nexcept SyntaxError:\n    print('no asm_thumb')\n"
        "loops.native_arch = lambda: 4  # an armv6m port without the inline assembler\n"
        "print(loops.backend().__name__)\n"
        "import thumb_twin\nthumb_twin.install()\n"
        "print(loops.backend().__name__)\n"
        "loops.native_arch = lambda: 10  # xtensawin\n"
        "print(loops.backend().__name__)\n" % str(TWIN_DIR)
    )
    assert out.split("\n")[:5] == ["2 ulite.loops.viper", "no asm_thumb", "ulite.loops.viper", "ulite.loops.thumb", "ulite.loops.viper"]


def test_bench_board_rp2040_reports_an_estimate():
    result = subprocess.run(
        [sys.executable, "-m", "host_tools", "bench", "--board", "rp2040", "--per-op", str(MODELS / "ad01_int8.tflite")],
        capture_output=True, text=True, cwd=MPY_DIR.parent,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("ad01_int8: estimated RP2040 ") and "ms per invoke at 133 MHz" in lines[0]
    total = float(lines[0].split()[3])
    per_op = [float(line.split()[1]) for line in lines[1:]]
    assert len(per_op) == 10 and abs(sum(per_op) - total) < 0.1
