"""Recurrent ops' loops in plain Python: the twin of viper/recurrent.py."""

import struct

from ...layouts import lstm
from ...tensor import INT32_MAX, INT32_MIN
from ...views import int16_view as _i16
from ...views import int32_view as _i32
from .core import requantize
from .sigmoid import logistic_tanh

_SIGNED = {1: "<b", 2: "<h"}


def _wrap32(v):
    """v modulo 2**32 as an int32: C's int32 sums wrap, and a 32-bit board's words too."""
    if INT32_MIN <= v <= INT32_MAX:
        return v
    return ((v - INT32_MIN) & 0xFFFFFFFF) + INT32_MIN


def svdf_int8(args):
    (out, x, weights_feature, weights_time, bias, state, batches, input_size, filters, rank,
     memory, acc_buf, itemsize, input_zp, rq_feature, rq_output, newest) = args  # fmt: skip
    fmt = _SIGNED[itemsize]
    acc = _i32(acc_buf)
    bias = _i32(bias)
    total = batches * filters * memory
    state[: (total - 1) * itemsize] = bytes(state[itemsize : total * itemsize])
    for b in range(batches):
        for f in range(filters):
            s = 0
            w_row, x_row = f * input_size, b * input_size
            for c in range(input_size):
                w = struct.unpack_from("<b", weights_feature, w_row + c)[0]
                s += w * (struct.unpack_from("<b", x, x_row + c)[0] - input_zp)
            acc[f] = s
        requantize(acc_buf, newest, 0, filters, rq_feature, 0)
        for f in range(filters):
            at = ((b * filters + f) * memory + memory - 1) * itemsize
            state[at : at + itemsize] = newest[f * itemsize : (f + 1) * itemsize]
    units = filters // rank
    for b in range(batches):
        for u in range(units):
            s = bias[u]
            for f in range(u * rank, (u + 1) * rank):
                row, state_row = f * memory * itemsize, (b * filters + f) * memory * itemsize
                for j in range(0, memory * itemsize, itemsize):
                    w = struct.unpack_from(fmt, weights_time, row + j)[0]
                    s += w * struct.unpack_from(fmt, state, state_row + j)[0]
                s = _wrap32(s)
            acc[b * units + u] = s
    requantize(acc_buf, out, 0, batches * units, rq_output, 0)


def _fc_int16(acc_buf, out, out_start, weights, x, x_start, depth, units, zero_point, rq, bias=None):
    """out[out_start:out_start + units] (int16) = requantized bias + weights . (x[x_start:
    x_start + depth] - zero_point), a unit a row of weights."""
    acc = _i32(acc_buf)
    for u in range(units):
        s = bias[u] if bias is not None else 0
        w_start = u * depth
        for k in range(depth):
            s += _s8(weights[w_start + k]) * (_s8(x[x_start + k]) - zero_point)
        acc[u] = s
    requantize(acc_buf, out, out_start, units, rq, 0)


def _s8(v):
    return (v ^ 0x80) - 0x80


def _saturating_add16(values, a, b, count):
    """values[a + i] += values[b + i], saturated to int16."""
    for i in range(count):
        v = values[a + i] + values[b + i]
        values[a + i] = -32768 if v < -32768 else 32767 if v > 32767 else v


def lstm_int8(args):
    (out, x, input_weights, recurrent_weights, biases, hidden, _, batches, time_steps,
     time_major, input_size, units, gates_buf, _, input_zp, hidden_zp, acc_buf, rq_input,
     rq_recurrent, _, _, _, _, _, table) = args  # fmt: skip
    gates = _i16(gates_buf)
    buffer = 4 * units
    for b in range(batches):
        state = b * units
        for t in range(time_steps):
            row = t * batches + b if time_major else b * time_steps + t
            for g in range(4):
                at = g * units
                bias = _i32(biases[g])
                _fc_int16(acc_buf, gates_buf, at, input_weights[g], x, row * input_size, input_size, units, input_zp, rq_input[g], bias)
                _fc_int16(acc_buf, gates_buf, buffer, recurrent_weights[g], hidden, state, units, units, hidden_zp, rq_recurrent[g])
                _activate_gate(gates, gates_buf, at, units, table, g)
            _update_cell_and_hidden(args, state)
            out[row * units : (row + 1) * units] = hidden[state : state + units]


def lstm_16x8(args):
    (out, x, _, _, _, hidden, _, batches, time_steps, time_major, input_size, units,
     gates_buf, _, x_row, hidden_row, _, fc_input, fc_recurrent, _, _, _, _, _, table,
     fully_connected) = args  # fmt: skip
    gates = _i16(gates_buf)
    for b in range(batches):
        state = b * units
        for t in range(time_steps):
            row = t * batches + b if time_major else b * time_steps + t
            x_row[:] = x[2 * row * input_size : 2 * (row + 1) * input_size]
            hidden_row[:] = hidden[2 * state : 2 * (state + units)]
            for g in range(4):
                fully_connected(fc_input[g])
                fully_connected(fc_recurrent[g])
                _activate_gate(gates, gates_buf, g * units, units, table, g)
            _update_cell_and_hidden(args, state)
            out[2 * row * units : 2 * (row + 1) * units] = hidden[2 * state : 2 * (state + units)]


def _activate_gate(gates, gates_buf, at, units, table, g):
    _saturating_add16(gates, at, 4 * units, units)
    logistic_tanh(gates_buf, gates_buf, at, units, 3, 0, table, 1 if g == 2 else 0)  # Q3.12 in


def _update_cell_and_hidden(args, state):
    units, gates_buf = args[lstm.LSTM_ARG_UNITS], args[lstm.LSTM_ARG_GATES]
    cell, acc_buf = args[lstm.LSTM_ARG_CELL], args[lstm.LSTM_ARG_ACC]
    gates, cells, acc = _i16(gates_buf), _i16(cell), _i32(acc_buf)
    clip = args[lstm.LSTM_ARG_CELL_CLIP]
    buffer = 4 * units
    for u in range(units):
        acc[u] = gates[units + u] * cells[state + u]
    requantize(acc_buf, cell, state, units, args[lstm.LSTM_ARG_RQ_FORGET_CELL], 0)
    for u in range(units):
        acc[u] = gates[u] * gates[2 * units + u]
    requantize(acc_buf, gates_buf, buffer, units, args[lstm.LSTM_ARG_RQ_INPUT_CELL], 0)
    for u in range(units):
        v = cells[state + u] + gates[buffer + u]
        v = -32768 if v < -32768 else 32767 if v > 32767 else v
        if clip:
            v = -clip if v < -clip else clip if v > clip else v
        cells[state + u] = v
        gates[buffer + u] = v
    multiplier, shift = args[lstm.LSTM_ARG_TANH_MULTIPLIER], args[lstm.LSTM_ARG_TANH_SHIFT]
    logistic_tanh(gates_buf, gates_buf, buffer, units, multiplier, shift, args[lstm.LSTM_ARG_SIGMOID_TABLE], 1)
    for u in range(units):
        acc[u] = gates[buffer + u] * gates[3 * units + u]
    requantize(acc_buf, args[lstm.LSTM_ARG_HIDDEN], state, units, args[lstm.LSTM_ARG_RQ_HIDDEN], 0)
