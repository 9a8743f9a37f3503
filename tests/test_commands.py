"""Every command explains itself with --help, and user errors are one line and exit 1."""

import subprocess
import sys

import pytest
from conftest import model_path

from host_tools.paths import ROOT

COMMANDS = ["inspect", "infer", "convert", "build-runtime", "flash", "run", "vboard", "demo", "speech"]


def host_tools(*args):
    return subprocess.run(
        [sys.executable, "-m", "host_tools", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_help_explains_the_command(command):
    result = host_tools(command, "--help")
    assert result.returncode == 0
    usage, _, description = result.stdout.partition("\n\n")
    assert usage.startswith("usage: python -m host_tools %s" % command)
    assert len(description.split()) > 15


def test_top_level_help_lists_every_command():
    out = host_tools("--help").stdout
    for command in COMMANDS:
        assert command in out


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["convert", str(model_path("hello_world_int8")), "--board", "pico"],
            "unknown board 'pico'",
        ),
        (["build-runtime", "--board", "pico"], "unknown board 'pico'"),
        (["vboard", "--board", "pico"], "unknown board 'pico'"),
        (["vboard", "--board", "qemu-arm", "--dir", "fs"], "qemu-arm has no writable filesystem"),
        (["vboard", "--board", "rp2040", "--romfs", "x.romfs"], "--romfs is for --board qemu-arm"),
        (
            ["vboard", "--board", "qemu-arm", "--romfs", str(model_path("hello_world_int8"))],
            "not a ROMFS image",
        ),
        (
            [
                "flash",
                "--port",
                "/dev/ulite-none",
                "--board",
                "rp2040",
                str(model_path("hello_world_int8")),
            ],
            "no such port: /dev/ulite-none",
        ),
        (["run", "--port", "/dev/ulite-none", "--name", "m"], "no such port: /dev/ulite-none"),
        (["speech", "nothing.wav"], "WAV file not found: nothing.wav"),
        (["speech", "x.wav", "--on", "arm", "--port", "/dev/ulite-none"], "leave it out with --port"),
        (
            ["convert", "nothing.tflite", "--board", "rp2040"],
            "model file not found: nothing.tflite",
        ),
        # argparse's own usage errors are one line too, not a usage message and status 2
        (["infer"], "the following arguments are required: model"),
        (["convert", "m.tflite"], "the following arguments are required: --board"),
        (["inspect", "m.tflite", "--bogus"], "unrecognized arguments: --bogus"),
        (["infer", "m.tflite", "--on", "pico"], "argument --on: invalid choice: 'pico'"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["bench", "--board", "esp32", "m.tflite"], "bench --board esp32: only rp2040 is measured"),
        (["bench"], "give the model(s) to bench"),
        (["inspect", str(model_path("hello_world_int8")), "--board", "pico"], "unknown board 'pico'"),
    ],
)
def test_errors_are_one_line(args, message):
    result = host_tools(*args)
    assert result.returncode == 1
    assert result.stderr == "error: %s" % result.stderr[7:] and result.stderr.count("\n") == 1
    assert message in result.stderr
