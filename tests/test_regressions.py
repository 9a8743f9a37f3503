"""Every model the fuzzer ever crashed ulite with (tests/regressions/) now loads cleanly.

Each file is described, constructed and, when it constructs, invoked with zeroed inputs,
on MicroPython with both loop backends: the outcome must be success or ModelError /
UnsupportedOpError / ArenaError, with the model bytes and the arena tail untouched and both
backends computing the same outputs.
"""

import pytest
from fuzz import REGRESSIONS, is_crash, run_cases

FILES = sorted(REGRESSIONS.glob("*.tflite"))


@pytest.fixture(scope="module")
def results():
    models = {path.stem: path.read_bytes() for path in FILES}
    cases = [
        {"i": 2 * k + j, "m": path.stem, "t": -1, "p": [], "v": True, "l": loops, "x": True}
        for k, path in enumerate(FILES)
        for j, loops in enumerate(("viper", "plain"))
    ]
    return {(case["m"], case["l"]): r for case, r in zip(cases, run_cases(models, cases))}


def test_regressions_exist():
    assert len(FILES) >= 2


@pytest.mark.parametrize("loops", ["viper", "plain"])
@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_regression_loads_cleanly(results, path, loops):
    result = results[(path.stem, loops)]
    assert not is_crash(result), result
