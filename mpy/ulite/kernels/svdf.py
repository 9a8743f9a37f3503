"""SVDF (TFLM svdf.cc, svdf_common.cc): a rank-decomposed filter over the last `memory`
inputs. Its activation state (input 4, a variable tensor) keeps each filter's last
`memory` values across invokes; reset() clears it.

int8: int8 input, feature weights and output, the time weights and state int16 (or
int8) with zero point 0, int32 bias; TFLM's integer kernel clamps to the int8 range and
applies no fused activation. float32: every tensor float32, a fused NONE, RELU,
RELU_N1_TO_1 or RELU6.
"""

from array import array

from .. import quant
from ..tensor import INT_RANGES
from ..views import float32_view, int32_view
from .common import arity, float_bounds, io_types, quantized, require, requant_bytes, requant_params, unsupported

_OPTIONS = "SVDFOptions"
_INT8 = ("int8,int8,int16,int32,int16->int8", "int8,int8,int8,int32,int8->int8")
_FLOAT = ("float32,float32,float32,float32,float32->float32",)
_FLOAT_ACTIVATIONS = (0, 1, 2, 3)  # NONE, RELU, RELU_N1_TO_1, RELU6


def check(op, requests):
    arity(op, 5, 1)  # TFLM's kernel reads a bias whatever the schema allows
    types = io_types(op)
    if types not in _INT8 + _FLOAT:
        unsupported(types)
    x, weights_feature, weights_time, bias, state = op.inputs
    rank = op.option(_OPTIONS, 0, "i", 0)
    require(len(x.shape) == 2, op, "input must be 2-D, got shape %s", (x.shape,))
    batches, input_size = x.shape
    require(len(weights_feature.shape) == 2 and weights_feature.shape[1] == input_size, op,
            "feature weights %s do not match input %s", (weights_feature.shape, x.shape))  # fmt: skip
    filters = weights_feature.shape[0]
    require(rank > 0 and filters % rank == 0, op, "%d filters do not split into rank %d", (filters, rank))
    units = filters // rank
    require(len(weights_time.shape) == 2 and weights_time.shape[0] == filters, op,
            "time weights %s do not match %d filters", (weights_time.shape, filters))  # fmt: skip
    memory = weights_time.shape[1]
    require(memory > 0, op, "time weights have no memory")
    require(rank * memory < 1 << 15, op, "%d time weights per unit, 32767 at most", rank * memory)
    require(bias.size == units, op, "bias has %d values for %d units", (bias.size, units))
    require(tuple(state.shape) == (batches, memory * filters) and state.is_variable, op,
            "activation state must be a variable tensor of shape %s", ((batches, memory * filters),))  # fmt: skip
    require(tuple(op.outputs[0].shape) == (batches, units), op, "output must be of shape %s", ((batches, units),))
    for t in (weights_feature, weights_time, bias):
        if not t.is_constant:
            unsupported("non-constant weights")
    if x.dtype == "int8":
        if state.zero_point != 0:
            unsupported("activation state with zero point %d" % state.zero_point)
        requests.persistent(2 * requant_bytes(1))
        requests.scratch(_acc_bytes(batches, filters, units) + filters * state.itemsize)
    elif op.option(_OPTIONS, 1, "b", 0) not in _FLOAT_ACTIVATIONS:
        unsupported("fused activation %d" % op.option(_OPTIONS, 1, "b", 0))


def _acc_bytes(batches, filters, units):
    """Scratch of int32 accumulators, a batch row's filters' or every output's; a batch
    row's filters' newest values (the state's type) follow."""
    return 4 * max(filters, batches * units)


def prepare(op, context):
    x, weights_feature, weights_time, bias, state = op.inputs
    batches, input_size = x.shape
    filters, memory = weights_time.shape
    geometry = (batches, input_size, filters, op.option(_OPTIONS, 0, "i", 0), memory)
    if x.dtype == "int8":
        tensors = (op.outputs[0].data, x.data, weights_feature.data, weights_time.data)
        tensors += (bias.data, state.data)
        return context.loops.svdf_int8, tensors + geometry + _int8_args(op, context)
    tensors = tuple(float32_view(t.data) for t in (op.outputs[0], x, weights_feature, weights_time, bias, state))
    lo, hi = float_bounds(op.option(_OPTIONS, 1, "b", 0))
    f32 = array("f", (0.0, 0.0, 0.0))
    return context.loops.svdf_float32, tensors + geometry + (f32, lo, hi)


def _float32_multiplier(a_bits, b_bits, den_bits):
    """QuantizeMultiplier((double)(a * b / den)) with a * b / den in float32, as SVDF's
    prepare computes its two scales: the product rounded to float32, then the quotient."""
    product = quant.round_float(quant.from_float32_bits(a_bits).mul(quant.from_float32_bits(b_bits)), quant.FLOAT32)
    return quant.quantize_multiplier(quant.divide(product, quant.from_float32_bits(den_bits, "scale"), quant.FLOAT32))


def _int8_args(op, context):
    x, weights_feature, weights_time, bias, state = op.inputs
    out = quantized(op, op.outputs[0])
    for t in (x, weights_feature, weights_time, state):
        quantized(op, t)
    feature = _float32_multiplier(x.scale_bits(), weights_feature.scale_bits(), state.scale_bits())
    output = _float32_multiplier(state.scale_bits(), weights_time.scale_bits(), out.scale_bits())
    half = requant_bytes(1)
    lo, hi = INT_RANGES[state.dtype]
    largest_dot = 128 * 255 * x.shape[1]
    rq_feature = requant_params(context.persistent[:half], [feature], state, lo, hi, largest_dot)
    biases = int32_view(bias.data)
    largest_bias = max(abs(biases[u]) for u in range(bias.size))
    lo, hi = INT_RANGES["int8"]
    rq_output = requant_params(context.persistent[half:], [output], out, lo, hi, largest_bias)
    batches, filters, units = x.shape[0], weights_feature.shape[0], op.outputs[0].shape[1]
    acc_bytes = _acc_bytes(batches, filters, units)
    newest = context.scratch[acc_bytes : acc_bytes + filters * state.itemsize]
    return (context.scratch[:acc_bytes], state.itemsize, x.zero_point, rq_feature, rq_output, newest)
