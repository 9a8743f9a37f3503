"""TRANSPOSE_CONV's scatter (TFLM's reference loops) in plain Python: the walk the plain
twins share (transpose_conv.py), and the float32 loop, which every backend exports (viper
has no float arithmetic of its own; see ulite/loops/float32.py for how its sums round as
float32's). geo: the layouts.conv TC_ fields, as ints."""

from ...layouts import conv as layout


def values(geo):
    """Output values (over the batch): the accumulators the scatter adds into."""
    return geo[layout.TC_BATCHES] * geo[layout.TC_OUT_H] * geo[layout.TC_OUT_W] * geo[layout.TC_OUT_C]


def landings(geo):
    """For each input pixel (over the batch) in order: (its first input value, [(its
    first output value, the tap's first weight) for each tap that lands in the output])."""
    batches, in_h, in_w, depth = (geo[layout.TC_BATCHES], geo[layout.TC_IN_H], geo[layout.TC_IN_W], geo[layout.TC_IN_C])
    out_h, out_w, out_c = geo[layout.TC_OUT_H], geo[layout.TC_OUT_W], geo[layout.TC_OUT_C]
    kh, kw = geo[layout.TC_KH], geo[layout.TC_KW]
    src = 0
    for b in range(batches):
        for iy in range(in_h):
            for ix in range(in_w):
                found = []
                for ky in range(kh):
                    oy = iy * geo[layout.TC_STRIDE_H] - geo[layout.TC_PAD_TOP] + ky
                    for kx in range(kw):
                        ox = ix * geo[layout.TC_STRIDE_W] - geo[layout.TC_PAD_LEFT] + kx
                        if 0 <= oy < out_h and 0 <= ox < out_w:
                            found.append((((b * out_h + oy) * out_w + ox) * out_c, (ky * kw + kx) * depth))
                yield src, found
                src += depth


def transpose_conv_float32(args):
    """reference/transpose_conv.h for float32: the output zeroed, then each input pixel's
    products added into the output values its taps land on, then the bias, then the
    clamp. Each output value takes its products in TFLM's order (by input row, column,
    then channel), which is all that float32 sums depend on.

    args = (out, x, weights [O, KH, KW, I], bias or None: float32 views; the geometry
    (layouts.conv TC_ fields); lo; hi; float32 array of 2, a sum and a product).
    """
    out, x, w, bias, geo, lo, hi, f32 = args
    depth, out_c = geo[layout.TC_IN_C], geo[layout.TC_OUT_C]
    filter_step = geo[layout.TC_KH] * geo[layout.TC_KW] * depth
    for i in range(values(geo)):
        out[i] = 0.0
    for src, taps in landings(geo):
        for e, tap in taps:
            for o in range(out_c):
                k = o * filter_step + tap
                for c in range(depth):
                    f32[1] = x[src + c] * w[k + c]
                    f32[0] = out[e + o] + f32[1]
                    out[e + o] = f32[0]
    for i in range(values(geo)):
        f32[0] = out[i] + bias[i % out_c] if bias is not None else out[i]
        out[i] = min(max(f32[0], lo), hi)
