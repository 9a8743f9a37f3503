"""`mpremote mip install` of the runtime from package.json, on a fresh virtual board."""

from conftest import golden_cases, model_path

from host_tools import vboards
from host_tools.paths import ROOT

from .test_vboard import mpremote


def test_mip_installs_a_working_runtime():
    ((inputs, expected),) = golden_cases("hello_world_int8")[:1]
    with vboards.started("rp2040") as port:
        out = mpremote(port, "mip", "install", str(ROOT / "package.json"))
        assert "Done" in out
        mpremote(port, "fs", "cp", str(model_path("hello_world_int8")), ":hello_world.tflite")
        out = mpremote(
            port,
            "exec",
            "import ulite\n"
            "m = ulite.Interpreter(open('hello_world.tflite', 'rb').read())\n"
            "m.input(0).copy_from(%r)\n"
            "m.invoke()\n"
            "print(ulite.__file__, m.output(0).values()[0])" % inputs[0].tobytes(),
        )
    ulite_file, value = out.split()
    assert ulite_file.endswith("/lib/ulite/__init__.py")  # the .py sources mip installed
    assert int(value) == expected[0][0, 0]
