"""`bench --board rp2040`: the instructions measured on the ARM board beside the estimate.

Per model: the board's instructions per invoke with the thumb loops (and with viper, for
comparison; ops the Thumb backend runs with viper's loops, int16 ones among them, are
marked "(viper)"), the estimate's own count and their ratio, the RP2040 time from the measured
instructions (measured.py) and from the estimate alone (estimate.py); per op the same
split into kernel and other instructions. The estimate and the board see the same inputs
(board.inputs), and the board's outputs are checked against TFLM's on them: a figure for
wrong results would be worthless.
"""

import zlib

import numpy as np

from . import board, estimate, measured

MHZ = estimate.CLOCK_HZ / 1e6

# Board figures published for these models (../shared/docs/peers.md), beside ours.
PUBLISHED = {
    "person_detect": "823 ms, RP2040 one core, TFLM + CMSIS-NN (pico-tflmicro); 587 ms on both cores",
    "vww_96_int8": "1631 ms, RP2040 @133 MHz, TinyMaix; VWW 1869 ms, Cortex-M0+ @64 MHz (Bosch HALE); 600.6 ms, Cortex-M4F @120 MHz (TFLM)",
    "kws_ref_model": "KWS 679 ms, Cortex-M0+ @64 MHz (Bosch HALE); 181.9 ms, Cortex-M4F @120 MHz (TFLM)",
    "ic_resnet8_int8": "IC 1669 ms, Cortex-M0+ @64 MHz (Bosch HALE); 704.3 ms, Cortex-M4F @120 MHz (TFLM)",
    "ad01_int8": "AD: 46.5 ms, Cortex-M0+ @64 MHz (Bosch HALE); 10.05 ms, Cortex-M4F @120 MHz (TFLM)",
}


def tflm_output_crc32(model_bytes, inputs):
    from tflite_micro.python.tflite_micro import runtime

    interp = runtime.Interpreter.from_bytes(model_bytes, arena_size=4 << 20)
    for i, x in enumerate(inputs):
        interp.set_input(x, i)
    interp.invoke()
    return zlib.crc32(np.ascontiguousarray(interp.get_output(0)).tobytes())


def run(path, estimator):
    """The figures of one model (a dict; "ops" per op)."""
    model_bytes = path.read_bytes()
    inputs = board.inputs(model_bytes)
    counts = board.count(path)
    estimated = estimate.estimate(model_bytes, estimator, inputs)
    from_board = measured.from_board(estimated, counts)
    expected = tflm_output_crc32(model_bytes, inputs)
    ops = [
        {
            "op": e["op"] + (" (viper)" if e["loops"] == "viper" else ""),
            "board_instructions": b["instructions"],
            "board_kernel_instructions": b["kernel_instructions"],
            "board_other_instructions": b["other_instructions"],
            "estimate_instructions": e["instructions"],
            "estimate_kernel_instructions": e["kernel_instructions"],
            "estimate_other_instructions": e["other_instructions"],
            "ms": b["cycles"] / estimate.CLOCK_HZ * 1000,
        }
        for e, b in zip(estimated["ops"], from_board["ops"])
    ]
    return {
        "model": path.stem,
        "board_instructions": counts["thumb"]["invoke"],
        "board_viper_instructions": counts["viper"]["invoke"],
        "estimate_instructions": round(estimated["instructions"]),
        "ratio": estimated["instructions"] / counts["thumb"]["invoke"],
        "ms": from_board["ms"],
        "kernel_ms": sum(b["kernel_cycles"] for b in from_board["ops"]) / estimate.CLOCK_HZ * 1000,
        "estimate_ms": estimated["ms"],
        "exact": all(counts[loops]["output_crc32"] == expected for loops in ("thumb", "viper")),
        "kernel_ms_estimated": {name: c / estimate.CLOCK_HZ * 1000 for name, c in estimated["by_kernel"].items()},
        "ops": ops,
    }


def text(r, per_op):
    """Lines for the terminal."""
    out = [
        "%s: RP2040 %.1f ms per invoke at %.0f MHz, from %d instructions on the ARM board (thumb loops; "
        "viper loops %d); the estimate alone %d instructions (%.3f of the board's), %.1f ms%s"
        % (
            r["model"], r["ms"], MHZ, r["board_instructions"], r["board_viper_instructions"],
            r["estimate_instructions"], r["ratio"], r["estimate_ms"],
            "" if r["exact"] else "; WARNING: the board's outputs differ from TFLM's",
        )
    ]  # fmt: skip
    if per_op:
        headings = ("op", "ms", "board: kernels + other", "estimate: kernels + other", "estimate / board")
        out.append("    %-26s %8s  %33s  %33s  %s" % headings)
        for op in r["ops"]:
            out.append(
                "    %-26s %8.2f  %9d = %9d + %9d  %9d = %9d + %9d  %.3f"
                % (
                    op["op"], op["ms"], op["board_instructions"], op["board_kernel_instructions"],
                    op["board_other_instructions"], op["estimate_instructions"], op["estimate_kernel_instructions"],
                    op["estimate_other_instructions"], _ratio(op),
                )
            )  # fmt: skip
        kernels = sorted(r["kernel_ms_estimated"].items(), key=lambda kv: -kv[1])
        out.append("  by kernel (estimated): " + ", ".join("%s %.1f ms" % kv for kv in kernels))
    return out


def _ratio(op):
    return op["estimate_instructions"] / op["board_instructions"] if op["board_instructions"] else float("nan")


def _m(instructions):
    return "%.2fM" % (instructions / 1e6) if instructions >= 1e6 else "%.0fk" % (instructions / 1e3)


def markdown(results, published):
    """The summary table (and `published` figures per model name)."""
    lines = [
        "| model | ARM board: instructions, thumb loops | viper loops | estimate: instructions | estimate / board "
        "| RP2040 ms from the board's instructions (kernels) | RP2040 ms, estimate alone | outputs = TFLM's "
        "| published on RP2040-class boards (../shared/docs/peers.md) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            "| %s | %s | %s | %s | %.3f | %.1f (%.1f) | %.1f | %s | %s |"
            % (
                r["model"], _m(r["board_instructions"]), _m(r["board_viper_instructions"]),
                _m(r["estimate_instructions"]), r["ratio"], r["ms"], r["kernel_ms"], r["estimate_ms"],
                "yes" if r["exact"] else "NO", published.get(r["model"], ""),
            )
        )  # fmt: skip
    return "\n".join(lines)


def markdown_ops(r):
    """One model's per-op table."""
    lines = [
        "| # | op | board: instructions | kernels | other | estimate: instructions | kernels | other "
        "| estimate / board | RP2040 ms |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for i, op in enumerate(r["ops"]):
        lines.append(
            "| %d | %s | %d | %d | %d | %d | %d | %d | %.3f | %.2f |"
            % (
                i, op["op"], op["board_instructions"], op["board_kernel_instructions"], op["board_other_instructions"],
                op["estimate_instructions"], op["estimate_kernel_instructions"], op["estimate_other_instructions"],
                _ratio(op), op["ms"],
            )
        )  # fmt: skip
    return "\n".join(lines)
