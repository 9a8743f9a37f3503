"""SignalFftAutoScale (TFLM signal/micro/kernels/fft_auto_scale_kernel.cc,
signal/src/fft_auto_scale.cc): the int16 input shifted left as far as its largest
magnitude allows, and the shift as an int32 scalar."""

from .common import arity, require
from .signal_common import ranks, types


def check(op, requests):
    arity(op, 1, 2)
    types(op, "int16->int16,int32")
    ranks(op, (1,), (1, 0))
    x, out = op.inputs[0], op.outputs[0]
    require(x.size == out.size, op, "input %s and output %s differ", (x.shape, out.shape))


def prepare(op, context):
    x = op.inputs[0]
    out, scale_bits = op.outputs
    return context.loops.fft_auto_scale_int16, (out.data, x.data, x.size, scale_bits.data)
