"""A model's outputs made readable: values dequantized with each tensor's scale and zero
point, and the top scores with their labels."""

from pathlib import Path

import numpy as np

from .errors import UserError
from .paths import check_file

SHOWN_VALUES = 16  # an output's values are printed up to this many; beyond, its top scores
TOP = 5


def read_labels(path):
    """The labels of a file holding one a line, in the order of the output's values."""
    check_file(path, "labels")
    labels = [line.strip() for line in Path(path).read_text().splitlines() if line.strip()]
    if not labels:
        raise UserError("labels file %s holds no labels" % path)
    return labels


def dequantized(array, scale, zero_point):
    """Real values of an output: (q - zero_point) * scale, or the values as they are for an
    output that is not quantized (scale 0)."""
    if not scale:
        return array.astype(np.float64)
    return (array.astype(np.float64) - zero_point) * scale


def _values(values):
    return "[" + ", ".join("%.4g" % v for v in values) + "]"


def lines(outputs, quantization, labels=None, top=TOP):
    """Lines describing each output (arrays; quantization: (scale, zero_point) of each):
    its dtype and shape; its values, raw and dequantized, when few; its `top` scores, with
    `labels`, when labels are given for it (they must number its values) or it has many."""
    if labels is not None and not any(a.size == len(labels) for a in outputs):
        sizes = ", ".join(str(a.size) for a in outputs)
        raise UserError(
            "%d labels, but no output has that many values (outputs: %s)" % (len(labels), sizes)
        )
    for j, (array, (scale, zero_point)) in enumerate(zip(outputs, quantization)):
        values = dequantized(array, scale, zero_point).reshape(-1)
        head = "out%d %s %s" % (j, array.dtype, tuple(array.shape))
        if array.size <= SHOWN_VALUES:
            raw = array.reshape(-1).tolist()
            head += " %s" % raw if not scale else " %s = %s" % (raw, _values(values))
        yield head
        named = labels is not None and len(labels) == array.size
        if named or array.size > SHOWN_VALUES:
            best = np.argsort(-values, kind="stable")[:top]
            names = [labels[k] if named else "[%d]" % k for k in best]
            yield "  top %d: %s" % (
                len(best),
                ", ".join("%s %.4g" % (n, values[k]) for n, k in zip(names, best)),
            )
