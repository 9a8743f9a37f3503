"""SignalFilterBankSpectralSubtraction (TFLM signal/micro/kernels/
filter_bank_spectral_subtraction.cc, signal/src/filter_bank_spectral_subtraction.cc):
each channel minus a running noise estimate, floored at a fraction of itself.

The noise estimate is the op's state (requests.state): it carries from one invoke to the
next, starts at zero and goes back to zero on Interpreter.reset(), as in TFLM. The second
output is a copy of it.
"""

from .common import arity, refuse
from .signal_common import options, ranks, types

_SETTINGS = (
    "smoothing",
    "one_minus_smoothing",
    "alternate_smoothing",
    "alternate_one_minus_smoothing",
    "min_signal_remaining",
    "smoothing_bits",
    "spectral_subtraction_bits",
    "clamping",
)  # in layouts.signal SUBTRACT_ field order


def check(op, requests):
    arity(op, 1, 2)
    types(op, "uint32->uint32,uint32")
    ranks(op, (1,), (1, 1))
    (channels,) = options(op, "num_channels")
    for t in op.inputs + op.outputs:
        if t.size != channels:
            refuse(op, "tensor '%s' has %d values for %d channels" % (t.name, t.size, channels))
    options(op, *_SETTINGS)
    requests.state(4 * channels)


def prepare(op, context):
    out, noise_out = op.outputs
    x = op.inputs[0]
    settings = tuple(options(op, *_SETTINGS))  # int32s: TFLM's uint32 settings, as bits
    args = (out.data, noise_out.data, x.data, context.state, x.size, settings)
    return context.loops.spectral_subtraction_uint32, args
