"""The MicroPythons device scripts (host_tools/device/) run on, by name: `on` in the library,
`--on` on the command line. (A board's serial device is a `port`, as in mpremote.)

- unix: MicroPython's 64-bit unix port, with viper (the `viper` loop backend by default).
- wasm: its 32-bit WebAssembly port under Node, without viper (the `plain` backend).
- arm: the ARM board (host_tools/qemu.py), bare-metal MicroPython on a Cortex-M core
  running the RP2040's ARMv6-M runtime (the `thumb` backend), with a fixed ~200 KB heap.

Each runs a script the same way (run): its argv, modules from `extra_path`, the files it
reads and writes, its stdout, stderr and exit status. Scripts report to the host in JSON
lines (reports.py).
"""

from . import arm, unix, wasm

NAMES = ("unix", "wasm", "arm")


def run(on, script_path, args=(), heap=None, reads=(), writes=(), extra_path=(), timeout=600):
    """Run a device script on the MicroPython `on` names; returns the CompletedProcess
    (text output).

    reads: host files and directories the script reads; writes: host directories it
    writes files into (the WebAssembly port and the ARM board copy both in, and bring
    `writes` back out). extra_path: directories put before the runtime on the module path.
    heap: the MicroPython heap (the ARM board's cannot be changed). timeout: seconds the
    script may run (a UserError after them).
    """
    if on == "unix":
        return unix.run(script_path, args, heap=heap, timeout=timeout, extra_path=extra_path)
    copy_in = (*reads, *writes)
    if on == "wasm":
        return wasm.run(
            script_path,
            args,
            heap=heap,
            timeout=timeout,
            copy_in=copy_in,
            copy_out=writes,
            extra_path=extra_path,
        )
    if on == "arm":
        return arm.run(
            script_path,
            args,
            timeout=timeout,
            copy_in=copy_in,
            copy_out=writes,
            extra_path=extra_path,
        )
    raise ValueError("unknown MicroPython %r; choose one of %s" % (on, ", ".join(NAMES)))
