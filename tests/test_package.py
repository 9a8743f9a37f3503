"""ulite as an installed package: `pip install .` gives the `ulite` command, which finds the
device runtime, the board definitions and the device scripts inside the package, from any
directory, without the checkout."""

import shutil
import subprocess
import sys
import tomllib

import pytest
from conftest import ROOT, model_path

from host_tools import runtime

SOURCES = ("host_tools", "mpy", "boards", "pyproject.toml", "setup.py", "README.md")


def test_version_is_the_runtimes():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["version"] == runtime.version()
    assert project["scripts"]["ulite"] == "host_tools.__main__:cli"


@pytest.mark.slow  # pip builds the package in an isolated environment: 12-30 s
def test_installed_package_runs_from_anywhere(tmp_path):
    source = tmp_path / "source"  # a copy: the build leaves nothing in the checkout
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(
                ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy(ROOT / name, source / name)
    site = tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site)]
    installed = subprocess.run(pip + [str(source)], capture_output=True, text=True)
    assert installed.returncode == 0, installed.stderr
    shutil.rmtree(source)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"PATH": "", "PYTHONPATH": str(site), "HOME": str(tmp_path / "home")}

    def ulite(*args):
        command = [str(site / "bin" / "ulite"), *map(str, args)]
        return subprocess.run(command, capture_output=True, text=True, cwd=elsewhere, env=env)

    helped = ulite("infer", "--help")
    assert helped.returncode == 0 and helped.stdout.startswith("usage: ulite infer")
    described = ulite("inspect", model_path("hello_world_int8"))
    assert described.returncode == 0, described.stderr
    assert "FULLY_CONNECTED" in described.stdout and "arena: 56 bytes" in described.stdout
    built = ulite("build-runtime", "--board", "rp2040", "-o", "runtime")
    assert built.returncode == 0, built.stderr
    assert (elsewhere / "runtime" / "lib" / "ulite" / "loops" / "thumb" / "asm.mpy").is_file()
    converted = ulite("convert", model_path("hello_world_int8"), "--board", "rp2040", "-o", "out")
    assert converted.returncode == 0, converted.stderr
    assert (elsewhere / "out" / "hello_world_int8.romfs").is_file()
    assert (tmp_path / "home" / ".cache" / "ulite" / "runtime" / "armv6m").is_dir()  # not in site
