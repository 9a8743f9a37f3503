"""`convert`: a .tflite model as a frozen-ready MicroPython module for one board."""

from .. import boards, qemu_vboard
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
    source, compiled, manifest, image = result["files"]
    print(
        "wrote %s, %s (%s), %s, %s"
        % (source, compiled.name, board.mpy_arch, manifest.name, image.name)
    )
    print("model %d bytes, sha256 %s; arena %d bytes" % (size, result["sha256"], arena))
    warning = board.fit_warning(
        arena, where=" even with ulite and the model frozen in firmware", runtime_in_heap=False
    )
    # from a filesystem, import loads the model's bytes into the heap (the virtual board's
    # stand for frozen ones; the ARM board has none: its models are in ROMFS)
    from_filesystem = board.mpy_arch != "host" and not qemu_vboard.emulates(board)
    if warning is None and from_filesystem:
        warning = board.fit_warning(
            arena, size, where=" from its filesystem (import loads ulite and the model into the heap)"
        )
        if warning:
            warning += "; freeze ulite and the model into firmware (manifest.py), or use ROMFS"
    if warning:
        print(warning)
    elif qemu_vboard.emulates(board):
        print(
            "fits %s: %d-byte heap for arena %d (ulite's code and the model stay in ROMFS)"
            % (board.name, board.heap_bytes, arena)
        )
    else:
        print(
            "fits %s: %d-byte heap for runtime %d + arena %d%s"
            % (
                board.name,
                board.heap_bytes,
                board.runtime_bytes,
                arena,
                " (+ model %d from the filesystem)" % size if from_filesystem else "",
            )
        )
    print("firmware with ulite and the model frozen in flash (in a MicroPython checkout):")
    print("    " + board.firmware_build.format(manifest=manifest.resolve()))
    image_bytes = image.stat().st_size
    if qemu_vboard.emulates(board):
        print("or boot the virtual ARM board with it (or `flash` it to a running one):")
        print(
            "    python -m host_tools vboard --board %s --romfs %s    # %d-byte image"
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
