"""What invoke runs for the ops whose step is a few lines of Python rather than one loop
function: kept apart from their kernels because a function keeps its module's globals,
and the kernels (with everything they import) are unloaded after construction. So this
module imports nothing."""

SOFTMAX_EXPONENT_REG = 14  # the output program's register holding each row's exponent


def copy(args):
    """RESHAPE, SQUEEZE: the bytes as they are."""
    out, x = args
    out[:] = x


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
