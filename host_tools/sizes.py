"""Sizes the user types: '256k', '2M', '200000'."""

from .errors import UserError


def parse_size(text):
    """'256k' / '2M' / '200000' -> bytes."""
    value = str(text).strip().lower()
    scale = 1
    if value.endswith("k"):
        scale, value = 1024, value[:-1]
    elif value.endswith("m"):
        scale, value = 1024 * 1024, value[:-1]
    try:
        size = int(float(value) * scale)
    except ValueError:
        raise UserError("bad size %r: use bytes, or a number with k or M (e.g. 256k)" % text)
    if size <= 0:
        raise UserError("size must be positive, got %r" % text)
    return size
