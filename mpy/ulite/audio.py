"""Audio into a model's features as it streams in: TFLM's audio front end, frame by frame.

    import array, ulite
    from ulite.audio import FrontEnd

    kws = ulite.Interpreter(micro_speech_model)
    front = FrontEnd(audio_preprocessor_model)  # keeps the last 49 frames
    samples = array.array("h", bytes(640))  # a microphone's 16-bit samples
    while True:
        mic.readinto(samples)  # e.g. machine.I2S
        if front.feed(samples) and front.frames >= 49:
            front.write_window(kws.input(0).data)
            kws.invoke()  # the scores: kws.output(0)

A FrontEnd runs a front end model (TFLM's audio_preprocessor_int8: 480 int16 samples in,
40 int8 features out) on a window of samples every `stride` samples (320: 30 ms windows
every 20 ms at 16 kHz), the model's state (its noise estimate) carried from frame to frame.
Each frame's features are appended to `window`, the last `frames` frames' features oldest
first, which write_window() copies into a classifier's input (an interpreter may reuse its
input's bytes while it runs, so the window lives apart from it). feed() takes samples in
any amounts and, like write_window(), allocates nothing (with the viper or thumb loops),
so both can run in a microphone's read loop.
"""

from .interpreter import Interpreter


class FrontEnd:
    """Frames of features from a stream of int16 samples (see the module docstring).

    model: the front end's .tflite bytes (one int16 input: a window of samples; one output:
    a frame's features). stride: samples between the starts of two windows. frames: how
    many frames' features `window` keeps. arena, loops: as Interpreter's.
    """

    def __init__(self, model, stride=320, frames=49, arena=None, loops=None):
        self.interpreter = interp = Interpreter(model, arena=arena, loops=loops)
        if interp.inputs != 1 or interp.outputs != 1:
            raise ValueError("a front end model has 1 input and 1 output")
        samples = interp.input(0)
        if samples.dtype != "int16":
            raise ValueError("the front end's input is %s, not int16 samples" % samples.dtype)
        self.window_samples = samples.size
        if not 0 < stride <= samples.size:
            raise ValueError("stride %d outside 1..%d (the model's window)" % (stride, samples.size))
        self.stride = stride
        self.features = interp.output(0).data  # the newest frame's, until the next frame
        if frames < 1:
            raise ValueError("frames must be 1 or more, got %d" % frames)
        self.window = bytearray(frames * len(self.features))
        self.frames = 0  # frames computed since the start or the last reset()
        self._input = samples.data
        # The window's samples wait here, not in the model's input: the arena reuses an
        # input's bytes once the model has read it.
        self._samples = bytearray(samples.nbytes)
        self._filled = 0  # bytes of samples waiting
        self._move = interp.loops.move_bytes

    def feed(self, samples, count=None):
        """Take `count` samples (default: all) from `samples`, an array('h') or a
        memoryview of one; run the front end on every window they complete. Returns the
        number of new frames."""
        if count is None:
            count = len(samples)
        elif not 0 <= count <= len(samples):
            raise ValueError("count %d outside 0..%d" % (count, len(samples)))
        move = self._move
        data = self._samples
        window = self.window
        size = len(self.features)
        full = len(data)
        given = 2 * count
        taken = new = 0
        while taken < given:
            n = min(given - taken, full - self._filled)
            move(data, self._filled, samples, taken, n)
            self._filled += n
            taken += n
            if self._filled == full:
                move(self._input, 0, data, 0, full)
                self.interpreter.invoke()
                move(window, 0, window, size, len(window) - size)
                move(window, len(window) - size, self.features, 0, size)
                kept = full - 2 * self.stride
                move(data, 0, data, full - kept, kept)
                self._filled = kept
                self.frames += 1
                new += 1
        return new

    def write_window(self, buf):
        """Copy `window` (the last frames' features, oldest first) into buf[0:len(window)],
        e.g. a classifier's input tensor's data."""
        if len(buf) < len(self.window):
            raise ValueError("%d bytes of room for a %d-byte window" % (len(buf), len(self.window)))
        self._move(buf, 0, self.window, 0, len(self.window))

    def reset(self):
        """Start over: no samples waiting, no frames, the front end's state cleared."""
        self.interpreter.reset()
        self._filled = 0
        self.frames = 0
        for i in range(len(self.window)):
            self.window[i] = 0
