"""UNIDIRECTIONAL_SEQUENCE_LSTM (TFLM unidirectional_sequence_lstm.cc, lstm_eval.h,
lstm_eval_common.cc): an LSTM over the time steps of its input, its hidden and cell states
(inputs 18 and 19, variable tensors) kept across invokes; reset() clears them.

As TFLM's kernel: the four gates with their input and recurrent weights and biases, no
peephole, projection or layer norm tensors, a cell gate through tanh, time major or not.
float32: every tensor float32. int8: int8 input, weights (per tensor, zero point 0) and
hidden state, int32 biases, an int16 cell state; the gates in int16 (Q3.12 before their
sigmoid or tanh, Q0.15 after). 16x8: the same with int16 input, hidden state and output and
int64 biases, each gate's fully connected sums in int64 (the loops' fully_connected_16x8).

TFLM's LSTM reads one multiplier per weights tensor: with per-channel weights it applies
none of their scales (it requantizes by a multiplier it never set), so they are refused.
"""

import math
import struct
from array import array

from .. import quant, sigmoid_lut
from ..tensor import INT_RANGES
from ..views import float32_view, int32_view
from . import wide
from .common import arity, quantized, require, requant_bytes, requant_params, unsupported

_OPTIONS = "UnidirectionalSequenceLSTMOptions"
_TANH_ACTIVATION = 4  # ActivationFunctionType TANH
_HIDDEN, _CELL = 18, 19
_ABSENT = {9: "peephole", 10: "peephole", 11: "peephole", 16: "projection", 17: "projection",
           20: "layer norm", 21: "layer norm", 22: "layer norm", 23: "layer norm"}  # fmt: skip
# input, weights, biases, hidden, cell, output
_TYPES = (("float32",) * 6, ("int8", "int8", "int32", "int8", "int16", "int8"),
          ("int16", "int8", "int64", "int16", "int16", "int16"))  # fmt: skip
_RQS = 11  # requantizations of lstm_int8: 4 input FCs, 4 recurrent FCs, 3 products
_PRODUCT_RQS = 3  # of lstm_16x8, after its FCs' tables: the 3 products
_WEIGHT_NAMES = ("input to input", "input to forget", "input to cell", "input to output",
                 "recurrent to input", "recurrent to forget", "recurrent to cell", "recurrent to output")  # fmt: skip
_GATE_SCALE_BITS = 0x39800000  # float32 2**-12: the gates before their sigmoid or tanh (Q3.12)
_ACTIVATED_SCALE_BITS = 0x38000000  # float32 2**-15: after it (Q0.15)


def _weights(op):
    """(input weights, recurrent weights, biases) of the gates input, forget, cell, output."""
    return op.inputs[1:5], op.inputs[5:9], op.inputs[12:16]


def check(op, requests):
    arity(op, (1, 24), 1)
    require(len(op.inputs) == 24, op, "expects 24 inputs, has %d", len(op.inputs))
    for i, what in _ABSENT.items():
        if op.inputs[i] is not None:
            unsupported("%s tensors" % what)
    for i in list(range(1, 9)) + list(range(12, 16)) + [_HIDDEN, _CELL]:
        require(op.inputs[i] is not None, op, "input %d is missing", i)
    activation = op.option(_OPTIONS, 0, "b", 0)
    if activation != _TANH_ACTIVATION:
        unsupported("cell gate activation %d (TFLM's kernel runs tanh)" % activation)
    x, out = op.inputs[0], op.outputs[0]
    hidden, cell = op.inputs[_HIDDEN], op.inputs[_CELL]
    input_weights, recurrent_weights, biases = _weights(op)
    weights = input_weights + recurrent_weights
    types = (x.dtype, weights[0].dtype, biases[0].dtype, hidden.dtype, cell.dtype, out.dtype)
    if types not in _TYPES:
        unsupported("input, weights, biases, hidden, cell, output of types %s" % ",".join(types))
    if any(w.dtype != types[1] for w in weights) or any(b.dtype != types[2] for b in biases):
        unsupported("gates of mixed types")
    for t in weights + biases:
        if not t.is_constant:
            unsupported("non-constant weights")
    require(len(x.shape) == 3, op, "input must be 3-D, got shape %s", (x.shape,))
    batches = x.shape[1] if op.option(_OPTIONS, 3, "b", 0) else x.shape[0]
    input_size = x.shape[2]
    units = hidden.shape[-1] if hidden.shape else 0
    for w in input_weights:
        require(tuple(w.shape) == (units, input_size), op, "input weights %s, expected %s", (w.shape, (units, input_size)))
    for w in recurrent_weights:
        require(tuple(w.shape) == (units, units), op, "recurrent weights %s, expected %s", (w.shape, (units, units)))
    for b in biases:
        require(tuple(b.shape) == (units,), op, "bias %s, expected %s", (b.shape, (units,)))
    for state in (hidden, cell):
        require(state.is_variable and state.size == batches * units, op,
                "state %d must be a variable tensor of %d values", (state.index, batches * units))  # fmt: skip
    expected = tuple(x.shape[:2]) + (units,)
    require(tuple(out.shape) == expected, op, "output %s, expected %s", (out.shape, expected))
    requests.scratch(_gates_bytes(units, cell.itemsize))
    if x.dtype == "float32":
        return
    for what, w in zip(_WEIGHT_NAMES, weights):
        quantized(op, w)
        if w.channels() != 1:
            unsupported("tensor %d '%s' (%s weights) is quantized per channel: TFLM's LSTM "
                        "applies one scale per weights tensor" % (w.index, w.name, what))  # fmt: skip
        if w.zero_point != 0:
            unsupported("tensor %d '%s' (%s weights) has zero point %d" % (w.index, w.name, what, w.zero_point))
    if x.dtype == "int8":
        requests.scratch(4 * units)
        requests.persistent(_RQS * requant_bytes(1))
        return
    wide.check_shifts(_fc_multipliers(op))
    requests.scratch(4 * units + _row_bytes(input_size) + 2 * units)
    requests.persistent(8 * wide.table_bytes(units, 1) + _PRODUCT_RQS * requant_bytes(1))


def _row_bytes(count):
    """Bytes of `count` int16s, to a multiple of 4."""
    return (2 * count + 3) & ~3


def _fc_multipliers(op):
    """The (multiplier, shift) of each gate's input FC, then of each recurrent FC, as TFLM's
    CreateGateParams derives them: into the gates' Q3.12."""
    x, hidden = quantized(op, op.inputs[0]), quantized(op, op.inputs[_HIDDEN])
    input_weights, recurrent_weights, _ = _weights(op)
    fc = quant.fc_per_tensor_multiplier
    found = [fc(x.scale_bits(), w.scale_bits(), _GATE_SCALE_BITS) for w in input_weights]
    return found + [fc(hidden.scale_bits(), w.scale_bits(), _GATE_SCALE_BITS) for w in recurrent_weights]


def _gates_bytes(units, itemsize):
    """Scratch bytes of the four gates and a buffer, to a multiple of 4 (int32s follow)."""
    return (5 * units * itemsize + 3) & ~3


def prepare(op, context):
    x, out = op.inputs[0], op.outputs[0]
    hidden, cell = op.inputs[_HIDDEN], op.inputs[_CELL]
    input_weights, recurrent_weights, biases = _weights(op)
    time_major = op.option(_OPTIONS, 3, "b", 0)
    batches, steps = (x.shape[1], x.shape[0]) if time_major else x.shape[:2]
    units = hidden.shape[-1]
    clip = op.option(_OPTIONS, 1, "f", 0.0)
    gates_bytes = _gates_bytes(units, cell.itemsize)
    gates = context.scratch[:gates_bytes]
    geometry = (batches, steps, 1 if time_major else 0, x.shape[2], units)
    if x.dtype == "float32":
        view = float32_view
        tensors = (view(out.data), view(x.data), tuple(view(w.data) for w in input_weights))
        tensors += (tuple(view(w.data) for w in recurrent_weights), tuple(view(b.data) for b in biases))
        tensors += (view(hidden.data), view(cell.data))
        return context.loops.lstm_float32, tensors + geometry + (view(gates), clip, array("f", (0.0, 0.0)))
    tensors = (out.data, x.data, tuple(w.data for w in input_weights), tuple(w.data for w in recurrent_weights))
    tensors += (tuple(b.data for b in biases), hidden.data, cell.data)
    if x.dtype == "int16":
        return context.loops.lstm_16x8, tensors + geometry + (gates,) + _16x8_args(op, context, gates_bytes, clip)
    return context.loops.lstm_int8, tensors + geometry + (gates,) + _int8_args(op, context, gates_bytes, clip)


class _Int16Gate:
    """What requant_params and _rq_writer read of an output, for TFLM's symmetric int16
    gate values."""

    dtype = "int16"
    zero_point = 0
    itemsize = 2


def _rq_writer(region):
    """rq(multiplier, output, largest |accumulator|): one-channel requantization tables
    written one after another into `region`, returning each's rq tuple (output: a tensor or
    an _Int16Gate, whose type bounds the values)."""
    size = requant_bytes(1)
    written = []

    def rq(multiplier, output, largest_acc):
        at = len(written) * size
        lo, hi = INT_RANGES[output.dtype]
        written.append(requant_params(region[at : at + size], [multiplier], output, lo, hi, largest_acc))
        return written[-1]

    return rq


def _int8_args(op, context, gates_bytes, clip):
    x = quantized(op, op.inputs[0])
    hidden, cell = quantized(op, op.inputs[_HIDDEN]), quantized(op, op.inputs[_CELL])
    biases = _weights(op)[2]
    units = hidden.shape[-1]
    rq = _rq_writer(context.persistent)
    gate = _Int16Gate()
    multipliers = _fc_multipliers(op)
    rq_input, rq_recurrent = [], []
    for multiplier, b in zip(multipliers, biases):
        bias = int32_view(b.data)
        largest = max(abs(bias[u]) for u in range(units)) + 128 * 255 * x.shape[2]
        rq_input.append(rq(multiplier, gate, largest))
    for multiplier in multipliers[4:]:
        rq_recurrent.append(rq(multiplier, gate, 128 * 255 * units))
    forget_cell, input_cell, to_hidden = _product_rqs(rq, cell, hidden, gate)
    multiplier, shift = _tanh_scaling(op, cell.scale)
    acc = context.scratch[gates_bytes : gates_bytes + 4 * units]
    return (_quantized_clip(clip, cell.scale_bits()), x.zero_point, hidden.zero_point, acc, tuple(rq_input),
            tuple(rq_recurrent), forget_cell, input_cell, to_hidden, multiplier, shift, sigmoid_lut.TABLE)  # fmt: skip


def _product_rqs(rq, cell, hidden, gate):
    """The requantizations of CreateInterGateMulParams' three products (of two int16 values,
    at most 2**30): forget gate x cell into the cell, input gate x cell gate into the
    buffer, tanh(cell) x output gate into the hidden state."""
    cell_bits, activated = cell.scale_bits(), _ACTIVATED_SCALE_BITS
    product = 1 << 30
    forget_cell = rq(quant.conv_multiplier(activated, cell_bits, cell_bits), gate, product)
    input_cell = rq(quant.conv_multiplier(activated, activated, cell_bits), gate, product)
    to_hidden = rq(quant.conv_multiplier(activated, activated, hidden.scale_bits()), hidden, product)
    return forget_cell, input_cell, to_hidden


def _16x8_args(op, context, gates_bytes, clip):
    """lstm_16x8's arguments after the gates: each gate's input FC (bias added) and recurrent
    FC as fully_connected_16x8 runs them (in the interpreter's shared accumulator chunk, as
    FULLY_CONNECTED does), on int16 rows the loop copies the step's input and hidden state
    into, their int64 tables in context.persistent (derived unless precomputed); the
    products' requantizations after them."""
    x, hidden, cell = op.inputs[0], op.inputs[_HIDDEN], op.inputs[_CELL]
    input_weights, recurrent_weights, biases = _weights(op)
    units, input_size = hidden.shape[-1], x.shape[2]
    scratch = context.scratch
    gates = scratch[:gates_bytes]
    acc_end = gates_bytes + 4 * units
    acc = scratch[gates_bytes:acc_end]
    chunk = len(context.acc) // 12  # int64 accumulators, then the loop's int32 sums
    x_row = scratch[acc_end : acc_end + 2 * input_size]
    hidden_at = acc_end + _row_bytes(input_size)
    hidden_row = scratch[hidden_at : hidden_at + 2 * units]
    buffer = gates[8 * units : 10 * units]
    lo, hi = INT_RANGES["int16"]
    multipliers = _fc_multipliers(op)
    table = wide.table_bytes(units, 1)
    fcs = []
    for g, w in enumerate(input_weights + recurrent_weights):
        init = context.persistent[g * table : g * table + 8 * units]
        region = context.persistent[g * table + 8 * units : (g + 1) * table]
        bias, zero_point = (biases[g], x.zero_point) if g < 4 else (None, hidden.zero_point)
        if not context.precomputed:
            tensors = (w, bias, 0)
            wide.derive_tables(op, context.loops, tensors, [multipliers[g]], 64, (zero_point, 0), init, region)
        row, depth = (x_row, input_size) if g < 4 else (hidden_row, units)
        out = gates[2 * g * units : 2 * (g + 1) * units] if g < 4 else buffer
        rq = (region, 1, 0, lo, hi, 2, 64)
        fcs.append((out, row, w.data, init, 1, context.acc, chunk, 1, depth, units, 0, rq))
    rq = _rq_writer(context.persistent[8 * table :])
    forget_cell, input_cell, to_hidden = _product_rqs(rq, cell, hidden, _Int16Gate())
    multiplier, shift = _tanh_scaling(op, cell.scale)
    return (_quantized_clip(clip, cell.scale_bits()), x_row, hidden_row, acc, tuple(fcs[:4]), tuple(fcs[4:]),
            forget_cell, input_cell, to_hidden, multiplier, shift, sigmoid_lut.TABLE,
            context.loops.fully_connected_16x8)  # fmt: skip


def _quantized_clip(clip, cell_bits):
    """CreateLstmCellStateInfo's quantized_cell_clip: (int16)min(clip / cell scale, 32767) in
    double, truncated; 0 (no clipping) for a clip <= 0."""
    if not clip > 0:
        return 0
    bits = struct.unpack("<I", struct.pack("<f", clip))[0]
    ratio = quant.divide(quant.from_float32_bits(bits), quant.from_float32_bits(cell_bits), quant.DOUBLE)
    whole = ratio.m << ratio.e if ratio.e >= 0 else ratio.m >> -ratio.e
    return min(whole, 32767)


def _tanh_scaling(op, cell_scale):
    """lstm_eval.cc Tanh's input scaling of the cell state, whose scale is 2**p (CheckedLog2
    rounds log2 of the scale): (multiplier, right shift) for (x * multiplier + round) >> shift."""
    left_shift = 15 + round(math.log(cell_scale) / math.log(2)) - 3
    if left_shift < 0:
        return 3, -left_shift
    require(left_shift <= 14, op, "cell state scale %g is too large for int16 tanh", cell_scale)
    return 3 << left_shift, 0
