"""`vboard`: a virtual board, MicroPython's unix port behind a pseudo-terminal, or the ARM
board under QEMU."""

import shutil
import tempfile
from pathlib import Path

from .. import boards, qemu_vboard
from ..errors import UserError
from ..unix_vboard import FIRMWARES, VirtualBoard
from ..vboards import serve


def add_parser(commands):
    p = commands.add_parser(
        "vboard",
        help="start a virtual board (MicroPython unix port, or the ARM board under QEMU)",
        description=(
            "Start a virtual board behind a pseudo-terminal. The first line printed is the "
            "device path to give `flash --port`, `run --port`, `demo --port` or `mpremote "
            "connect`; the board runs until stopped (Ctrl-C, SIGTERM). "
            "With --board qemu-arm it is the virtual ARM board: MicroPython's bare-metal qemu "
            "port on an MPS2-AN385 (Cortex-M3) under QEMU (qemu-system-arm), which runs the "
            "ARMv6-M code a Pico runs, with a Pico's heap. It has no writable filesystem: "
            "models and the runtime live in its ROMFS partition (/rom), loaded from --romfs "
            "IMAGE (convert's NAME.romfs) at boot; `flash` deploys a new image and the board "
            "restarts with it, on the same device path. It sleeps (QEMU paused) while no "
            "client has its device open. "
            "With any other BOARD it is MicroPython's unix port with BOARD's heap, in a "
            "scratch directory that acts as its filesystem (lib/ is on its sys.path, like "
            "/lib on a board). It answers the raw REPL like a board, soft resets by "
            "restarting the process. By default it stands for custom firmware with ulite and "
            "the models frozen in: their code and bytes are kept out of its heap, as a board "
            "keeps them in flash; --firmware stock stands for the firmware a board ships "
            "with: nothing preloaded, the runtime and the model imported from its filesystem "
            "into the board's heap. It is not a sandbox: absolute paths reach the host's files."
        ),
        epilog=(
            "examples: python -m host_tools vboard --board rp2040; python -m host_tools vboard "
            "--board qemu-arm --romfs person_detect-qemu-arm/person_detect.romfs"
        ),
    )
    p.add_argument(
        "--board",
        default="rp2040",
        help="board to emulate (default rp2040): qemu-arm runs the ARM firmware under QEMU, "
        "any other board the unix port with that board's heap",
    )
    p.add_argument(
        "--dir",
        help="unix port: use DIR as the filesystem and keep it (default: a temporary one)",
    )
    p.add_argument(
        "--firmware",
        choices=FIRMWARES,
        default="custom",
        help="unix port: the firmware it stands for: custom (default: ulite and the models "
        "frozen in, nothing of them on the heap) or stock (nothing preloaded: the runtime and "
        "the model are imported from the filesystem into the board's heap)",
    )
    p.add_argument(
        "--romfs",
        metavar="IMAGE",
        help="qemu-arm: the ROMFS image to boot with (default: none; `flash` deploys one)",
    )
    p.set_defaults(run=run)


def run(args):
    board = boards.load(args.board)
    if qemu_vboard.emulates(board):
        if args.dir:
            raise UserError(
                "--dir is for the unix-port boards: %s has no writable filesystem"
                " (its models come in ROMFS images: --romfs, or `flash`)" % board.name
            )
        if args.firmware != "custom":
            raise UserError("--firmware is for the unix-port boards: %s runs its own" % board.name)
        arm = qemu_vboard.ArmBoard(board, args.romfs)
        serve(arm, arm.summary())
        return
    if args.romfs:
        raise UserError(
            "--romfs is for --board qemu-arm; the unix-port board takes files on its"
            " filesystem (--dir, `flash`)"
        )
    if args.dir:
        fs_dir, temporary = Path(args.dir), False
    else:
        fs_dir, temporary = Path(tempfile.mkdtemp(prefix="ulite-vboard-")), True
    summary = (
        "virtual %s (%s firmware): MicroPython unix port, heap %d bytes%s, filesystem %s;"
        " stop with Ctrl-C"
        % (
            board.name,
            args.firmware,
            board.heap_bytes,
            " + model modules" if args.firmware == "custom" else "",
            fs_dir,
        )
    )
    try:
        serve(VirtualBoard(board, fs_dir, args.firmware), summary)
    finally:
        if temporary:
            shutil.rmtree(fs_dir, ignore_errors=True)

