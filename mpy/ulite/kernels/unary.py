"""Steps shared by the one-input elementwise kernels (activations).

int8: the output depends only on the input byte, so prepare evaluates TFLM's exact integer
arithmetic once for each of the 256 bytes into a table in the op's persistent memory, and
invoke is a single lookup loop. Exact by construction, and the same loop for every op.
int16 (where TFLM has it): each kernel runs a loop of its own (a table of 65536 outputs
would not fit a board).
float32: a per-element function in plain Python, as TFLM's float reference kernels.
"""

from ..views import float32_view
from .common import aligned, arity, io_types, quantized, require, unsupported


def check(op, requests, int16=False):
    """Validate an int8->int8 or float32->float32 op (and int16->int16 with `int16`);
    reserve the int8 output table."""
    arity(op, 1, 1)
    types = io_types(op)
    if types not in ("int8->int8", "float32->float32") and not (int16 and types == "int16->int16"):
        unsupported(types)
    x, out = aligned(op.inputs[0]), op.outputs[0]
    require(x.size == out.size, op, "input %s and output %s differ in size", (x.shape, out.shape))
    if types == "int8->int8":
        requests.persistent(256)


def quantized_tensors(op):
    """The input and output, both required to carry quantization."""
    return quantized(op, op.inputs[0]), quantized(op, op.outputs[0])


def lookup_step(op, context, output_of):
    """(fn, args) of the int8 lookup (args in layouts.unary LOOKUP_ARG_ order);
    output_of(v) is the output for input value v, written into the table unless it is
    precomputed (kernels then pass None, skipping their derivations)."""
    x, out = op.inputs[0], op.outputs[0]
    table = context.persistent[:256]
    if not context.precomputed:
        for byte in range(256):
            table[byte] = output_of((byte ^ 0x80) - 0x80) & 0xFF
    return context.loops.lookup_int8, (x.data, out.data, x.size, table)


def float_step(op, function):
    """(fn, args) computing out[i] = function(x[i]) over float32."""
    x, out = op.inputs[0], op.outputs[0]
    return _run_float, (float32_view(x.data), float32_view(out.data), x.size, function)


def _run_float(args):
    x, out, count, function = args
    for i in range(count):
        out[i] = function(x[i])
