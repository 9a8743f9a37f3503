"""flash + run on a board (the virtual RP2040, the virtual ARM board, and a real board with
`make hil`): corpus models against TFLM's recorded outputs, bit for bit, and what flash
copies, skips, replaces and removes on a board's filesystem."""

import numpy as np
import pytest
from conftest import golden_cases, model_path

from host_tools import qemu_vboard
from host_tools.board_link import BoardLink
from host_tools.board_run import run_cases
from host_tools.errors import UserError
from host_tools.flashing import flash

from .conftest import skip_unless_runnable

# Every corpus model ulite runs: on the virtual RP2040 with its 200,000-byte heap, the board
# budget boards/rp2040.toml states (runtime and model frozen, as manifest.py builds them), and
# on the ARM board, a Cortex-M3 with 200,208 bytes of heap running the Thumb backend's real
# machine code, the runtime and the model in its ROMFS (convert's image).
MODELS = [
    "hello_world_int8",
    "hello_world_float",
    "simple_add",
    "ad01_int8",
    "micro_speech_quantized",
    "kws_ref_model",
    "ic_resnet8_int8",
    "person_detect",
    "vww_96_int8",
]


def quiet(line):
    pass


def assert_runs_as_tflm(target, name, cases):
    """Flash the model and run `cases` (TFLM's recorded inputs and outputs) on the board."""
    skip_unless_runnable(target, model_path(name))
    flash(target.port, target.board, model_path(name), log=quiet)
    outputs, report = run_cases(target.port, name, [ins for ins, _ in cases])
    assert len(report["invoke_us"]) == len(cases)
    assert all(us >= 0 for us in report["invoke_us"])
    for (_, expected), got in zip(cases, outputs):
        for e, g in zip(expected, got):
            assert g.dtype == e.dtype and g.shape == e.shape
            if e.dtype.kind == "f":
                np.testing.assert_allclose(g, e, rtol=1e-5, atol=0)
            else:
                np.testing.assert_array_equal(g, e)


@pytest.mark.parametrize("name", MODELS)
def test_corpus_model_matches_tflm(board, name):
    """Every TFLM case; on the ARM board the first (its inputs cross a serial line that
    carries 10 KB/s: vww_96_int8's take 4 s a case), and the others in make test-slow."""
    cases = golden_cases(name)
    assert_runs_as_tflm(board, name, cases[:1] if board.kind == "arm" else cases)


@pytest.mark.slow
@pytest.mark.parametrize("name", MODELS)
def test_corpus_model_matches_tflm_in_every_case_on_the_arm_board(arm_board, name):
    assert_runs_as_tflm(arm_board, name, golden_cases(name)[1:])


def test_second_flash_copies_nothing(board):
    model = model_path("hello_world_int8")
    flash(board.port, board.board, model, log=quiet)
    if board.romfs_only:
        boots = qemu_vboard.status(board.port)["boots"]
    again = flash(board.port, board.board, model, log=quiet)
    assert again["copied"] == {} and again["removed"] == []
    if board.romfs_only:  # the same image: not deployed, the board not restarted
        assert again["unchanged"] == 1
        assert qemu_vboard.status(board.port)["boots"] == boots
    else:
        assert again["unchanged"] > 20  # the runtime's modules and the model


def test_flash_replaces_changed_and_removes_stale_files(fs_board):
    model = model_path("hello_world_int8")
    flash(fs_board.port, fs_board.board, model, log=quiet)
    with BoardLink(fs_board.port) as link:
        link.exec("f = open('lib/ulite/tensor.mpy', 'ab'); f.write(b'x'); f.close()")
        link.write_files({"lib/ulite/stale.py": b"raise ImportError\n"})
    result = flash(fs_board.port, fs_board.board, model, log=quiet)
    assert list(result["copied"]) == ["lib/ulite/tensor.mpy"]
    assert result["removed"] == ["lib/ulite/stale.py"]


def test_interrupted_write_keeps_the_old_file(fs_board):
    with BoardLink(fs_board.port) as link:
        link.write_files({"ulite_hil_probe.py": b"VALUE = 1\n"})
        link.exec("_ul_open('ulite_hil_probe.py')")
        link.exec("_ul_put(0, 'VkFMVUUgPSAy')")  # "VALUE = 2", never committed
    with BoardLink(fs_board.port) as link:  # soft reset: the write is abandoned
        assert link.eval_call("import ulite_hil_probe; print(ulite_hil_probe.VALUE)") == 1
        link.remove(["ulite_hil_probe.py", "ulite_hil_probe.py.part"])


def test_full_board_is_refused_before_copying(virtual_board, monkeypatch):
    class FullBoard(BoardLink):
        def __init__(self, port):
            super().__init__(port)
            self.info["fs_free"] = 1000

    monkeypatch.setattr("host_tools.flashing.BoardLink", FullBoard)
    with BoardLink(virtual_board.port) as link:
        link.remove([p for p in ("hello_world_int8.mpy",) if link.digests([p])[0]])
    with pytest.raises(
        UserError, match=r"board full: \d+ bytes to copy, 1000 bytes free on /dev/pts/"
    ):
        flash(virtual_board.port, virtual_board.board, model_path("hello_world_int8"), log=quiet)
    with BoardLink(virtual_board.port) as link:
        assert link.digests(["hello_world_int8.mpy"]) == [None]


def test_run_refuses_wrong_input(board):
    flash(board.port, board.board, model_path("hello_world_int8"), log=quiet)
    with pytest.raises(
        UserError, match=r"input 0: hello_world_int8 expects int8 \(1, 1\), got float32"
    ):
        run_cases(board.port, "hello_world_int8", [[np.zeros((1, 1), np.float32)]])


def test_run_names_a_missing_model(board):
    with pytest.raises(UserError, match="no model 'not_flashed' on the board"):
        run_cases(board.port, "not_flashed", [[]])
