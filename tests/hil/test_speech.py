"""`speech --port`'s pipeline on a board (the virtual RP2040, the virtual ARM board, a real
board with `make hil`): both models flashed, a WAV clip's samples sent over the REPL into
ulite.audio.FrontEnd there, features and scores equal to TFLM's pipeline. On the ARM board
the models are modules in ROMFS, their constants wherever the .mpy puts them."""

import numpy as np
from tflm_speech import clip, tflm_pipeline

from host_tools import speech

from .conftest import skip_unless_runnable


def test_yes_as_tflm_hears_it(board):
    for path in speech.models():
        skip_unless_runnable(board, path)
    samples = speech.read_wav(clip("yes"))
    result = speech.on_board(samples, board.port, board.board)
    features, scores = tflm_pipeline(samples)
    assert result.report["frames"] == 49
    np.testing.assert_array_equal(result.features, features)
    np.testing.assert_array_equal(result.scores, scores)
    assert result.label == "yes"
