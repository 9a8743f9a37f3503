"""What invoke runs for the ops whose step is a few lines of Python around the loop
functions: kept apart from their kernels because a function keeps its module's globals,
and the kernels (with everything they import) are unloaded after construction. So this
module imports nothing."""

SOFTMAX_EXPONENT_REG = 14  # the output program's register holding each row's exponent


def copy(args):
    """RESHAPE, SQUEEZE: the bytes as they are."""
    out, x = args
    out[:] = x


def copy_each(args):
    """CONCATENATION: each input copied into its place in the output."""
    copy_strided, copies = args
    for copy in copies:
        copy_strided(copy)


def fill_then_copy(args):
    """PAD: the output filled with the pad value, then the input copied into it."""
    (fill, copy_strided), out, nbytes, value, itemsize, copy = args
    fill(out, nbytes, value, itemsize)
    copy_strided(copy)


def upsample_then_conv(args):
    """TRANSPOSE_CONV: the input spread over its upsampled image, then the conv loop."""
    (fill, copy_strided), upsample, conv, conv_args = args
    u, nbytes, zero, itemsize, copy = upsample
    fill(u, nbytes, zero, itemsize)
    copy_strided(copy)
    conv(conv_args)


def upsample_bands_then_conv(args):
    """TRANSPOSE_CONV on a tight arena: a band of output rows at a time, the rows of the
    upsampled image its windows read, then the conv loop into the band. bands: (output
    view, first input element copied, where it goes in the band, input rows copied)."""
    (fill, copy_strided), upsample, conv, conv_args, bands = args
    u, nbytes, zero, itemsize, copy, (src_at, dst_at, rows_at) = upsample
    geo = copy[2]
    for out, src_start, dst_start, rows in bands:
        fill(u, nbytes, zero, itemsize)
        if rows:
            geo[src_at] = src_start
            geo[dst_at] = dst_start
            geo[rows_at] = rows
            copy_strided(copy)
        conv_args[0] = out
        conv(conv_args)


def requantize(args):
    """QUANTIZE between integer types: widened to int32 and requantized a chunk at a time."""
    (widen, requantize), x, itemsize, offset, out, count, acc, chunk, rq = args
    start = 0
    while start < count:
        n = min(chunk, count - start)
        widen(x, start, n, itemsize, offset, acc)
        requantize(acc, out, start, n, rq, 0)
        start += n


def softmax_int8(args):
    """SOFTMAX, int8 input: the fixed-point programs of kernels/softmax.py, row by row."""
    loops, x, out, rows, depth, itemsize, out_min, out_max, programs, consts, regs, d, e, total, headroom = args
    diff_from_max_int8, fxp_map, sum_int32, narrow = loops
    exp_program, rescale_program, recip_program, out_program = programs
    for row in range(rows):
        start = row * depth
        diff_from_max_int8(x, start, depth, d)
        fxp_map(exp_program, consts, regs, d, e, depth)
        fxp_map(rescale_program, consts, regs, e, d, depth)
        sum_int32(d, depth, total)
        fxp_map(recip_program, consts, regs, total, headroom, 1)
        # num_bits_over_unit + 31 - output bits; TFLM aborts above 31, this clamps there
        regs[SOFTMAX_EXPONENT_REG] = min(12 - headroom[0] + 31 - 8 * itemsize, 31)
        fxp_map(out_program, consts, regs, e, d, depth)
        narrow(d, depth, out, start, itemsize, out_min, out_min, out_max)
