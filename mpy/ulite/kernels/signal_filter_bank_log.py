"""SignalFilterBankLog (TFLM signal/micro/kernels/filter_bank_log.cc,
signal/src/filter_bank_log.cc, log.cc): output_scale * ln(x << input_correction_bits) in
Q16 fixed point per channel, capped at 32767, as int16."""

from .common import arity, require
from .signal_common import options, ranks, types


def check(op, requests):
    arity(op, 1, 1)
    types(op, "uint32->int16")
    ranks(op, (1,), (1,))
    x, out = op.inputs[0], op.outputs[0]
    require(x.size == out.size, op, "input %s and output %s differ", (x.shape, out.shape))
    options(op, "input_correction_bits", "output_scale")


def prepare(op, context):
    x = op.inputs[0]
    bits, scale = options(op, "input_correction_bits", "output_scale")
    return context.loops.filter_bank_log_uint32, (op.outputs[0].data, x.data, x.size, bits, scale)
