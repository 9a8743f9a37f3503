"""SignalFilterBankSquareRoot (TFLM signal/micro/kernels/filter_bank_square_root.cc,
signal/src/filter_bank_square_root.cc): the rounded square root of each uint64 channel,
shifted right by the int32 scalar input (FftAutoScale's shift, read at every invoke)."""

from .common import arity, require
from .signal_common import ranks, types


def check(op, requests):
    arity(op, 2, 1)
    types(op, "uint64,int32->uint32")
    ranks(op, (1, 0), (1,))
    x, out = op.inputs[0], op.outputs[0]
    require(x.size == out.size, op, "input %s and output %s differ", (x.shape, out.shape))


def prepare(op, context):
    x, scale_bits = op.inputs
    args = (op.outputs[0].data, x.data, x.size, scale_bits.data)
    return context.loops.filter_bank_sqrt_uint64, args
