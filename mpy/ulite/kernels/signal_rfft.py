"""SignalRfft (TFLM signal/micro/kernels/rfft.cc, signal/src/rfft_int16.cc): the int16
real FFT of each row, zero-padded to fft_length, with kiss_fft's fixed-point arithmetic.

kiss_fftr packs the real row as fft_length / 2 complex values, transforms them with
kiss_fft (a mixed-radix FFT: kf_work recurses over the stages kf_factor plans) and splits
the result into the fft_length / 2 + 1 bins. Its recursion is flattened here: the input
is gathered in kf_work's order, then each stage's butterflies run over all its blocks,
innermost stage first. The constants (kiss_fft.py) live in the op's persistent memory
(derived unless convert precomputed them).
Radices above 5 are refused: TFLM's kiss_fft cannot run them (its generic butterfly
allocates, which TFLM patches to a null pointer).
"""

from ..views import int16_view
from . import kiss_fft
from .common import arity, keep_ints, require, unsupported
from .signal_common import options, ranks, types

_INT16 = 7  # TensorType of option T
_MAX_FFT_LENGTH = 1 << 15


def check(op, requests):
    arity(op, 1, 1)
    types(op, "int16->int16")
    x, out = op.inputs[0], op.outputs[0]
    ranks(op, (None,), (len(x.shape),))
    tensor_type, fft_length = options(op, "T", "fft_length")
    if tensor_type != _INT16:
        unsupported("T=%d (int16 only)" % tensor_type)
    require(
        4 <= fft_length <= _MAX_FFT_LENGTH and fft_length % 2 == 0,
        op,
        "fft_length %d is not even in 4..%d", (fft_length, _MAX_FFT_LENGTH),
    )
    half = fft_length // 2
    stages = kiss_fft.factors(half)
    if any(p > 5 for p, _ in stages):
        unsupported("fft_length %d: kiss_fft radix %d" % (fft_length, max(p for p, _ in stages)))
    require(
        x.shape[-1] <= fft_length,
        op,
        "rows of %d values are longer than fft_length %d", (x.shape[-1], fft_length),
    )
    require(
        out.shape[:-1] == x.shape[:-1] and out.shape[-1] == 2 * (half + 1),
        op,
        "output %s is not input %s's rows of %d complex bins", (out.shape, x.shape, half + 1),
    )
    requests.scratch(4 * half)  # kiss_fftr's tmpbuf: the complex FFT, in place
    requests.persistent(4 * half + 4 * (half // 2) + 2 * half)  # twiddles, super, order
    requests.ints(_stage_plan(stages))


def prepare(op, context):
    x, out = op.inputs[0], op.outputs[0]
    half = options(op, "fft_length")[0] // 2
    stages = kiss_fft.factors(half)
    tables = context.persistent
    twiddles = tables[: 4 * half]
    super_twiddles = tables[4 * half : 4 * half + 4 * (half // 2)]
    order = tables[4 * half + 4 * (half // 2) : 4 * half + 4 * (half // 2) + 2 * half]
    if not context.precomputed:
        kiss_fft.twiddles(half, int16_view(twiddles))
        kiss_fft.super_twiddles(half, int16_view(super_twiddles))
        kiss_fft.input_order(half, stages, int16_view(order))
    plan = keep_ints(context, _stage_plan(stages))
    rows = x.size // x.shape[-1] if x.shape[-1] else 0
    args = (out.data, x.data, rows, x.shape[-1], context.scratch, twiddles, super_twiddles)
    return context.loops.rfft_int16, args + (order, plan, len(stages), half)


def _stage_plan(stages):
    """(radix, m, fstride) of each stage in the order they run (kf_work's innermost first):
    fstride blocks of radix * m complex values, each recombined by one butterfly call."""
    plan = []
    fstride = 1
    for p, m in stages:
        plan = [p, m, fstride] + plan
        fstride *= p
    return plan
