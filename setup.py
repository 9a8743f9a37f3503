"""The package's contents (pyproject.toml holds the rest): host_tools, with the device
runtime (mpy/ulite) and the board definitions (boards/) installed inside it, as
host_tools/mpy and host_tools/boards, where host_tools/paths.py finds them."""

from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["host_tools", "host_tools.*"])
    + ["host_tools.device", "host_tools.boards"]
    + ["host_tools.mpy." + name for name in find_packages("mpy")],
    package_dir={"host_tools.mpy": "mpy", "host_tools.boards": "boards"},
    package_data={"host_tools.boards": ["*.toml", "*.json"]},
)
