"""`convert`: a .tflite model as a frozen-ready MicroPython module for one board."""

from .. import boards, fit, qemu_vboard, runtime_heap
from ..conversion import convert


def add_parser(commands):
    p = commands.add_parser(
        "convert",
        help="turn a .tflite model into a frozen module for a board",
        description=(
            "Write DIR/NAME.py (the model as one bytes literal, MODEL, with its input/output "
            "shapes, dtypes and quantization, the arena its plan needs and the .tflite's "
            "SHA-256), DIR/NAME.mpy compiled for BOARD's architecture, DIR/manifest.py to "
            "freeze ulite and the model into MicroPython firmware, and DIR/NAME.romfs for "
            "`mpremote romfs deploy`. A model with ops ulite cannot run is refused before "
            "anything is written. Warns, with the numbers, when the model does not fit BOARD."
        ),
        epilog="example: python -m host_tools convert person_detect.tflite --board rp2040",
    )
    p.add_argument("model", help=".tflite file")
    p.add_argument("--board", required=True, help="one of: " + ", ".join(boards.names()))
    p.add_argument("--name", help="module name (default: the model file's name)")
    p.add_argument("-o", "--out", metavar="DIR", help="output directory (default: NAME-BOARD)")
    p.set_defaults(run=run)


def run(args):
    board = boards.load(args.board)
    result = convert(args.model, board, args.name, args.out)
    arena, size = result["info"]["arena_bytes"], result["model_bytes"]
    source, compiled, manifest, sources, image = result["files"]
    print(
        "wrote %s, %s (%s), %s (with ulite's sources in %s/), %s"
        % (source, compiled.name, board.mpy_arch, manifest.name, sources.name, image.name)
    )
    print(
        "model %d bytes (%d with ulite's precomputed tables and plan), sha256 %s; arena %d bytes"
        % (result["source_bytes"], size, result["sha256"], arena)
    )
    print("\n".join(fit.lines(board, fit.fit(board, result["info"], runtime_heap.load()))))
    print("firmware with ulite and the model frozen in flash (in a MicroPython checkout):")
    print("    " + board.firmware_build.format(manifest=manifest.resolve()))
    image_bytes = image.stat().st_size
    if qemu_vboard.emulates(board):
        print("or boot the virtual ARM board with it (or `flash` it to a running one):")
        print(
            "    ulite vboard --board %s --romfs %s    # %d-byte image"
            % (board.name, image, image_bytes)
        )
    else:
        print("or, without rebuilding firmware, on a board with ROMFS:")
        print("    mpremote romfs deploy %s    # %d-byte image" % (image, image_bytes))
    if board.romfs_bytes and image_bytes > board.romfs_bytes:
        print(
            "warning: the %d-byte ROMFS image exceeds the %d-byte ROMFS partition of %s"
            % (image_bytes, board.romfs_bytes, board.name)
        )
    print("    (%s: %s)" % (board.name, board.romfs_note))
