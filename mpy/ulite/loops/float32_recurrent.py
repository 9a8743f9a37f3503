"""The recurrent ops' float32 loops, one copy that every backend's recurrent family
exports (see float32.py: each product and partial sum is rounded to float32 by storing it
in a float32 array)."""

import math


def svdf_float32(args):
    """svdf_common.cc EvalFloatSvdfReference: the state shifted one value left, each
    filter's dot product with the input as its newest value, then each unit's bias plus
    its filters' dot products with their time weights (each summed over the memory in
    order), clamped. args: ulite.layouts.svdf (the float32 form)."""
    (out, x, weights_feature, weights_time, bias, state, batches, input_size, filters,
     rank, memory, f32, lo, hi) = args  # fmt: skip
    total = batches * filters * memory
    for i in range(total - 1):
        state[i] = state[i + 1]
    for b in range(batches):
        for f in range(filters):
            f32[0] = 0.0
            w_row, x_row = f * input_size, b * input_size
            for c in range(input_size):
                f32[1] = weights_feature[w_row + c] * x[x_row + c]
                f32[0] = f32[0] + f32[1]
            state[(b * filters + f) * memory + memory - 1] = f32[0]
    units = filters // rank
    for b in range(batches):
        for u in range(units):
            f32[2] = bias[u]
            for f in range(u * rank, (u + 1) * rank):
                f32[0] = 0.0
                row, state_row = f * memory, (b * filters + f) * memory
                for j in range(memory):
                    f32[1] = weights_time[row + j] * state[state_row + j]
                    f32[0] = f32[0] + f32[1]
                f32[2] = f32[2] + f32[0]
            v = f32[2]
            if lo is not None and v < lo:
                v = lo
            if hi is not None and v > hi:
                v = hi
            out[b * units + u] = v


def _fc_row(f32, weights, row, x, x_start, depth):
    """f32[0] = the float32 dot product of weights[row] and x[x_start:x_start + depth]."""
    f32[0] = 0.0
    w_start = row * depth
    for k in range(depth):
        f32[1] = weights[w_start + k] * x[x_start + k]
        f32[0] = f32[0] + f32[1]


def lstm_float32(args):
    """lstm_eval.h LstmStep for float32, one batch row at a time at each time step (TFLM
    steps a time-major input all rows at once: the same values, row by row): each gate is
    its input FC (bias added) plus its hidden state FC, through a sigmoid (the cell gate a
    tanh); cell = forget * cell + input * cell gate, clipped; hidden = tanh(cell) * output
    gate, copied to the output. args: ulite.layouts.lstm (the float32 form)."""
    (out, x, input_weights, recurrent_weights, biases, hidden, cell, batches, time_steps,
     time_major, input_size, units, gates, clip, f32) = args  # fmt: skip
    buffer = 4 * units
    for b in range(batches):
        state = b * units
        for t in range(time_steps):
            row = t * batches + b if time_major else b * time_steps + t
            for g in range(4):
                at = g * units
                for u in range(units):
                    _fc_row(f32, input_weights[g], u, x, row * input_size, input_size)
                    gates[at + u] = f32[0] + biases[g][u]
                    _fc_row(f32, recurrent_weights[g], u, hidden, state, units)
                    gates[buffer + u] = f32[0] + 0.0
                    gates[at + u] = gates[at + u] + gates[buffer + u]
                    v = gates[at + u]
                    if g == 2:
                        gates[at + u] = math.tanh(v)
                    elif v > 16.619047164916992:
                        gates[at + u] = 1.0
                    elif v < -9.0:
                        gates[at + u] = math.exp(v)
                    else:
                        f32[0] = math.exp(-v)
                        f32[0] = 1.0 + f32[0]
                        gates[at + u] = 1.0 / f32[0]
            for u in range(units):
                cell[state + u] = gates[units + u] * cell[state + u]
                gates[buffer + u] = gates[u] * gates[2 * units + u]
                cell[state + u] = cell[state + u] + gates[buffer + u]
                if clip > 0:
                    cell[state + u] = max(min(clip, cell[state + u]), -clip)
                gates[buffer + u] = math.tanh(cell[state + u])
                hidden[state + u] = gates[buffer + u] * gates[3 * units + u]
                out[row * units + u] = hidden[state + u]
