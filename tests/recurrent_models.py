"""Single-op models of the recurrent ops (SVDF) with random settings, and the steps to run
them: one interpreter invoked on several inputs in turn, so the state carried between
invokes (and its clearing by reset) is part of what the oracle compares."""

import numpy as np

from host_tools.model_builder import ModelBuilder

SVDF_ACTIVATIONS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")


def svdf_model(rng, dtype, batches, rank, memory=None, input_size=None, units=None,
               activation="RELU", state_dtype="int16"):  # fmt: skip
    """An SVDF model (dtype "int8" or "float32"): input [batches, input_size], output
    [batches, units], units * rank filters over the last `memory` invokes."""
    memory = memory or int(rng.integers(1, 10))
    input_size = input_size or int(rng.integers(1, 24))
    units = units or int(rng.integers(1, 9))
    filters = units * rank
    mb = ModelBuilder()
    if dtype == "float32":
        x = mb.input((batches, input_size), "float32")
        wf = mb.const(rng.uniform(-1, 1, (filters, input_size)).astype(np.float32), "float32")
        wt = mb.const(rng.uniform(-1, 1, (filters, memory)).astype(np.float32), "float32")
        b = mb.const(rng.uniform(-1, 1, units).astype(np.float32), "float32")
        state = mb.tensor((batches, memory * filters), "float32", variable=True)
        y = mb.tensor((batches, units), "float32")
    else:
        in_scale, wf_scale, wt_scale = rng.uniform(0.01, 0.1), rng.uniform(0.002, 0.02), rng.uniform(0.0005, 0.005)
        # the state holds a feature dot product (about sqrt(input_size) * 64 * 64 steps) in
        # a few thousand steps; the output a unit's sum in tens of steps
        feature = in_scale * wf_scale * 64 * 64 * np.sqrt(input_size)
        state_scale = feature / rng.uniform(500, 8000)
        time_max = 32767 if state_dtype == "int16" else 127
        out_scale = state_scale * wt_scale * time_max * 2000 * np.sqrt(memory * rank) / rng.uniform(10, 100)
        x = mb.input((batches, input_size), "int8", scale=in_scale, zero_point=int(rng.integers(-128, 128)))
        wf = mb.const(rng.integers(-127, 128, (filters, input_size)), "int8", scale=wf_scale, zero_point=0)
        wt = mb.const(rng.integers(-time_max, time_max + 1, (filters, memory)), state_dtype, scale=wt_scale, zero_point=0)
        b = mb.const(rng.integers(-20000, 20000, units), "int32", scale=state_scale * wt_scale, zero_point=0)
        state = mb.tensor((batches, memory * filters), state_dtype, scale=state_scale, zero_point=0, variable=True)
        y = mb.tensor((batches, units), "int8", scale=out_scale, zero_point=int(rng.integers(-128, 128)))
    mb.op("SVDF", [x, wf, wt, b, state], [y], "SVDFOptions", rank=rank, fused_activation_function=activation)
    mb.output(y)
    return mb.build()


def svdf_inputs(rng, dtype, batches, input_size):
    if dtype == "float32":
        return [rng.uniform(-2, 2, (batches, input_size)).astype(np.float32)]
    return [rng.integers(-128, 128, (batches, input_size)).astype(np.int8)]


def svdf_steps(rng, dtype, batches, rank, steps=6, reset_before=(4,), **settings):
    """(model, [inputs per step], reset_before) for run_tflm_steps / run_ulite_steps."""
    input_size = int(rng.integers(1, 24))
    model = svdf_model(rng, dtype, batches, rank, input_size=input_size, **settings)
    return model, [svdf_inputs(rng, dtype, batches, input_size) for _ in range(steps)], reset_before


# per integer activation type: its bias type, and how much finer its scales are than int8's
LSTM_INTEGER_FORMS = {"int8": ("int32", 1), "int16": ("int64", 256)}


def lstm_model(rng, dtype, batches, time_steps, input_size, units, time_major=False, cell_clip=0.0, extra=None,
               wide_sums=False):  # fmt: skip
    """A UNIDIRECTIONAL_SEQUENCE_LSTM model as TFLM runs it (dtype "int8": int16 cell state;
    "int16": 16x8, int8 weights, int64 biases, int16 cell state; or "float32"): the four
    gates' weights and biases, no peephole, projection or layer norm (`extra`: {input
    index: tensor shape} adds such tensors, of the weights' type); input [batches,
    time_steps, input_size] ([time_steps, batches, ...] time major). wide_sums (16x8): an
    input scale 2**16 times finer still, so the biases (and sums) go far beyond int32."""
    mb = ModelBuilder()
    shape = (time_steps, batches) if time_major else (batches, time_steps)
    if dtype == "float32":
        x = mb.input(shape + (input_size,), "float32")
        gate_input = [mb.const(rng.uniform(-0.8, 0.8, (units, input_size)).astype(np.float32), "float32") for _ in range(4)]
        gate_recurrent = [mb.const(rng.uniform(-0.8, 0.8, (units, units)).astype(np.float32), "float32") for _ in range(4)]
        biases = [mb.const(rng.uniform(-1, 1, units).astype(np.float32), "float32") for _ in range(4)]
        hidden = mb.tensor((batches, units), "float32", variable=True)
        cell = mb.tensor((batches, units), "float32", variable=True)
        y = mb.tensor(shape + (units,), "float32")
    else:
        bias_dtype, finer = LSTM_INTEGER_FORMS[dtype]
        input_finer = finer << 16 if wide_sums else finer
        in_scale, hidden_scale = rng.uniform(0.005, 0.05) / input_finer, rng.uniform(0.004, 0.01) / finer
        hidden_zp = int(rng.integers(-20, 20))
        x = mb.input(shape + (input_size,), dtype, scale=in_scale, zero_point=int(rng.integers(-128, 128)))

        def weights(depth, x_scale):
            scale = rng.uniform(0.002, 0.02)
            w = mb.const(rng.integers(-127, 128, (units, depth)), "int8", scale=scale, zero_point=0)
            return w, x_scale * scale

        gate_input, gate_recurrent, biases = [], [], []
        for _ in range(4):
            w, bias_scale = weights(input_size, in_scale)
            gate_input.append(w)
            bias = rng.integers(-3000 * input_finer, 3000 * input_finer, units)
            biases.append(mb.const(bias, bias_dtype, scale=bias_scale, zero_point=0))
            gate_recurrent.append(weights(units, hidden_scale)[0])
        hidden = mb.tensor((batches, units), dtype, scale=hidden_scale, zero_point=hidden_zp, variable=True)
        cell_scale = 2.0 ** -int(rng.integers(9, 15))
        cell = mb.tensor((batches, units), "int16", scale=cell_scale, zero_point=0, variable=True)
        y = mb.tensor(shape + (units,), dtype, scale=hidden_scale, zero_point=hidden_zp)
    inputs = [x] + gate_input + gate_recurrent + [None] * 3 + biases + [None, None, hidden, cell] + [None] * 4
    for index, shape in (extra or {}).items():
        inputs[index] = mb.const(np.ones(shape), dtype, **({} if dtype == "float32" else {"scale": 0.01, "zero_point": 0}))
    mb.op("UNIDIRECTIONAL_SEQUENCE_LSTM", inputs, [y], "UnidirectionalSequenceLSTMOptions",
          fused_activation_function="TANH", cell_clip=cell_clip, time_major=time_major)  # fmt: skip
    mb.output(y)
    return mb.build()


def lstm_steps(rng, dtype, batches, time_major=False, steps=4, reset_before=(2,), wide_sums=False):
    """(model, [inputs per step], reset_before) for run_tflm_steps / run_ulite_steps, with
    random sizes and a cell clip half the time."""
    time_steps, input_size, units = (int(rng.integers(1, n)) for n in (6, 12, 10))
    cell_clip = float(rng.choice((0.0, rng.uniform(0.05, 0.5))))  # small enough to clip
    model = lstm_model(rng, dtype, batches, time_steps, input_size, units, time_major, cell_clip, wide_sums=wide_sums)
    shape = ((time_steps, batches) if time_major else (batches, time_steps)) + (input_size,)
    if dtype == "float32":
        inputs = [[rng.uniform(-2, 2, shape).astype(np.float32)] for _ in range(steps)]
    else:
        info = np.iinfo(dtype)
        inputs = [[rng.integers(info.min, info.max + 1, shape).astype(dtype)] for _ in range(steps)]
    return model, inputs, reset_before
