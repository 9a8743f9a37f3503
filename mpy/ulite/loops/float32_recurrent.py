"""The recurrent ops' float32 loops, one copy that every backend's recurrent family
exports (see float32.py: each product and partial sum is rounded to float32 by storing it
in a float32 array)."""


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

