"""The Signal library's ops (kernels/signal_*.py): the arguments of their loops, the
stage plan of the real FFT and the channel table of the filter bank."""

from . import const

WINDOW_ARG_OUT = const(0)
WINDOW_ARG_X = const(1)
WINDOW_ARG_WEIGHTS = const(2)  # int16 window
WINDOW_ARG_COUNT = const(3)  # input values, whole windows
WINDOW_ARG_WINDOW = const(4)  # window length
WINDOW_ARG_SHIFT = const(5)
WINDOW_ARGS = const(6)

SCALE_ARG_OUT = const(0)
SCALE_ARG_X = const(1)
SCALE_ARG_COUNT = const(2)
SCALE_ARG_BITS = const(3)  # the int32 scalar output: the left shift applied
SCALE_ARGS = const(4)

RFFT_ARG_OUT = const(0)
RFFT_ARG_X = const(1)
RFFT_ARG_ROWS = const(2)
RFFT_ARG_ROW_LENGTH = const(3)  # input values per row (zero-padded to fft_length)
RFFT_ARG_WORK = const(4)  # half complex int16 values: the complex FFT, in place
RFFT_ARG_TWIDDLES = const(5)  # half complex int16: kiss_fft_alloc's
RFFT_ARG_SUPER_TWIDDLES = const(6)  # half // 2 complex int16: kiss_fftr_alloc's
RFFT_ARG_ORDER = const(7)  # half int16: the complex input value gathered into each slot
RFFT_ARG_STAGES = const(8)  # int32 stage plan (RFFT_STAGE_ fields), in the order they run
RFFT_ARG_STAGE_COUNT = const(9)
RFFT_ARG_HALF = const(10)  # fft_length / 2: the complex FFT's length
RFFT_ARGS = const(11)

RFFT_STAGE_RADIX = const(0)
RFFT_STAGE_LENGTH = const(1)  # m: each butterfly combines radix values m apart
RFFT_STAGE_STRIDE = const(2)  # fstride: the twiddle step, and the number of blocks
RFFT_STAGE_FIELDS = const(3)

ENERGY_ARG_OUT = const(0)
ENERGY_ARG_X = const(1)  # complex int16 bins
ENERGY_ARG_START = const(2)
ENERGY_ARG_END = const(3)
ENERGY_ARGS = const(4)

BANK_ARG_OUT = const(0)  # uint64 per channel
BANK_ARG_X = const(1)  # uint32 energies
BANK_ARG_WEIGHTS = const(2)  # int16
BANK_ARG_UNWEIGHTS = const(3)  # int16
BANK_ARG_CHANNELS = const(4)  # int32 channel table (BANK_ fields), channels + 1 records
BANK_ARG_COUNT = const(5)  # output channels
BANK_ARGS = const(6)

BANK_FREQUENCY_START = const(0)
BANK_WEIGHT_START = const(1)
BANK_WIDTH = const(2)  # never negative (TFLM's loop runs no times for a negative width)
BANK_FIELDS = const(3)

SQRT_ARG_OUT = const(0)
SQRT_ARG_X = const(1)  # uint64
SQRT_ARG_COUNT = const(2)
SQRT_ARG_SCALE_BITS = const(3)  # the int32 scalar input: the right shift of each root
SQRT_ARGS = const(4)

SUBTRACT_ARG_OUT = const(0)
SUBTRACT_ARG_NOISE_OUT = const(1)  # the noise estimate, copied out
SUBTRACT_ARG_X = const(2)
SUBTRACT_ARG_NOISE = const(3)  # uint32 noise estimate: the op's state
SUBTRACT_ARG_COUNT = const(4)
SUBTRACT_ARG_SETTINGS = const(5)  # SUBTRACT_ fields: TFLM's uint32 settings as int32s
SUBTRACT_ARGS = const(6)

SUBTRACT_SMOOTHING = const(0)  # on even channels
SUBTRACT_ONE_MINUS_SMOOTHING = const(1)
SUBTRACT_ALTERNATE_SMOOTHING = const(2)  # on odd channels
SUBTRACT_ALTERNATE_ONE_MINUS_SMOOTHING = const(3)
SUBTRACT_MIN_SIGNAL_REMAINING = const(4)
SUBTRACT_SMOOTHING_BITS = const(5)
SUBTRACT_BITS = const(6)  # spectral_subtraction_bits
SUBTRACT_CLAMPING = const(7)
SUBTRACT_FIELDS = const(8)

PCAN_ARG_OUT = const(0)
PCAN_ARG_X = const(1)
PCAN_ARG_NOISE = const(2)
PCAN_ARG_LUT = const(3)  # int16 gain table
PCAN_ARG_COUNT = const(4)
PCAN_ARG_SNR_SHIFT = const(5)
PCAN_ARGS = const(6)

LOG_ARG_OUT = const(0)
LOG_ARG_X = const(1)
LOG_ARG_COUNT = const(2)
LOG_ARG_CORRECTION_BITS = const(3)
LOG_ARG_OUTPUT_SCALE = const(4)  # an int32: TFLM's uint32 output scale, as bits
LOG_ARGS = const(5)
