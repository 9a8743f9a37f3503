"""build-runtime: .mpy per architecture, package.json for mip, and flash's check that the
board it talks to runs the architecture its --board names."""

import json
import re
import shutil

import pytest

from host_tools import boards, runtime
from host_tools.architectures import MPY_ARCH, THUMB
from host_tools.errors import UserError
from host_tools.flashing import target_board
from host_tools.paths import MPY_DIR, ROOT


@pytest.mark.parametrize("name", ["rp2040", "rp2350", "esp32", "virtual"])
def test_runtime_compiles_for_each_architecture(name):
    board = boards.load(name)
    files = runtime.build(board)
    arch = "x64" if board.mpy_arch == "host" else board.mpy_arch
    expected = {"lib/" + p.with_suffix(".mpy").as_posix() for p in runtime.sources(arch)}
    assert set(files) == expected
    assert ("lib/ulite/loops/thumb/asm.mpy" in files) == (arch in THUMB)
    header = files["lib/ulite/loops/viper/requant.mpy"].read_bytes()[:3]
    arch = MPY_ARCH["x64"] if board.mpy_arch == "host" else MPY_ARCH[board.mpy_arch]
    assert header[:2] == b"M\x06" and header[2] >> 2 == arch  # viper: native code


def test_thumb_cores_are_those_the_device_runs_thumb_loops_on():
    """The host's list of Thumb cores (what gets the assembler backend) is the device's."""
    loops = (MPY_DIR / "ulite" / "loops" / "__init__.py").read_text()
    device = re.search(r"^ARM_ARCHS = \(([\d, ]+)\)", loops, re.M).group(1)
    assert [int(n) for n in device.split(",")] == [MPY_ARCH[arch] for arch in THUMB]


def test_stale_mpy_files_are_removed(tmp_path):
    board = boards.load("rp2040")
    cached = runtime.build(board)["lib/ulite/__init__.mpy"].parents[2]
    shutil.copytree(cached, tmp_path, dirs_exist_ok=True)  # keeps mtimes: nothing recompiles
    runtime.build(board, tmp_path)
    stale = tmp_path / "lib" / "ulite" / "gone.mpy"
    stale.write_bytes(b"M")
    runtime.build(board, tmp_path)
    assert not stale.exists()


def test_package_json_lists_the_runtime():
    """package.json is what `mpremote mip install github:OWNER/REPO` reads: run
    `python -m host_tools build-runtime --board virtual --package-json` after adding a module."""
    package = json.loads((ROOT / "package.json").read_text())
    assert package == json.loads(runtime.package_json())
    assert package["version"] == runtime.version()
    for target, url in package["urls"]:
        assert (ROOT / url).is_file() and url == "mpy/" + target


def info(mpy, virtual=None, machine="Raspberry Pi Pico with RP2040"):
    return {"mpy": mpy, "virtual": virtual, "machine": machine}


def mpy_of(arch, sub=3):
    return 6 | ((MPY_ARCH[arch] << 2 | sub) << 8)


def test_board_architecture_is_checked():
    rp2040 = boards.load("rp2040")
    assert target_board(rp2040, info(mpy_of("armv6m")), "/dev/ttyACM0") == rp2040
    with pytest.raises(
        UserError,
        match=r"runs xtensawin code \(ESP32 module with ESP32\), not armv6m for --board rp2040",
    ):
        target_board(
            rp2040, info(mpy_of("xtensawin"), machine="ESP32 module with ESP32"), "/dev/ttyACM0"
        )
    with pytest.raises(UserError, match=r"\.mpy v6\.2; ulite's \.mpy are v6\.3"):
        target_board(rp2040, info(mpy_of("armv6m", 2)), "/dev/ttyACM0")


def test_virtual_board_runs_host_code_with_the_emulated_boards_memory():
    rp2040 = boards.load("rp2040")
    built = target_board(rp2040, info(mpy_of("x64"), virtual="rp2040"), "/dev/pts/3")
    assert built.mpy_arch == "host" and built.heap_bytes == rp2040.heap_bytes
    with pytest.raises(UserError, match="/dev/pts/3 is a virtual esp32 board: use --board esp32"):
        target_board(rp2040, info(mpy_of("x64"), virtual="esp32"), "/dev/pts/3")
    with pytest.raises(UserError, match="is a real board"):
        target_board(boards.load("virtual"), info(mpy_of("armv6m")), "/dev/ttyACM0")
