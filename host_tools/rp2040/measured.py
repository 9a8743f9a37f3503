"""RP2040 time from the instructions measured on the ARM board (board.py), op by op.

An op's instructions with the thumb loops, less those with its kernels stubbed (its other
instructions, plus a stub's push and pop per kernel call), are its kernel instructions: they
cost the Cortex-M0+ cycles per instruction of the op's planned calls in the emulator
(estimate.py); the other instructions cost their kind's cycles per instruction
(estimate.OTHER). Ops without a Thumb plan are all other instructions, and so is what the
invoke adds to its ops' figures (interp.profile() times each op).
"""

from . import estimate
from .board import STUB_INSTRUCTIONS


def from_board(estimated, counts):
    """`estimate.estimate`'s result for the same model, with the board's instructions
    (`counts`: board.count's result with the "thumb" and "glue" loops) in place of the
    estimated ones; same keys."""
    rows = []
    for op, (_, measured), (_, glue) in zip(estimated["ops"], counts["thumb"]["ops"], counts["glue"]["ops"]):
        other = glue - STUB_INSTRUCTIONS * op["calls"] if op["calls"] else measured
        kernel = measured - other
        cpi = op["kernel_cycles"] / op["kernel_instructions"] if op["kernel_instructions"] else 0
        rows.append(
            {
                "op": op["op"], "calls": op["calls"], "kernel_instructions": kernel, "kernel_cycles": kernel * cpi,
                "other": op["other"], "other_instructions": other, "instructions": measured,
                "cycles": kernel * cpi + other * estimate.OTHER[op["other"]].cpi,
            }
        )  # fmt: skip
    return estimate.totals(rows, counts["thumb"]["invoke"] - sum(r["instructions"] for r in rows))
