"""`flash`: put the ulite runtime and a converted model on a board, over its REPL."""

from .. import boards
from ..flashing import flash


def add_parser(commands):
    p = commands.add_parser(
        "flash",
        help="copy the ulite runtime and a model to a board",
        description=(
            "Convert MODEL for BOARD (as `convert` does) and copy the runtime (lib/ulite/*.mpy) "
            "and the model module (NAME.mpy) to the board on DEV with mpremote's raw REPL, "
            "after a soft reset. Files already on the board with the same hash are skipped; "
            "each file is written under a temporary name and renamed into place, so an "
            "interrupted copy never leaves a torn module (the next flash removes what it "
            "left). Runtime files the runtime no longer has are removed once the new files "
            "are in place. What the firmware already holds in flash "
            "(frozen, or in ROMFS) with the same version or SHA-256 is not copied. DEV may be "
            "a virtual board (`vboard`). The virtual ARM board (`vboard --board qemu-arm`) has "
            "no writable filesystem: there flash deploys convert's ROMFS image (the model "
            "module and the runtime) and the board restarts with it; the image it runs "
            "already is not deployed again, and a deploy cut off anywhere leaves the old "
            "image. Warns, with the numbers, when the model will not fit."
        ),
        epilog="example: python -m host_tools flash --port /dev/ttyACM0 --board rp2040 model.tflite",
    )
    p.add_argument("model", help=".tflite file")
    p.add_argument("--port", required=True, metavar="DEV", help="serial device of the board")
    p.add_argument("--board", required=True, help="one of: " + ", ".join(boards.names()))
    p.add_argument("--name", help="module name on the board (default: the model file's name)")
    p.set_defaults(run=run)


def run(args):
    flash(args.port, boards.load(args.board), args.model, args.name)
