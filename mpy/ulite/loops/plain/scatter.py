"""TRANSPOSE_CONV's scatter walk (TFLM's reference loops), shared by the float32 loop and
the plain twins (transpose_conv.py); geo: the layouts.conv TC_ fields, as ints."""

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
