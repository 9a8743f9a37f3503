"""`demo`: person detection and spoken words on a board, virtual or real: convert, flash,
run, report."""

import contextlib

from .. import boards, qemu_vboard, speech, vboards
from ..board_run import run_cases
from ..errors import UserError
from ..flashing import flash
from ..images import person_detect_input
from ..model_info import describe
from ..paths import CORPUS
from ..results import dequantized


def add_parser(commands):
    p = commands.add_parser(
        "demo",
        help="person detection and spoken words on a virtual (or real) board",
        description=(
            "Start a virtual RP2040 board, convert and flash TFLM's person detection model, "
            "run it on person.bmp and no_person.bmp from the corpus through the board's REPL, "
            "print both scores and the invoke time measured on the board; then flash TFLM's "
            "micro_speech pipeline (the audio front end and the classifier), send it the yes, "
            "no and silence clips 20 ms at a time over the REPL, print each word with its "
            "scores and the time the board took; and stop the board. "
            "--board qemu-arm starts the virtual ARM board instead (`vboard --board qemu-arm`). "
            "With --port and --board it does the same on a board already running: a real one, "
            "or a virtual one started with `vboard`."
        ),
        epilog="example: python -m host_tools demo --port /dev/ttyACM0 --board rp2040",
    )
    p.add_argument(
        "--port", metavar="DEV", help="a board's serial device (default: start a virtual one)"
    )
    p.add_argument("--board", default="rp2040", help="the board's definition (default rp2040)")
    p.set_defaults(run=run)


def _log_summary(line):
    if not line.startswith(("copied ", "removed ")):
        print("  " + line)


def person_detection(port, board):
    model = CORPUS / "models" / "person_detect.tflite"
    info = describe(model)
    flash(port, board, model, log=_log_summary)
    images = ["person.bmp", "no_person.bmp"]
    cases = [[person_detect_input(CORPUS / "data" / image)] for image in images]
    outputs, report = run_cases(port, "person_detect", cases)
    for image, out, us in zip(images, outputs, report["invoke_us"]):
        not_person, person = dequantized(out[0].reshape(-1), *info["outputs"][0][3:])
        print(
            "  %-14s person %3.0f%%   no person %3.0f%%   (invoke %.1f ms on the board)"
            % (image, 100 * person, 100 * not_person, us / 1000)
        )
    if qemu_vboard.emulates(board):
        print("  (the ARM board's clock counts instructions: 1 ms = 1,000,000 executed)")


def spoken_words(port, board):
    for clip in ("yes", "no", "silence"):
        samples = speech.read_wav(CORPUS / "data" / ("%s_1000ms.wav" % clip))
        result = speech.on_board(samples, port, board)
        report = result.report
        scores = ", ".join("%s %d" % (label, s) for label, s in zip(speech.LABELS, result.scores[0]))
        print(
            "  %-18s heard %-8s (%s; front end %.1f ms a frame, classifier %.1f ms on the board)"
            % (clip + "_1000ms.wav", result.label, scores,
               report["front_end_us"] / 1000 / report["frames"], report["classifier_us"] / 1000)
        )  # fmt: skip


def run(args):
    board = boards.load(args.board)
    if not (CORPUS / "models").is_dir():
        raise UserError("corpus not found at %s (set ULITE_CORPUS)" % CORPUS)
    with contextlib.ExitStack() as stack:
        port = args.port
        if port is None:
            port = stack.enter_context(vboards.started(board.name))
            print("virtual %s board on %s" % (board.name, port))
        else:
            print("%s board on %s" % (board.name, port))
        print("person detection (TFLM's person_detect.tflite, 96x96 grayscale):")
        person_detection(port, board)
        print("spoken words (TFLM's micro_speech: audio_preprocessor_int8, then micro_speech_quantized):")
        spoken_words(port, board)
    if args.port is None:
        print("stopped the virtual board")
