"""`speech`: a spoken word from a WAV file, through TFLM's micro_speech pipeline on
MicroPython (the library: host_tools/speech.py)."""

import numpy as np

from .. import boards, micropython, speech
from ..arrays import check_out
from ..errors import UserError

WHERE = {
    "unix": "MicroPython's unix port",
    "wasm": "MicroPython's WebAssembly port",
    "arm": "the ARM board (its clock counts instructions: 1 ms = 1,000,000 executed)",
}


def add_parser(commands):
    p = commands.add_parser(
        "speech",
        help="classify a spoken word (yes, no, silence, unknown) from a WAV file",
        description=(
            "Run TFLM's micro_speech pipeline with ulite on MicroPython (its unix port by "
            "default, another with --on, or a board on DEV with --port): the clip's 16 kHz "
            "16-bit mono samples through the audio front end (audio_preprocessor_int8: a "
            "480-sample window every 320 samples, 40 int8 features per frame, state carried "
            "between frames) with ulite.audio.FrontEnd, then the last 49 frames' features "
            "through micro_speech_quantized. Prints the label and the four scores (silence, "
            "unknown, yes, no); --out writes features (49, 40) int8 and scores (1, 4) int8 to "
            "an .npz. With --port, both models and the runtime are flashed to the board first "
            "and the samples go over its REPL, 20 ms at a time."
        ),
        epilog="example: python -m host_tools speech yes_1000ms.wav --out yes.npz",
    )
    p.add_argument("wav", help="16 kHz mono 16-bit PCM .wav file, at least 0.99 s long")
    p.add_argument(
        "--on",
        choices=micropython.NAMES,
        default="unix",
        help="the MicroPython to run on: unix (its 64-bit unix port, default), wasm (its "
        "32-bit WebAssembly port, under Node), arm (the ARM board, with the RP2040's runtime)",
    )
    p.add_argument("--port", metavar="DEV", help="instead, a board's serial device")
    p.add_argument("--board", default="rp2040", help="the board on DEV (default rp2040)")
    p.add_argument("--out", metavar="OUT.npz", help="write features and scores here")
    p.set_defaults(run=run)


def run(args):
    if args.port and args.on != "unix":
        raise UserError("--on %s runs MicroPython on this computer: leave it out with --port" % args.on)
    if args.out:
        check_out(args.out)
    samples = speech.read_wav(args.wav)
    if args.port:
        result = speech.on_board(samples, args.port, boards.load(args.board))
        where = "the %s board on %s" % (args.board, args.port)
    else:
        result = speech.on_micropython(samples, args.on)
        where = WHERE[args.on]
    report = result.report
    if report["frames"] < speech.FRAMES:
        raise UserError("%d frames from %s, fewer than %d" % (report["frames"], args.wav, speech.FRAMES))
    print("%s: %s" % (args.wav, result.label))
    scores = result.scores.reshape(-1)
    print("  " + "  ".join("%s %d" % (label, s) for label, s in zip(speech.LABELS, scores)))
    print(
        "  %d frames through the front end in %.1f ms (%.2f ms a frame), classifier %.1f ms, on %s"
        % (report["frames"], report["front_end_us"] / 1000, report["front_end_us"] / 1000 / report["frames"],
           report["classifier_us"] / 1000, where)
    )  # fmt: skip
    if args.out:
        np.savez(args.out, features=result.features, scores=result.scores)
        print("wrote %s" % args.out)
