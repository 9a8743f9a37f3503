"""`ulite COMMAND ...` (or `python -m host_tools COMMAND ...`): the ulite host tools."""

import argparse
import sys

from .commands import COMMANDS
from .errors import UserError


class Parser(argparse.ArgumentParser):
    """argparse, with its usage errors one `error:` line (exit status 1) like every other
    mistake, not a usage message and exit status 2."""

    def error(self, message):
        raise UserError("%s (see `%s --help`)" % (message, self.prog))


def parser(prog):
    top = Parser(
        prog=prog,
        description="Host tools for ulite, TensorFlow Lite Micro models on MicroPython.",
        epilog="Run `%s COMMAND --help` for each command's options." % prog,
    )
    commands = top.add_subparsers(title="commands", metavar="COMMAND")
    for module in COMMANDS:
        module.add_parser(commands)
    return top


def main(argv=None, prog="python -m host_tools"):
    top = parser(prog)
    try:
        args = top.parse_args(argv)
        if not hasattr(args, "run"):
            top.print_help()
            return 1
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


def cli():
    """The `ulite` console script."""
    sys.exit(main(prog="ulite"))


if __name__ == "__main__":
    sys.exit(main())
