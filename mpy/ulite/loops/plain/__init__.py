"""The plain-Python loop backend: one module per kernel family, re-exported here."""

from .core import *  # noqa: F401,F403
from .shape import *  # noqa: F401,F403
from .elementwise import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .pool import *  # noqa: F401,F403
