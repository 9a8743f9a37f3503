"""`build-runtime`: the ulite runtime as .mpy for a board; package.json for mip."""

from pathlib import Path

from .. import boards, runtime


def add_parser(commands):
    p = commands.add_parser(
        "build-runtime",
        help="compile the ulite runtime to .mpy for a board",
        description=(
            "Compile every module of the ulite package (mpy/ulite) with mpy-cross for BOARD's "
            "architecture into DIR/lib/ulite/ (default build/runtime/ARCH). Copy DIR/lib to a "
            "board's /lib, or let `flash` do it. --package-json rewrites package.json, the "
            "file `mpremote mip install github:OWNER/REPO` reads to install the runtime as .py "
            "sources."
        ),
        epilog="example: python -m host_tools build-runtime --board rp2040",
    )
    p.add_argument("--board", required=True, help="one of: " + ", ".join(boards.names()))
    p.add_argument("-o", "--out", metavar="DIR", help="output directory")
    p.add_argument("--package-json", action="store_true", help="also rewrite package.json")
    p.set_defaults(run=run)


def run(args):
    board = boards.load(args.board)
    files = runtime.build(board, args.out)
    out = Path(args.out) if args.out else runtime.build_dir(board)
    size = sum(p.stat().st_size for p in files.values())
    print(
        "%s: %d modules, %d bytes of .mpy for %s (%s)"
        % (out / runtime.DEVICE_LIB / "ulite", len(files), size, board.name, board.mpy_arch)
    )
    if args.package_json:
        runtime.write_package_json()
        print("%s: %d files, version %s" % (runtime.PACKAGE_JSON, len(files), runtime.version()))
