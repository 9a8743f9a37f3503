"""The MicroPython ports device scripts run on, by name.

- unix: the 64-bit unix port, with viper (the `viper` loop backend by default).
- wasm: the 32-bit WebAssembly port under Node, without viper (the `plain` backend).
"""

from . import unix_port, wasm_port

NAMES = ("unix", "wasm")


def run(port, script_path, args=(), heap=None, reads=(), writes=(), extra_path=()):
    """Run a device script on `port`; returns the CompletedProcess (text output).

    reads: host files and directories the script reads; writes: host directories it
    writes files into (the WebAssembly port copies both in, and `writes` back out).
    extra_path: directories put before the runtime on the unix port's module path.
    """
    if port == "unix":
        return unix_port.run(script_path, args, heap=heap, extra_path=extra_path)
    if port == "wasm":
        copy_in = (*reads, *writes)
        return wasm_port.run(script_path, args, heap=heap, copy_in=copy_in, copy_out=writes)
    raise ValueError("unknown port %r; choose one of %s" % (port, ", ".join(NAMES)))
