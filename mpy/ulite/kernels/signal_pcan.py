"""SignalPCAN (TFLM signal/micro/kernels/pcan.cc, signal/src/pcan_argc_fixed.cc):
per-channel automatic gain control, the gain looked up for each channel's noise estimate
in an int16 table, then PCAN's shrink."""

from .common import arity, require
from .signal_common import options, ranks, types

_LUT_ENTRIES = 125  # WideDynamicFunction reads up to entry 4 * 32 - 6 + 2


def check(op, requests):
    arity(op, 3, 1)
    types(op, "uint32,uint32,int16->uint32")
    ranks(op, (1, 1, 1), (1,))
    x, noise, lut = op.inputs
    out = op.outputs[0]
    require(
        x.size == noise.size == out.size,
        op,
        "input, noise estimate and output hold %d, %d and %d channels", (x.size, noise.size, out.size),
    )
    require(
        lut.size >= _LUT_ENTRIES,
        op,
        "gain table has %d entries, fewer than the %d a uint32 noise estimate may read", (lut.size, _LUT_ENTRIES),
    )
    options(op, "snr_shift")


def prepare(op, context):
    x, noise, lut = op.inputs
    (snr_shift,) = options(op, "snr_shift")
    args = (op.outputs[0].data, x.data, noise.data, lut.data, x.size, snr_shift)
    return context.loops.pcan_uint32, args
