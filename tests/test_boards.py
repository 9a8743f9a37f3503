"""Board definitions: complete, consistent and sourced. (What fits them: test_inspect.py,
test_runtime_heap.py.)"""

import re

import pytest

from host_tools import boards
from host_tools.errors import UserError

NAMES = ["esp32", "esp32s3", "esp32s3-psram", "qemu-arm", "rp2040", "rp2350", "virtual"]
ARCHES = {"armv6m", "armv7emsp", "xtensawin", "host"}


def test_every_board_is_defined():
    assert boards.names() == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_board_is_consistent_and_sourced(name):
    b = boards.load(name)
    assert b.name == name and b.mpy_arch in ARCHES
    # (the ARM board's models live in a ROMFS partition as big as its RAM)
    assert 0 < b.heap_bytes < b.ram_bytes <= b.flash_bytes or name == "esp32s3-psram"
    assert re.search(r"micropython/micropython#\d+|measured|derived", b.heap_source)
    assert "{manifest}" in b.firmware_build
    if name == "qemu-arm":  # the qemu port freezes nothing of its own
        assert b.base_manifest == ""
    else:
        assert b.base_manifest.startswith("$(PORT_DIR)/")
    assert b.romfs_note


def test_unknown_board_names_the_known_ones():
    with pytest.raises(UserError, match="unknown board 'pico': choose one of esp32, esp32s3"):
        boards.load("pico")
