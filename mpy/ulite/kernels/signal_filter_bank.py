"""SignalFilterBank (TFLM signal/micro/kernels/filter_bank.cc, signal/src/filter_bank.cc):
triangular mel filters over uint32 energies, accumulated in uint64. Each channel's
weighted sum starts from the previous channel's unweighted one.

The channel table (start frequency, start weight and width of each of num_channels + 1
channels) must be constant: prepare checks every index it leads to against the tensors,
and keeps it as int32 values the loops read.
"""

import struct

from .common import arity, keep_ints, refuse, require, unsupported
from .signal_common import options, ranks, types


def check(op, requests):
    arity(op, 6, 1)
    types(op, "uint32,int16,int16,int16,int16,int16->uint64")
    ranks(op, (1, 1, 1, 1, 1, 1), (1,))
    requests.ints(_channel_table(op))


def prepare(op, context):
    x, weights, unweights = op.inputs[:3]
    out = op.outputs[0]
    table = keep_ints(context, _channel_table(op))
    args = (out.data, x.data, weights.data, unweights.data, table, out.size)
    return context.loops.filter_bank_uint64, args


def _channel_table(op):
    """(frequency start, weight start, width) of each channel, checked in bounds."""
    x, weights, unweights, frequencies, starts, widths = op.inputs
    (channels,) = options(op, "num_channels")
    out = op.outputs[0]
    require(out.size == channels, op, "output has %d values for %d channels", (out.size, channels))
    for t in (frequencies, starts, widths):
        if not t.is_constant:
            unsupported("non-constant channel table tensor '%s'" % t.name)
        if t.size < channels + 1:
            refuse(op, "tensor '%s' has %d values for %d channels and the one before" % (t.name, t.size, channels))
    table = []
    for c in range(channels + 1):
        frequency = struct.unpack_from("<h", frequencies.data, 2 * c)[0]
        start = struct.unpack_from("<h", starts.data, 2 * c)[0]
        width = max(0, struct.unpack_from("<h", widths.data, 2 * c)[0])
        require(
            not width
            or (0 <= frequency and frequency + width <= x.size and 0 <= start
                and start + width <= min(weights.size, unweights.size)),
            op,
            "channel %d reads %d values from energy %d and weight %d, outside the tensors", (c, width, frequency, start),
        )  # fmt: skip
        table += (frequency, start, width)
    return table
