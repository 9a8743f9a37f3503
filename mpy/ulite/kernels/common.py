"""Helpers shared by kernels' check and prepare steps."""

import struct

from .. import quant
from ..errors import ModelError, UnsupportedOpError
from ..tensor import INT32_MAX, INT_RANGES
from ..views import address, int32_view

try:
    from micropython import const
except ImportError:  # CPython: the host's RP2040 estimator and tests run kernels there

    def const(value):
        return value



def require(condition, op, message, values=None):
    """Refuse the op unless `condition`: `message`, formatted with `values` only then."""
    if not condition:
        refuse(op, message if values is None else message % values)


def refuse(op, message):
    """The op's model is wrong: `message` says how. (Checks that run for every op test
    their condition first and build the message only here: formatting shapes and reading
    names from the model costs more than the check.)"""
    raise ModelError("%s: %s" % (op.where(), message))


def unsupported(message):
    raise UnsupportedOpError(message)


def io_types(op):
    """'int8,int8->int8' style signature of an op's tensor dtypes (absent inputs skipped)."""
    ins = ",".join(t.dtype for t in op.inputs if t is not None)
    return ins + "->" + ",".join(t.dtype for t in op.outputs)


def arity(op, inputs, outputs):
    """Require `inputs` (a count or (min, max)) inputs and `outputs` outputs."""
    low, high = inputs if isinstance(inputs, tuple) else (inputs, inputs)
    if not low <= len(op.inputs) <= high:
        refuse(op, "expects %s inputs, has %d" % (inputs, len(op.inputs)))
    if len(op.outputs) != outputs:
        refuse(op, "expects %d outputs, has %d" % (outputs, len(op.outputs)))
    for t in op.inputs[:low]:
        if t is None:
            refuse(op, "a required input is missing")


def constant_ints(tensor, what):
    """The values of a constant int32 tensor (paddings, axes, perm...), as a tuple."""
    if not tensor.is_constant:
        unsupported("non-constant %s tensor" % what)
    if tensor.dtype != "int32":
        unsupported("%s tensor of type %s (int32 expected)" % (what, tensor.dtype))
    return struct.unpack_from("<%di" % tensor.size, tensor.data, 0)


def aligned(tensor):
    """Refuse a constant whose values sit at an address not a multiple of their size: the
    loops load int16 and int32 values whole, which Cortex-M0+ cannot do there (converters
    align a model's buffers; a crafted model need not)."""
    if tensor.is_constant and address(tensor.data) % tensor.itemsize:
        unsupported("%s constant '%s' at a misaligned address" % (tensor.dtype, tensor.name))
    return tensor


def quantized(op, tensor):
    if tensor.quant is None:
        refuse(op, "tensor %d '%s' has no quantization" % (tensor.index, tensor.name))
    return tensor


def per_channel(op, tensor, axis):
    """Number of quantization channels of `tensor`, checked against its dimension `axis`."""
    channels = tensor.channels()
    if channels > 1 and not (
        tensor.quant[3] == axis and 0 <= axis < len(tensor.shape) and tensor.shape[axis] == channels
    ):
        refuse(
            op,
            "tensor %d '%s': %d scales on axis %d do not match shape %s (expected axis %d)"
            % (tensor.index, tensor.name, channels, tensor.quant[3], tensor.shape, axis),
        )
    return channels


def activation_bounds(op, activation, output):
    """Integer clamp range of a fused activation on a quantized output."""
    qmin, qmax = INT_RANGES[output.dtype]
    return quant.activation_range(activation, output.scale_bits(), output.zero_point, qmin, qmax)


def float_bounds(activation):
    """TFLM CalculateActivationRange for float outputs (None = unbounded)."""
    if activation == 1:
        return 0.0, None
    if activation == 3:
        return 0.0, 6.0
    if activation == 2:
        return -1.0, 1.0
    return None, None


def int32_bounds(activation):
    """TFLM CalculateActivationRange for int32 outputs."""
    if activation == 1:
        return 0, INT32_MAX
    if activation == 3:
        return 0, 6
    if activation == 2:
        return -1, 1
    return -INT32_MAX - 1, INT32_MAX


def requant_bytes(channels):
    """Persistent bytes of per-channel requantization tables (int32 multiplier, int8 shift)."""
    return 4 * channels + ((channels + 3) & ~3)


def requant_params(region, multipliers, output, lo, hi, largest_abs_acc=0, zero_point=None):
    """write_multipliers, then the rq tuple of the tables written (see requant_tuple)."""
    channels = write_multipliers(region, multipliers, largest_abs_acc)
    return requant_tuple(region, channels, output, lo, hi, zero_point)


def write_multipliers(region, multipliers, largest_abs_acc=0):
    """Write per-channel (multiplier, shift) into `region` (requant_bytes long); returns
    the number of channels.

    `multipliers` is a list of (multiplier, shift), or (channels, fn) with fn(c) giving
    channel c's: each is then written as it is derived, so a layer's hundreds of channels
    leave no small objects behind to split the heap. With largest_abs_acc, refuses
    accumulators that would overflow int32 (see check_accumulator).
    """
    if callable(multipliers[-1]):
        channels, multiplier_of = multipliers
    else:
        channels, multiplier_of = len(multipliers), lambda c: multipliers[c]
    mult32 = int32_view(region[: 4 * channels])
    shifts = region[4 * channels : 5 * channels]
    lowest, highest = 0, 0
    for c in range(channels):
        m, s = multiplier_of(c)
        if s < lowest:
            lowest = s
        if s > highest:
            highest = s
        mult32[c] = m
        shifts[c] = (s if -31 <= s <= 31 else 31 if s > 0 else -31) & 0xFF
    check_shift(largest_abs_acc, highest)
    check_shift(largest_abs_acc, lowest)
    return channels


def requant_tuple(region, channels, output, lo, hi, zero_point=None):
    """The rq tuple the loops' requantize takes (fields in layouts.requant order) for
    tables already in `region`: the tables (`channels` int32 multipliers, then `channels`
    int8 shifts), channels, the output's zero point (or `zero_point`), lo, hi and itemsize."""
    if zero_point is None:
        zero_point = output.zero_point
    return (region, channels, zero_point, lo, hi, output.itemsize)


def keep_ints(context, values):
    """Write int32 `values` (a loop's geometry) where check() asked to keep them with
    requests.ints(values); returns that arena view, so the numbers live in the arena
    rather than in a heap object per op. Ops sharing the view write the same values."""
    words = int32_view(context.ints)
    for i in range(len(values)):
        words[i] = values[i]
    return context.ints


def check_accumulator(op, largest_abs_acc, multipliers):
    """Refuse a model whose int32 accumulator (after the left shift) could overflow."""
    for _, shift in multipliers:
        check_shift(largest_abs_acc, shift)


def check_shift(largest_abs_acc, shift):
    if largest_abs_acc << max(shift, 0) > INT32_MAX or shift < -31:
        unsupported(
            "accumulators up to %d with requantization shift %d overflow int32"
            % (largest_abs_acc, shift)
        )
