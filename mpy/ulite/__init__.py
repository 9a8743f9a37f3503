"""ulite: TensorFlow Lite Micro models on MicroPython.

    import ulite
    interp = ulite.Interpreter(model_bytes)
    interp.input(0).copy_from(data)
    interp.invoke()
    scores = interp.output(0).values()
"""

from .errors import ArenaError, InvokeError, ModelError, UliteError, UnsupportedOpError
from .interpreter import Interpreter, describe

__version__ = "0.1.0"
