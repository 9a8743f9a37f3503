"""Arguments several commands take alike (a helper of the command layer, not a command)."""

from ..results import TOP


def inputs_and_outputs(p):
    """--input (the model's inputs) and what to do with its outputs: --out, --labels, --top."""
    p.add_argument(
        "--input",
        action="append",
        default=[],
        metavar="X.npy",
        help="one per model input, in order",
    )
    p.add_argument("--out", metavar="OUT.npz", help="also write the outputs here")
    p.add_argument("--labels", metavar="FILE", help="names of an output's values, one a line")
    p.add_argument(
        "--top", type=int, default=TOP, help="how many top scores to print (default %d)" % TOP
    )
