class UliteError(Exception):
    """Base class of every error ulite raises on purpose."""


class ModelError(UliteError):
    """The model bytes are malformed, inconsistent, or use something ulite cannot run."""


class UnsupportedOpError(ModelError):
    """The model uses operators (or operator variants) that ulite has no kernel for."""


class ArenaError(UliteError):
    """The tensor arena is too small for the memory plan."""


class InvokeError(UliteError):
    """An op cannot compute its outputs from these inputs, where TFLM's invoke fails too
    (an int32 DIV by a zero computed at run time)."""


DIVIDES_BY_ZERO = "DIV divides by zero"
