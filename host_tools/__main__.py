"""python -m host_tools COMMAND ...: the ulite host tools."""

import argparse
import sys

from . import bench, convert, demo, flash, infer, inspect_cmd, run_cmd, runtime, speech_cmd, vboard
from .errors import UserError

COMMANDS = (inspect_cmd, infer, convert, runtime, flash, run_cmd, vboard, bench, demo, speech_cmd)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m host_tools",
        description="Host tools for ulite, TensorFlow Lite Micro models on MicroPython.",
        epilog="Run `python -m host_tools COMMAND --help` for each command's options.",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for module in COMMANDS:
        module.add_parser(commands)
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        args.run(args)
    except UserError as e:
        print("error: %s" % e, file=sys.stderr)
        return 1
    except OSError as e:  # a file the command could not read or write
        print("error: %s" % e, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
