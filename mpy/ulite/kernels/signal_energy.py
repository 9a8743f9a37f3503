"""SignalEnergy (TFLM signal/micro/kernels/energy.cc, signal/src/energy.cc): the squared
magnitude of complex int16 bins start_index..end_index - 1, as uint32. Like TFLM, the
output's other elements are left as they are."""

from .common import arity, require
from .signal_common import options, ranks, types


def check(op, requests):
    arity(op, 1, 1)
    types(op, "int16->uint32")
    ranks(op, (1,), (1,))
    start, end = _bins(op)
    bins = min(op.inputs[0].size // 2, op.outputs[0].size)
    require(
        0 <= start <= end <= bins,
        op,
        "bins %d..%d outside the %d the input and output hold", (start, end, bins),
    )


def prepare(op, context):
    start, end = _bins(op)
    return context.loops.energy_int16, (op.outputs[0].data, op.inputs[0].data, start, end)


def _bins(op):
    end, start = options(op, "end_index", "start_index")
    return start, end
