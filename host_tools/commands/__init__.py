"""The host tools' commands, one module each, named after the command (build-runtime:
build_runtime.py). A command module only parses and prints: add_parser(commands) adds its
subparser, with set_defaults(run=run); run(args) calls the library (the modules of
host_tools) and prints what it returns. Commands never import each other.

To add a command: write its module here and list it in COMMANDS, in the order of the
help's listing.
"""

from . import bench, build_runtime, convert, demo, flash, infer, inspect, run, speech, vboard

COMMANDS = (inspect, infer, convert, build_runtime, flash, run, vboard, bench, demo, speech)
