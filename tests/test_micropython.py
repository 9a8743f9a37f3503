"""host_tools.micropython: one contract for every MicroPython device scripts run on.

The same script runs on each (the unix port, the WebAssembly port, the ARM board): it gets its argv,
imports modules from `extra_path`, reads the `reads` files and the files already in its
`writes` directory, writes files there that come back to the host, prints to stdout, and
its exit status is the process's.
"""

import pytest

from host_tools import micropython

SCRIPT = """
import sys
import helper

_, data_path, out_dir = sys.argv
with open(data_path, "rb") as f:
    data = f.read()
with open(out_dir + "/seed.txt") as f:
    seed = f.read()
with open(out_dir + "/inverted.bin", "wb") as f:
    f.write(bytes(b ^ 0xFF for b in data))
with open(out_dir + "/note.txt", "w") as f:
    f.write(helper.note(seed))
print("read", len(data), "bytes")
sys.exit(3)
"""


@pytest.mark.parametrize("on", micropython.NAMES)
def test_every_micropython_keeps_the_contract(tmp_path, on):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "helper.py").write_text("def note(seed):\n    return seed + ' from a helper'\n")
    script = tmp_path / "script.py"
    script.write_text(SCRIPT)
    data = tmp_path / "data.bin"
    data.write_bytes(bytes(range(256)) * 40 + b"\x04\x1e\r\n")  # bytes a serial link could mangle
    out = tmp_path / "out"
    out.mkdir()
    (out / "seed.txt").write_text("seed")
    result = micropython.run(on, script, [data, out], heap=1 << 20, reads=[data], writes=[out], extra_path=[tmp_path / "lib"])
    assert (result.returncode, result.stdout, result.stderr) == (3, "read 10244 bytes\n", "")
    assert (out / "inverted.bin").read_bytes() == bytes(b ^ 0xFF for b in data.read_bytes())
    assert (out / "note.txt").read_text() == "seed from a helper"


def test_unknown_micropython_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown MicroPython 'pico'; choose one of unix, wasm, arm"):
        micropython.run("pico", tmp_path / "script.py")
