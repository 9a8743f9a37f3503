"""CONV_2D, DEPTHWISE_CONV_2D and TRANSPOSE_CONV: geometry arrays (int32, kept in the
arena) and the arguments of the loops' conv_int8, depthwise_int8, conv_16x8,
depthwise_16x8 and transpose_conv_ loops."""

from . import const

# im2col geometry (kernels/conv_common.im2col_geometry): loops' conv_int8, conv_16x8 and
# conv_float32
CONV_IN_H = const(0)
CONV_IN_W = const(1)
CONV_IN_C = const(2)
CONV_OUT_H = const(3)
CONV_OUT_W = const(4)
CONV_OUT_C = const(5)
CONV_KH = const(6)
CONV_KW = const(7)
CONV_DEPTH = const(8)  # filter depth: input channels per group
CONV_PER_GROUP = const(9)  # filters per group
CONV_GROUPS = const(10)
CONV_STRIDE_H = const(11)
CONV_STRIDE_W = const(12)
CONV_DILATION_H = const(13)
CONV_DILATION_W = const(14)
CONV_PAD_TOP = const(15)
CONV_PAD_LEFT = const(16)
CONV_PAD_VALUE = const(17)  # zp' = input zero point + 128: what a tap outside the input reads
# (conv_int8); conv_16x8 reads u = 32768
CONV_TAPS_PER_CHUNK = const(18)  # taps gathered at once (im2col holds a block's patches;
# conv_16x8's one pixel's)
CONV_PIXELS = const(19)  # output pixels, over the batch
CONV_ROWS = const(20)  # output pixels whose accumulators are requantized together
CONV_LANES = const(21)  # output pixels the viper conv_int8 computes at once (8 or 4; 1
# where the plan cut the scratch to one pixel's patches, not interleaved)
CONV_CHANNELS = const(22)  # output channels summed at once: all, or (conv_16x8 on a
# scratch the plan cut) a chunk over passes of one pixel
CONV_FIELDS = const(23)

# depthwise geometry (kernels/depthwise_conv.geometry): loops' depthwise_int8
DW_IN_H = const(0)
DW_IN_W = const(1)
DW_IN_C = const(2)
DW_OUT_H = const(3)
DW_OUT_W = const(4)
DW_OUT_C = const(5)
DW_KH = const(6)
DW_KW = const(7)
DW_MULTIPLIER = const(8)  # output channel o reads input channel o // multiplier
DW_STRIDE_H = const(9)
DW_STRIDE_W = const(10)
DW_DILATION_H = const(11)
DW_DILATION_W = const(12)
DW_PAD_TOP = const(13)
DW_PAD_LEFT = const(14)
DW_PAD_VALUE = const(15)  # zp', as CONV_PAD_VALUE (depthwise_16x8 reads u = 32768)
DW_PIXELS = const(16)
DW_ROWS = const(17)  # output pixels whose accumulators are requantized together
DW_CHANNELS = const(18)  # output channels summed at once: all, or (depthwise_16x8 on a
# scratch the plan cut) a chunk of whole input channels' over passes of one pixel
DW_FIELDS = const(19)

# TRANSPOSE_CONV's scatter geometry (kernels/transpose_conv.scatter_geometry): loops'
# transpose_conv_int8, transpose_conv_16x8 and transpose_conv_float32
TC_BATCHES = const(0)
TC_IN_H = const(1)
TC_IN_W = const(2)
TC_IN_C = const(3)
TC_OUT_H = const(4)
TC_OUT_W = const(5)
TC_OUT_C = const(6)
TC_KH = const(7)
TC_KW = const(8)
TC_STRIDE_H = const(9)
TC_STRIDE_W = const(10)
TC_PAD_TOP = const(11)
TC_PAD_LEFT = const(12)
TC_ZERO_POINT = const(13)  # the input's (int8; 0 for 16x8 and float32)
TC_FIELDS = const(14)

# arguments of conv_int8, depthwise_int8, transpose_conv_int8 (int8 input and output) and
# of conv_16x8, depthwise_16x8, transpose_conv_16x8 (int16 input and output)
CONV_ARG_OUT = const(0)
CONV_ARG_X = const(1)
CONV_ARG_WEIGHTS = const(2)  # int8: [O, KH, KW, depth] (conv_), [1, KH, KW, O] (depthwise_)
CONV_ARG_INIT = const(3)  # per output channel: int32 bias - zp' * sum(weights) (int8), int64
# bias - 32768 * sum(weights) (16x8: kernels/wide.py); transpose_conv_: the bias alone
CONV_ARG_RQ = const(4)  # requantization (layouts.requant; the 16x8 loops' has RQ_ACC_BITS)
CONV_ARG_ACC = const(5)  # accumulator rows (the op's scratch): int32 (int8), int64 (16x8);
# transpose_conv_: one per output value
CONV_ARG_SCRATCH = const(6)  # conv_int8: im2col bytes; depthwise_int8: the pad row;
# transpose_conv_: None;
# conv_16x8: a group's int32 sums, then one pixel's patch of u = x + 32768 (uint16);
# depthwise_16x8: int32 sums per output channel, then a pad row of in_c u = 32768
CONV_ARG_GEOMETRY = const(7)
CONV_ARGS = const(8)
