"""Child processes the host tools start (MicroPython, QEMU, a virtual board)."""

import subprocess


def stop(process, grace):
    """End `process`: SIGTERM, then SIGKILL if it has not exited within `grace` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
