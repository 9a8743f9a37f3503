"""Weight sums per output channel for MicroPython's viper emitter: what prepare derives a
convolution's init values from (ulite.kernels.conv_common), skipped when they are precomputed.
"""

import micropython


@micropython.viper
def weight_sums(weights, channels: int, length: int, channel_step: int, step: int, sums):
    """sums[c] (int32) = sum of weights[c * channel_step + k * step] (int8), k < length."""
    w8 = ptr8(weights)
    s32 = ptr32(sums)
    for c in range(channels):
        i = c * channel_step
        total = 0
        for k in range(length):
            total += (w8[i] ^ 0x80) - 0x80
            i += step
        s32[c] = total  # |total| <= 128 * length, checked with the accumulator bound
