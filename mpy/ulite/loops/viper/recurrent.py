"""Recurrent ops' loops, viper emitter: the integer forms of SVDF and LSTM (their float32
forms are the one copy in float32_recurrent.py; lstm_16x8's int64 FCs are wide.py's, which
its arguments carry, so the int8 forms do not load that module).

Bounds on 32-bit words: a feature dot product is below 128 * 255 * input_size; a time
product of two int16 values is at most 2**30, and SVDF sums them (with the bias) in int32
that wraps, as TFLM's do (keyword_scrambled's do): here in two halves, each below 2**31
for fewer than 2**15 products (prepare checks rank * memory), combined modulo 2**32.
"""

import micropython
from micropython import const

from .copy import move_bytes
from .requant import requantize
from .sigmoid import logistic_tanh

# Fields of ulite.layouts.svdf and .lstm, restated for the compiler to fold (see ulite.layouts).
_SVDF_ARG_OUT = const(0)
_SVDF_ARG_X = const(1)
_SVDF_ARG_WEIGHTS_FEATURE = const(2)
_SVDF_ARG_WEIGHTS_TIME = const(3)
_SVDF_ARG_BIAS = const(4)
_SVDF_ARG_STATE = const(5)
_SVDF_ARG_BATCHES = const(6)
_SVDF_ARG_INPUT_SIZE = const(7)
_SVDF_ARG_FILTERS = const(8)
_SVDF_ARG_RANK = const(9)
_SVDF_ARG_MEMORY = const(10)
_SVDF_ARG_ACC = const(11)
_SVDF_ARG_STATE_ITEMSIZE = const(12)
_SVDF_ARG_INPUT_ZP = const(13)
_SVDF_ARG_RQ_FEATURE = const(14)
_SVDF_ARG_RQ_OUTPUT = const(15)
_SVDF_ARG_NEWEST = const(16)
_LSTM_ARG_HIDDEN = const(5)
_LSTM_ARG_CELL = const(6)
_LSTM_ARG_UNITS = const(11)
_LSTM_ARG_GATES = const(12)
_LSTM_ARG_CELL_CLIP = const(13)
_LSTM_ARG_ACC = const(16)
_LSTM_ARG_RQ_FORGET_CELL = const(19)
_LSTM_ARG_RQ_INPUT_CELL = const(20)
_LSTM_ARG_RQ_HIDDEN = const(21)
_LSTM_ARG_TANH_MULTIPLIER = const(22)
_LSTM_ARG_TANH_SHIFT = const(23)
_LSTM_ARG_SIGMOID_TABLE = const(24)


@micropython.viper
def svdf_int8(args):
    """svdf_common.cc EvalIntegerSvdfReference: the state shifted one value left; each
    filter's dot product with the input (minus its zero point), requantized (a batch row's
    filters in one call), as the filter's newest state value; then each unit's bias plus its filters' dot products of
    time weights and state, requantized into the output. args: ulite.layouts.svdf."""
    state_buf = args[_SVDF_ARG_STATE]
    state = int(ptr8(state_buf))
    x_base = int(ptr8(args[_SVDF_ARG_X]))
    w_base = int(ptr8(args[_SVDF_ARG_WEIGHTS_FEATURE]))
    time_base = int(ptr8(args[_SVDF_ARG_WEIGHTS_TIME]))
    bias = ptr32(args[_SVDF_ARG_BIAS])
    batches = int(args[_SVDF_ARG_BATCHES])
    input_size = int(args[_SVDF_ARG_INPUT_SIZE])
    filters = int(args[_SVDF_ARG_FILTERS])
    rank = int(args[_SVDF_ARG_RANK])
    memory = int(args[_SVDF_ARG_MEMORY])
    acc_buf = args[_SVDF_ARG_ACC]
    acc = ptr32(acc_buf)
    itemsize = int(args[_SVDF_ARG_STATE_ITEMSIZE])
    # (x ^ 0x80) + x_offset == signed x - input_zp
    x_offset = 0 - 0x80 - int(args[_SVDF_ARG_INPUT_ZP])
    rq_feature = args[_SVDF_ARG_RQ_FEATURE]
    requantize_into = requantize
    s8 = ptr8(state)
    shifted = (batches * filters * memory - 1) * itemsize
    for i in range(shifted):
        s8[i] = s8[i + itemsize]
    newest_buf = args[_SVDF_ARG_NEWEST]
    newest = ptr8(newest_buf)
    for b in range(batches):
        x_row = x_base + b * input_size
        x_end = x_row + input_size
        wp = w_base
        for f in range(filters):
            s = 0
            xp = x_row
            while xp < x_end:
                s += ((int(ptr8(wp)[0]) ^ 0x80) - 0x80) * ((int(ptr8(xp)[0]) ^ 0x80) + x_offset)
                wp += 1
                xp += 1
            acc[f] = s
        requantize_into(acc_buf, newest_buf, 0, filters, rq_feature, 0)
        at = (b * filters * memory + memory - 1) * itemsize  # the filters' newest values
        for f in range(filters):
            s8[at] = newest[f * itemsize]
            if itemsize == 2:
                s8[at + 1] = newest[2 * f + 1]
            at += memory * itemsize
    units = filters // rank
    row_bytes = memory * itemsize
    k31 = 31
    sign = 1 << k31
    for b in range(batches):
        for u in range(units):
            # TFLM's int32 sums wrap: summed in 16-bit halves, combined modulo 2**32
            v = (bias[u] ^ sign) - sign
            low = v & 0xFFFF
            high = v >> 16
            f = u * rank
            while f < (u + 1) * rank:
                wp = time_base + f * row_bytes
                sp = state + (b * filters + f) * row_bytes
                end = sp + row_bytes
                if itemsize == 2:
                    while sp < end:
                        p = ((int(ptr16(wp)[0]) ^ 0x8000) - 0x8000) * ((int(ptr16(sp)[0]) ^ 0x8000) - 0x8000)
                        low += p & 0xFFFF
                        high += p >> 16
                        wp += 2
                        sp += 2
                else:
                    while sp < end:
                        p = ((int(ptr8(wp)[0]) ^ 0x80) - 0x80) * ((int(ptr8(sp)[0]) ^ 0x80) - 0x80)
                        low += p & 0xFFFF
                        high += p >> 16
                        wp += 1
                        sp += 1
                f += 1
            high = (((high + (low >> 16)) & 0xFFFF) ^ 0x8000) - 0x8000
            acc[b * units + u] = (high << 16) + (low & 0xFFFF)
    requantize_into(acc_buf, args[_SVDF_ARG_OUT], 0, batches * units, args[_SVDF_ARG_RQ_OUTPUT], 0)


@micropython.viper
def _fc_int16(acc_buf, out, out_start: int, weights, x, x_start: int, depth: int, units: int, x_zp: int, rq, bias, has_bias: int):
    """out[out_start:out_start + units] (int16) = requantized bias + weights . (x[x_start:
    x_start + depth] - x_zp), a unit a row of weights; bias: int32 per unit (any buffer
    without has_bias).
    Bound: |bias| + depth * 128 * 255 < 2**31, checked in prepare."""
    acc = ptr32(acc_buf)
    wp = int(ptr8(weights))
    x_row = int(ptr8(x)) + x_start
    x_end = x_row + depth
    x_offset = 0 - 0x80 - x_zp  # (x ^ 0x80) + x_offset == signed x - x_zp
    b = ptr32(bias)
    k31 = 31
    sign = 1 << k31
    for u in range(units):
        s = 0
        if has_bias:
            s = (b[u] ^ sign) - sign
        xp = x_row
        while xp < x_end:
            s += ((int(ptr8(wp)[0]) ^ 0x80) - 0x80) * ((int(ptr8(xp)[0]) ^ 0x80) + x_offset)
            wp += 1
            xp += 1
        acc[u] = s
    requantize(acc_buf, out, out_start, units, rq, 0)


@micropython.viper
def _saturating_add16(dst, a: int, src, b: int, count: int, clip: int):
    """dst[a + i] = src[b + i] = dst[a + i] + src[b + i], saturated to int16 and, with a
    clip above 0, clipped to [-clip, clip] (int16 views)."""
    d = ptr16(int(ptr16(dst)) + 2 * a)
    s = ptr16(int(ptr16(src)) + 2 * b)
    for i in range(count):
        v = ((int(d[i]) ^ 0x8000) - 0x8000) + ((int(s[i]) ^ 0x8000) - 0x8000)
        if v < -32768:
            v = -32768
        if v > 32767:
            v = 32767
        if clip > 0:
            if v < 0 - clip:
                v = 0 - clip
            if v > clip:
                v = clip
        d[i] = v
        s[i] = v


@micropython.viper
def _products16(acc_buf, x, a: int, y, b: int, count: int):
    """acc[i] = x[a + i] * y[b + i] (int16 views): below 2**30 in magnitude."""
    acc = ptr32(acc_buf)
    p = ptr16(int(ptr16(x)) + 2 * a)
    q = ptr16(int(ptr16(y)) + 2 * b)
    for i in range(count):
        acc[i] = ((int(p[i]) ^ 0x8000) - 0x8000) * ((int(q[i]) ^ 0x8000) - 0x8000)


def lstm_int8(args):
    """lstm_eval.h LstmStep for int8 input and hidden state, int16 cell state and gates, one
    batch row at a time at each time step (a time-major input's rows step together in
    TFLM: the same values): each gate's input FC (bias added) and hidden state FC, each
    requantized to int16 Q3.12, added with saturation, through the int16 sigmoid (the cell
    gate tanh) to Q0.15; then the cell and hidden state (_update_cell_and_hidden), the
    hidden state copied to the output. args: ulite.layouts.lstm."""
    (out, x, input_weights, recurrent_weights, biases, hidden, _, batches, time_steps,
     time_major, input_size, units, gates, _, input_zp, hidden_zp, acc, rq_input,
     rq_recurrent, _, _, _, _, _, table) = args  # fmt: skip
    buffer = 4 * units
    move = move_bytes
    for b in range(batches):
        state = b * units
        for t in range(time_steps):
            row = t * batches + b if time_major else b * time_steps + t
            for g in range(4):
                at = g * units
                _fc_int16(acc, gates, at, input_weights[g], x, row * input_size, input_size, units, input_zp, rq_input[g], biases[g], 1)
                _fc_int16(acc, gates, buffer, recurrent_weights[g], hidden, state, units, units, hidden_zp, rq_recurrent[g], acc, 0)
                _activate_gate(gates, at, units, table, g)
            _update_cell_and_hidden(args, state)
            move(out, row * units, hidden, state, units)


def lstm_16x8(args):
    """lstm_int8 for int16 input and hidden state (int8 weights, int64 biases): each step's
    input row and hidden state copied into int16 rows, which each gate's two FCs read
    through the loops' fully_connected_16x8 (exact int64 sums, wide.py) into the gate and
    the buffer. args: ulite.layouts.lstm."""
    (out, x, _, _, _, hidden, _, batches, time_steps, time_major, input_size, units, gates,
     _, x_row, hidden_row, _, fc_input, fc_recurrent, _, _, _, _, _, table,
     fully_connected) = args  # fmt: skip
    move = move_bytes
    for b in range(batches):
        state = b * units
        for t in range(time_steps):
            row = t * batches + b if time_major else b * time_steps + t
            move(x_row, 0, x, 2 * row * input_size, 2 * input_size)
            move(hidden_row, 0, hidden, 2 * state, 2 * units)
            for g in range(4):
                fully_connected(fc_input[g])
                fully_connected(fc_recurrent[g])
                _activate_gate(gates, g * units, units, table, g)
            _update_cell_and_hidden(args, state)
            move(out, 2 * row * units, hidden, 2 * state, 2 * units)


def _activate_gate(gates, at, units, table, g):
    """Gate g (its int16 values at `at`) plus the buffer, saturated, through the int16
    sigmoid (the cell gate, g = 2: tanh) from Q3.12 to Q0.15, in place."""
    _saturating_add16(gates, at, gates, 4 * units, units, 0)
    logistic_tanh(gates, gates, at, units, 3, 0, table, 1 if g == 2 else 0)


def _update_cell_and_hidden(args, state):
    """lstm_eval.h UpdateLstmCell and UpdateLstmHidden at state offset `state` (int16s):
    cell = forget * cell + input * cell gate (saturated, clipped); hidden = tanh(cell) *
    output gate, each product requantized. args: ulite.layouts.lstm."""
    units = args[_LSTM_ARG_UNITS]
    gates = args[_LSTM_ARG_GATES]
    cell = args[_LSTM_ARG_CELL]
    acc = args[_LSTM_ARG_ACC]
    buffer = 4 * units
    _products16(acc, gates, units, cell, state, units)
    requantize(acc, cell, state, units, args[_LSTM_ARG_RQ_FORGET_CELL], 0)
    _products16(acc, gates, 0, gates, 2 * units, units)
    requantize(acc, gates, buffer, units, args[_LSTM_ARG_RQ_INPUT_CELL], 0)
    _saturating_add16(cell, state, gates, buffer, units, args[_LSTM_ARG_CELL_CLIP])
    multiplier, shift = args[_LSTM_ARG_TANH_MULTIPLIER], args[_LSTM_ARG_TANH_SHIFT]
    logistic_tanh(gates, gates, buffer, units, multiplier, shift, args[_LSTM_ARG_SIGMOID_TABLE], 1)
    _products16(acc, gates, buffer, gates, 3 * units, units)
    requantize(acc, args[_LSTM_ARG_HIDDEN], state, units, args[_LSTM_ARG_RQ_HIDDEN], 0)
