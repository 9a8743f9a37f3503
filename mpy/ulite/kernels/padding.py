"""Sliding-window geometry: output size and padding (TFLM tensorflow/lite/kernels/padding.h).

Padding is computed from the window's own output size; kernels then loop over the output
dims of the flatbuffer, skipping taps that fall outside the input.
"""

from .common import require

SAME = 0  # schema Padding values (TFLite's runtime enum differs: do not mix them)
VALID = 1


def _c_div(a, b):
    """C integer division (truncates toward zero)."""
    q = abs(a) // b
    return q if a >= 0 else -q


def out_size(padding, in_size, filter_size, stride, dilation):
    """TFLM ComputeOutSize."""
    effective = (filter_size - 1) * dilation + 1
    if padding == SAME:
        return _c_div(in_size + stride - 1, stride)
    return _c_div(in_size + stride - effective, stride)


def pad_before(padding, in_size, filter_size, stride, dilation):
    """TFLM ComputePaddingWithOffset: total // 2; the odd remainder goes bottom/right."""
    effective = (filter_size - 1) * dilation + 1
    total = (out_size(padding, in_size, filter_size, stride, dilation) - 1) * stride
    total += effective - in_size
    return max(total, 0) // 2


def window(op, padding, strides, dilations, in_hw, filter_hw):
    """Validated (pad_top, pad_left) of a 2-D window; strides etc. are (h, w) pairs."""
    require(padding in (SAME, VALID), op, "unknown padding type %d", padding)
    for name, (h, w) in (("stride", strides), ("dilation", dilations), ("filter size", filter_hw)):
        require(h >= 1 and w >= 1, op, "%s must be at least 1, got %dx%d", (name, h, w))
    return tuple(
        pad_before(padding, in_hw[i], filter_hw[i], strides[i], dilations[i]) for i in (0, 1)
    )
