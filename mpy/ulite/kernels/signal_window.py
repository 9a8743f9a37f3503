"""SignalWindow (TFLM signal/micro/kernels/window.cc, signal/src/window.cc): each
window-long run of the int16 input times the int16 window, shifted right and clamped to
int16."""

from .common import arity, require
from .signal_common import options, ranks, types


def check(op, requests):
    arity(op, 2, 1)
    types(op, "int16,int16->int16")
    ranks(op, (None, 1), (len(op.inputs[0].shape),))
    x, weights = op.inputs
    out = op.outputs[0]
    require(x.shape == out.shape, op, "input %s and output %s differ", (x.shape, out.shape))
    require(
        weights.size and x.size % weights.size == 0,
        op,
        "input of %d values is not whole windows of %d", (x.size, weights.size),
    )
    (shift,) = options(op, "shift")
    require(0 <= shift <= 31, op, "shift %d outside 0..31", shift)


def prepare(op, context):
    x, weights = op.inputs
    (shift,) = options(op, "shift")
    args = (op.outputs[0].data, x.data, weights.data, x.size, weights.size, shift)
    return context.loops.window_int16, args
