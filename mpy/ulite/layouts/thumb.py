"""Parameter blocks of the Thumb kernels (loops/thumb/asm.py): one int32 word per field,
written by the Thumb glue before each call; a kernel may move its pointers on and count
its counts down as it goes (asm.py says which). Only the glue (which restates them) and
the host (the emulator's block builder, the unix port's stand-in kernels) read these, so
they cost a board nothing."""

from . import const

THUMB_LANES = const(8)  # output pixels per block: the lanes of dot8, gather8, dw8
LANE_RECORD_WORDS = const(3)  # lanes8's record of a lane: image address, iy0, ix0

# fc_rows: acc[j] = bias[j] + sum_k w[j * depth + k] * (x[k] - input_zp), j < rows
FC_ROWS_X = const(0)
FC_ROWS_WEIGHTS = const(1)  # row 0; moved on
FC_ROWS_DEPTH = const(2)
FC_ROWS_ROWS = const(3)  # counted down
FC_ROWS_BIAS = const(4)  # int32, 0: none; moved on
FC_ROWS_ACC = const(5)  # int32; moved on
FC_ROWS_NEG_ZP = const(6)  # -input_zp
FC_ROWS_WORDS = const(7)

# requant: rows x cols int32 accumulators (column by column) to int8 outputs
REQUANT_ACC = const(0)  # moved on
REQUANT_OUT = const(1)  # moved on
REQUANT_ROWS = const(2)
REQUANT_COLS = const(3)  # counted down to 0
REQUANT_STRIDE = const(4)  # bytes between output rows
REQUANT_MULTIPLIERS = const(5)  # int32; moved on
REQUANT_SHIFTS = const(6)  # int8; moved on
REQUANT_PER_CHANNEL = const(7)  # 1: a multiplier and shift per column
REQUANT_ZERO_POINT = const(8)
REQUANT_LO = const(9)
REQUANT_HI = const(10)
REQUANT_COLUMN_BYTES = const(11)  # from one column's accumulators to the next
REQUANT_WORDS = const(12)
# the glue's block keeps the tables' addresses after the kernel's words
REQUANT_TABLE_MULTIPLIERS = const(12)
REQUANT_TABLE_SHIFTS = const(13)
REQUANT_BLOCK_WORDS = const(14)

# dot8: eight lanes of dot products over an im2col block, for several channels
DOT8_Q = const(0)  # the interleaved unsigned bytes
DOT8_WEIGHTS = const(1)  # channel 0's; moved on
DOT8_N = const(2)  # weights per channel
DOT8_CHANNELS = const(3)  # counted down to 0
DOT8_ACC = const(4)  # int32, eight per channel; moved on
DOT8_WEIGHT_STEP = const(5)  # bytes between channels' weights
DOT8_INIT = const(6)  # int32 per channel, 0: add to acc; moved on
DOT8_WORDS = const(7)

# lanes8: the records of a block's lanes, and the walk over the output pixels
LANES8_RECORDS = const(0)  # where the records go
LANES8_LANES = const(1)
LANES8_IMAGE = const(2)  # the walk: image address (its batch), oy, ox; moved on
LANES8_OY = const(3)
LANES8_OX = const(4)
LANES8_OUT_H = const(5)
LANES8_OUT_W = const(6)
LANES8_STRIDE_H = const(7)
LANES8_STRIDE_W = const(8)
LANES8_PAD_TOP = const(9)
LANES8_PAD_LEFT = const(10)
LANES8_IMAGE_BYTES = const(11)
LANES8_WORDS = const(12)

# gather8: im2col of up to eight lanes, interleaved as dot8 reads it
GATHER8_DST = const(0)  # moved on
GATHER8_LANES = const(1)  # counted down to 0
GATHER8_DEPTH = const(2)
GATHER8_KY0 = const(3)
GATHER8_KX0 = const(4)
GATHER8_TAPS = const(5)
GATHER8_KW = const(6)
GATHER8_IN_H = const(7)
GATHER8_IN_W = const(8)
GATHER8_DILATION_H = const(9)
GATHER8_DILATION_W = const(10)
GATHER8_ROW_BYTES = const(11)
GATHER8_PIXEL_BYTES = const(12)
GATHER8_PAD = const(13)  # the u value of a tap outside the input
GATHER8_SCRATCH = const(14)  # two words the kernel uses
GATHER8_FIRST_CHANNEL = const(16)  # the group's
GATHER8_RECORDS = const(17)  # THUMB_LANES lane records (lanes8)
GATHER8_WORDS = const(GATHER8_RECORDS + THUMB_LANES * LANE_RECORD_WORDS)

# dw8: DEPTHWISE_CONV_2D of up to eight lanes over a run of kernel rows and channels
DW8_ACC = const(0)
DW8_LANES = const(1)
DW8_CHANNELS = const(2)  # input channels of the call
DW8_WEIGHTS = const(3)  # tap (ky0, 0), the call's first output channel
DW8_INIT = const(4)  # int32 per output channel, 0: add to acc
DW8_KY_END = const(5)
DW8_KW = const(6)
DW8_IN_H = const(7)
DW8_IN_W = const(8)
DW8_DILATION_H = const(9)
DW8_DILATION_W = const(10)
DW8_ROW_BYTES = const(11)
DW8_PAD_ROW = const(12)  # bytes of the padding's u value, one per input channel
DW8_MULTIPLIER = const(13)
DW8_SCRATCH = const(14)  # two words the kernel uses
DW8_PIXEL_BYTES = const(16)
DW8_TAP_BYTES = const(17)  # between taps' weights
DW8_KY0 = const(18)
DW8_FIRST_CHANNEL = const(19)  # the call's first input channel
DW8_RECORDS = const(20)  # THUMB_LANES lane records (lanes8)
DW8_TAP_TABLE = const(DW8_RECORDS + THUMB_LANES * LANE_RECORD_WORDS)  # built by the kernel
DW8_TABLE_TAPS = const(25)  # taps the table holds: (ky end - ky0) * kw at most
DW8_TAP_ENTRY_WORDS = const(1 + THUMB_LANES)  # the tap's weights, then each lane's pixel
DW8_WORDS = const(DW8_TAP_TABLE + DW8_TABLE_TAPS * DW8_TAP_ENTRY_WORDS)

# add_rescaled: acc[i] = R1(x1[i]) + R2(x2[i]); an input's rescale R takes RESCALE_WORDS
RESCALE_NEG_ZP = const(0)  # -zero point
RESCALE_MULTIPLIER_LOW = const(1)  # M & 0x7FF
RESCALE_MULTIPLIER_HIGH = const(2)  # M >> 11
RESCALE_SHIFT = const(3)  # right shift
RESCALE_WORDS = const(4)
ADD_RESCALED_X1 = const(0)
ADD_RESCALED_X2 = const(1)
ADD_RESCALED_ACC = const(2)
ADD_RESCALED_COUNT = const(3)
ADD_RESCALED_INPUT1 = const(4)  # input 1's RESCALE_ words
ADD_RESCALED_INPUT2 = const(ADD_RESCALED_INPUT1 + RESCALE_WORDS)
ADD_RESCALED_WORDS = const(ADD_RESCALED_INPUT2 + RESCALE_WORDS)
