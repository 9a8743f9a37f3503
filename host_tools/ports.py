"""The MicroPython ports device scripts run on, by name.

- unix: the 64-bit unix port, with viper (the `viper` loop backend by default).
- wasm: the 32-bit WebAssembly port under Node, without viper (the `plain` backend).
- arm: the ARM board (host_tools/arm_port.py), bare-metal MicroPython on a Cortex-M core
  running the RP2040's ARMv6-M runtime (the `thumb` backend), with a fixed ~200 KB heap.
"""

from . import arm_port, unix_port, wasm_port

NAMES = ("unix", "wasm", "arm")


def run(port, script_path, args=(), heap=None, reads=(), writes=(), extra_path=()):
    """Run a device script on `port`; returns the CompletedProcess (text output).

    reads: host files and directories the script reads; writes: host directories it
    writes files into (the WebAssembly port and the ARM board copy both in, and bring
    `writes` back out). extra_path: directories put before the runtime on the module path.
    heap: the MicroPython heap (the ARM board's cannot be changed).
    """
    if port == "unix":
        return unix_port.run(script_path, args, heap=heap, extra_path=extra_path)
    copy_in = (*reads, *writes)
    if port == "wasm":
        return wasm_port.run(
            script_path, args, heap=heap, copy_in=copy_in, copy_out=writes, extra_path=extra_path
        )
    if port == "arm":
        return arm_port.run(script_path, args, copy_in=copy_in, copy_out=writes, extra_path=extra_path)
    raise ValueError("unknown port %r; choose one of %s" % (port, ", ".join(NAMES)))
