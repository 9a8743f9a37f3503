"""`demo`: run corpus models on MicroPython with ulite and show what they compute."""

import math

import numpy as np

from . import unix_port
from .errors import UserError
from .infer import infer_cases
from .paths import CORPUS


def add_parser(commands):
    p = commands.add_parser(
        "demo",
        help="run the corpus demo models on MicroPython",
        description="Run TFLM's hello_world sine model with ulite on MicroPython's unix port.",
    )
    p.add_argument("--heap", default="256k", help="MicroPython heap besides the model bytes (default 256k)")
    p.set_defaults(run=run)


def run(args):
    model = CORPUS / "models" / "hello_world_int8.tflite"
    if not model.exists():
        raise UserError("corpus not found at %s (set ULITE_CORPUS)" % CORPUS)
    xs = [0.0, math.pi / 2, math.pi, 3 * math.pi / 2, 2 * math.pi - 0.1]
    in_scale, in_zp, out_scale, out_zp = 0.024480115622282028, -128, 0.008290961943566799, 5
    cases = [[np.array([[round(x / in_scale) + in_zp]], dtype=np.int8)] for x in xs]
    outputs, report = infer_cases(model, cases, unix_port.parse_size(args.heap))
    print("hello_world_int8 on MicroPython (ulite, arena %d bytes):" % report["arena_bytes"])
    for x, out, us in zip(xs, outputs, report["invoke_us"]):
        y = (int(out[0][0, 0]) - out_zp) * out_scale
        print("  sin(%.3f) = %+.3f   model: %+.3f   (%d us)" % (x, math.sin(x), y, us))
