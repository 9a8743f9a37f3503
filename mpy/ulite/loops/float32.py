"""The float32 inner loops, one copy that every backend exports (plain Python: viper has no
float arithmetic of its own).

TFLM's float kernels compute in float32: each product and each partial sum is rounded to
float32 by storing it in a float32 array, so a port whose floats are doubles (the unix
port) gets what a single-precision board gets.
"""


def conv_float32(args):
    """reference/conv.h, depthwise_conv.h and fully_connected.h for float32: for each
    output pixel and channel o, the products of the in-bounds taps (input channels of o's
    group) summed in order, then the bias, then the clamp min(max(v, lo), hi).

    args = (out, x, weights, bias or None: float32 views; (in_h, in_w, in_c); (out_h, out_w,
    out_c, output pixels over the batch); (kh, kw, depth, filters per group, weight_step,
    tap_step); (stride_h, stride_w, dilation_h, dilation_w); (pad_top, pad_left); lo; hi;
    float32 array of 2, the sum and a product): the weight of output channel o, tap t
    (= ky * kw + kx) and channel c of its group is weights[o * weight_step + t * tap_step + c].
    """
    out, x, w, bias, image, output, kernel, window, pads, lo, hi, f32 = args
    in_h, in_w, in_c = image
    out_h, out_w, out_c, pixels = output
    kh, kw, depth, per_group, weight_step, tap_step = kernel
    sh, sw, dh, dw = window
    pad_top, pad_left = pads
    for pixel in range(pixels):
        b, rest = divmod(pixel, out_h * out_w)
        oy, ox = divmod(rest, out_w)
        for o in range(out_c):
            first_channel = o // per_group * depth
            f32[0] = 0.0
            for ky in range(kh):
                iy = oy * sh - pad_top + ky * dh
                if not 0 <= iy < in_h:
                    continue
                for kx in range(kw):
                    ix = ox * sw - pad_left + kx * dw
                    if not 0 <= ix < in_w:
                        continue
                    src = ((b * in_h + iy) * in_w + ix) * in_c + first_channel
                    tap = o * weight_step + (ky * kw + kx) * tap_step
                    for c in range(depth):
                        f32[1] = x[src + c] * w[tap + c]  # float32 product, then float32 sum
                        f32[0] = f32[0] + f32[1]
            if bias is not None:
                f32[0] = f32[0] + bias[o]
            out[pixel * out_c + o] = min(max(f32[0], lo), hi)
