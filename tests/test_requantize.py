"""The loops' requantize against TFLM's MultiplyByQuantizedMultiplier, on random int32s.

Kernels of every family funnel their accumulators through it, so it is checked over the
whole int32 range: extreme accumulators, multipliers and shifts, every output width, and the
ReLU shortcut (lo >= zp: accumulators <= 0 need no multiply).
"""

import json
import sys

import numpy as np
import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "mpy"))
from ulite.quant import mbqm  # noqa: E402

DEVICE = """
import json, struct, sys
from ulite.loops import backend
requantize = backend(sys.argv[2]).requantize
out = []
for case in json.load(open(sys.argv[1])):
    n, channels, itemsize = len(case["acc"]), len(case["mult"]), case["itemsize"]
    acc = bytearray(4 * n)
    for i, v in enumerate(case["acc"]):
        struct.pack_into("<i", acc, 4 * i, v)
    tables = bytearray(5 * channels)
    for c in range(channels):
        struct.pack_into("<i", tables, 4 * c, case["mult"][c])
        tables[4 * channels + c] = case["shift"][c] & 0xFF
    rq = (tables, channels, case["zp"], case["lo"], case["hi"], itemsize)
    dst = bytearray(itemsize * (n + 2))
    requantize(acc, dst, 2, n, rq, case["first"])
    fmt = {1: "<b", 2: "<h", 4: "<i"}[itemsize]
    out.append([struct.unpack_from(fmt, dst, itemsize * (2 + i))[0] for i in range(n)])
print(json.dumps(out))
"""


def cases(rng):
    result = []
    for _ in range(120):
        channels = int(rng.integers(1, 6))
        mult = [int(v) for v in rng.integers(1 << 30, 1 << 31, channels)]
        mult[0] = int(rng.choice([mult[0], 1 << 30, (1 << 31) - 1, 0]))
        shift = [int(v) for v in rng.integers(-31, 9, channels)]
        itemsize = int(rng.choice([1, 1, 2, 4]))
        info = {1: np.iinfo(np.int8), 2: np.iinfo(np.int16), 4: np.iinfo(np.int32)}[itemsize]
        zp = int(rng.integers(-128, 128)) if itemsize == 1 else 0
        lo, hi = sorted(int(v) for v in rng.integers(info.min, int(info.max) + 1, 2))
        if rng.integers(2):  # a fused ReLU: lo at the zero point
            lo, hi = max(zp, int(info.min)), int(info.max)
        first = int(rng.integers(0, channels))
        acc = []
        for i in range(64):
            left = max(shift[(first + i) % channels], 0)
            top = (1 << (31 - left)) - 1  # TFLM requires acc * 2**shift to fit int32
            kind = rng.integers(4)
            if kind == 0:
                acc.append(int(rng.choice([-top - 1, top, 0, 1, -1])))
            elif kind == 1:
                acc.append(int(rng.integers(-1000, 1000)))
            else:
                acc.append(int(rng.integers(-top - 1, top + 1)))
        result.append(
            dict(
                acc=acc,
                mult=mult,
                shift=shift,
                zp=zp,
                lo=lo,
                hi=hi,
                itemsize=itemsize,
                first=first,
            )
        )
    return result


@pytest.mark.parametrize("loops", ["viper", "plain"])
def test_requantize_matches_tflm(micropython, tmp_path, loops):
    data = cases(np.random.default_rng(30))
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(data))
    got = json.loads(micropython(DEVICE, heap="4M", args=[path, loops]).splitlines()[-1])
    for case, out in zip(data, got):
        channels = len(case["mult"])
        for i, (x, g) in enumerate(zip(case["acc"], out)):
            c = (case["first"] + i) % channels
            want = min(
                case["hi"],
                max(case["lo"], mbqm(x, case["mult"][c], case["shift"][c]) + case["zp"]),
            )
            assert g == want, (
                x,
                case["mult"][c],
                case["shift"][c],
                case["zp"],
                case["lo"],
                case["hi"],
            )
