"""UNIDIRECTIONAL_SEQUENCE_LSTM (kernels/lstm.py): the arguments of the loops' lstm_float32,
lstm_int8 and lstm_16x8. Gate tuples are in TFLM's tensor order: input, forget, cell, output."""

from . import const

LSTM_ARG_OUT = const(0)  # [batches, time, units] (time major: [time, batches, units])
LSTM_ARG_X = const(1)  # [batches, time, input_size] (time major: [time, batches, input_size])
LSTM_ARG_INPUT_WEIGHTS = const(2)  # per gate: [units, input_size]
LSTM_ARG_RECURRENT_WEIGHTS = const(3)  # per gate: [units, units]
LSTM_ARG_BIASES = const(4)  # per gate: [units]
LSTM_ARG_HIDDEN = const(5)  # [batches, units], kept across invokes
LSTM_ARG_CELL = const(6)  # [batches, units], kept across invokes
LSTM_ARG_BATCHES = const(7)
LSTM_ARG_TIME_STEPS = const(8)
LSTM_ARG_TIME_MAJOR = const(9)
LSTM_ARG_INPUT_SIZE = const(10)
LSTM_ARG_UNITS = const(11)
LSTM_ARG_GATES = const(12)  # scratch: the 4 gates' values, then a buffer, `units` each (cell type)
LSTM_ARG_CELL_CLIP = const(13)  # in cell state units; 0: no clipping

# lstm_float32
LSTM_ARG_F32 = const(14)  # float32 array of 2: a sum and a product
LSTM_FLOAT_ARGS = const(15)

# lstm_int8 (int8 input and hidden state, int16 cell state and gates)
LSTM_ARG_INPUT_ZP = const(14)
LSTM_ARG_HIDDEN_ZP = const(15)
LSTM_ARG_ACC = const(16)  # int32 scratch, `units` of them
LSTM_ARG_RQ_INPUT = const(17)  # per gate, layouts.requant: input FC into the gate (int16)
LSTM_ARG_RQ_RECURRENT = const(18)  # per gate, layouts.requant: hidden FC into the buffer (int16)
LSTM_ARG_RQ_FORGET_CELL = const(19)  # layouts.requant: forget gate * cell state into the cell
LSTM_ARG_RQ_INPUT_CELL = const(20)  # layouts.requant: input gate * cell gate into the buffer
LSTM_ARG_RQ_HIDDEN = const(21)  # layouts.requant: tanh(cell) * output gate into the hidden state
LSTM_ARG_TANH_MULTIPLIER = const(22)  # tanh of the cell state: (x * multiplier + round) >> shift
LSTM_ARG_TANH_SHIFT = const(23)
LSTM_ARG_SIGMOID_TABLE = const(24)  # ulite.sigmoid_lut.TABLE
LSTM_ARGS = const(25)

# lstm_16x8 (int16 input and hidden state, int8 weights, int64 biases, int16 cell state and
# gates): lstm_int8's fields but for the zero points (in the FCs' tables) and the FCs'
# requantizations, which are in its fully_connected_16x8 arguments
LSTM_ARG_X_ROW = const(14)  # int16 scratch: the step's input row
LSTM_ARG_HIDDEN_ROW = const(15)  # int16 scratch: the step's hidden state
LSTM_ARG_FC_INPUT = const(17)  # per gate, layouts.fully_connected: input row FC into the gate
LSTM_ARG_FC_RECURRENT = const(18)  # per gate, layouts.fully_connected: hidden row FC into the buffer
LSTM_ARG_FULLY_CONNECTED = const(25)  # the loops' fully_connected_16x8
LSTM_16X8_ARGS = const(26)
