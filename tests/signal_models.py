"""Single-op models of TFLM's Signal ops (the audio front end's custom ops) with random
settings and inputs, as (model bytes, inputs) jobs for the oracle. Edge values are
over-represented: int16 extremes, uint32 and uint64 values at every bit length."""

import numpy as np

from host_tools.model_builder import ModelBuilder

# fft_length values kiss_fft runs (half of each has no prime factor above 5)
FFT_LENGTHS = (4, 6, 8, 10, 12, 16, 18, 20, 24, 30, 32, 40, 48, 50, 60, 64, 72, 90, 96, 120,
               128, 160, 180, 240, 250, 256, 320, 360, 480, 512, 1024)  # fmt: skip


def int16s(rng, shape, scale=None):
    """int16 values: uniform, small, near full scale, with the extremes mixed in."""
    scale = scale or rng.choice((40, 3000, 32768))
    x = rng.integers(-scale, scale, shape, endpoint=True).clip(-32768, 32767)
    flat = x.reshape(-1)
    for v in (-32768, 32767, 0, -1):
        if flat.size and rng.random() < 0.3:
            flat[rng.integers(flat.size)] = v
    return x.astype(np.int16)


def uints(rng, shape, bits):
    """Unsigned values of every bit length up to `bits`, with 0, 1 and the maximum."""
    values = []
    for _ in range(int(np.prod(shape))):
        word = int(rng.integers(0, 1 << 62)) << 2 | int(rng.integers(0, 4))  # 64 random bits
        values.append(word >> (64 - int(rng.integers(0, bits + 1))))
    for v in (0, 1, (1 << bits) - 1):
        if values and rng.random() < 0.3:
            values[int(rng.integers(len(values)))] = v
    return np.array(values, dtype=np.uint64 if bits == 64 else np.uint32).reshape(shape)


def custom(mb, name, inputs, outputs, **options):
    mb.op("CUSTOM", inputs, outputs, custom=name, **options)


def window_job(rng):
    length = int(rng.integers(1, 40))
    rows = int(rng.integers(1, 4))
    mb = ModelBuilder()
    x = mb.input((rows, length), "int16")
    w = mb.const(int16s(rng, (length,)), "int16")
    y = mb.tensor((rows, length), "int16")
    custom(mb, "SignalWindow", [x, w], [y], shift=int(rng.integers(0, 32)))
    mb.output(y)
    return mb.build(), [int16s(rng, (rows, length))]


def auto_scale_job(rng):
    n = int(rng.integers(1, 64))
    mb = ModelBuilder()
    x = mb.input((n,), "int16")
    y = mb.tensor((n,), "int16")
    bits = mb.tensor((), "int32")
    custom(mb, "SignalFftAutoScale", [x], [y, bits])
    mb.output(y)
    mb.output(bits)
    scale = rng.choice((0, 1, 3, 100, 16383, 16384, 32767, 32768))
    values = int16s(rng, (n,), scale) if scale else np.zeros(n, np.int16)
    return mb.build(), [values]


def rfft_job(rng, fft_length=None):
    fft_length = int(fft_length or rng.choice(FFT_LENGTHS))
    length = int(rng.integers(1, fft_length + 1))
    rows = int(rng.integers(1, 3))
    mb = ModelBuilder()
    x = mb.input((rows, length), "int16")
    y = mb.tensor((rows, fft_length + 2), "int16")
    custom(mb, "SignalRfft", [x], [y], T=7, fft_length=fft_length)
    mb.output(y)
    return mb.build(), [int16s(rng, (rows, length))]


def energy_job(rng):
    """SignalEnergy writes only bins start..end - 1 (TFLM leaves the others as they are):
    the model slices them out, as TFLM's front end does."""
    bins = int(rng.integers(1, 40))
    start = int(rng.integers(0, bins))
    end = int(rng.integers(start + 1, bins + 1))
    mb = ModelBuilder()
    x = mb.input((2 * bins,), "int16")
    energy = mb.tensor((bins,), "uint32")
    custom(mb, "SignalEnergy", [x], [energy], start_index=start, end_index=end)
    wide = mb.tensor((bins,), "int32")
    mb.op("CAST", [energy], [wide])
    y = mb.tensor((end - start,), "int32")
    params = [mb.const(np.array([v], np.int32), "int32") for v in (start, end, 1)]
    mb.op("STRIDED_SLICE", [wide] + params, [y], "StridedSliceOptions")
    mb.output(y)
    return mb.build(), [int16s(rng, (2 * bins,))]


def filter_bank_job(rng):
    channels = int(rng.integers(1, 10))
    size = int(rng.integers(1, 60))
    n_weights = int(rng.integers(1, 60))
    widths = rng.integers(-1, 8, channels + 1)
    widths = np.minimum(widths, min(size, n_weights))
    freq = [int(rng.integers(0, size - max(w, 0) + 1)) for w in widths]
    start = [int(rng.integers(0, n_weights - max(w, 0) + 1)) for w in widths]
    mb = ModelBuilder()
    x = mb.input((size,), "uint32")
    w = mb.const(int16s(rng, (n_weights,), rng.choice((4096, 32768))), "int16")
    u = mb.const(int16s(rng, (n_weights,), rng.choice((4096, 32768))), "int16")
    table = [mb.const(np.array(v, np.int16), "int16") for v in (freq, start, widths)]
    y = mb.tensor((channels,), "uint64")
    custom(mb, "SignalFilterBank", [x, w, u] + table, [y], num_channels=channels)
    mb.output(y)
    return mb.build(), [uints(rng, (size,), 32)]


def sqrt_job(rng):
    n = int(rng.integers(1, 40))
    mb = ModelBuilder()
    x = mb.input((n,), "uint64")
    bits = mb.input((), "int32")
    y = mb.tensor((n,), "uint32")
    custom(mb, "SignalFilterBankSquareRoot", [x, bits], [y])
    mb.output(y)
    values = uints(rng, (n,), 64)
    squares = [(r * r + d) % (1 << 64) for r, d in zip(uints(rng, (n,), 32).tolist(), rng.integers(-1, 2, n).tolist())]
    if rng.random() < 0.5:
        values = np.array(squares, dtype=object).astype(np.uint64)
    return mb.build(), [values, np.array(rng.integers(0, 32), np.int32)]


SUBTRACTION_SETTINGS = ("smoothing", "one_minus_smoothing", "alternate_smoothing",
                        "alternate_one_minus_smoothing", "min_signal_remaining")  # fmt: skip


def spectral_subtraction_model(rng, channels):
    mb = ModelBuilder()
    x = mb.input((channels,), "uint32")
    y = mb.tensor((channels,), "uint32")
    noise = mb.tensor((channels,), "uint32")
    settings = {name: int(rng.integers(0, 1 << rng.choice((10, 14, 16, 31)))) for name in SUBTRACTION_SETTINGS}
    custom(
        mb, "SignalFilterBankSpectralSubtraction", [x], [y, noise], num_channels=channels,
        smoothing_bits=int(rng.integers(0, 16)), spectral_subtraction_bits=int(rng.integers(0, 32)),
        clamping=bool(rng.random() < 0.5), **settings,
    )  # fmt: skip
    mb.output(y)
    mb.output(noise)
    return mb.build()


def spectral_subtraction_steps(rng, steps=6):
    """(model, the inputs of each step): the noise estimate carries across steps."""
    channels = int(rng.integers(1, 20))
    bits = rng.choice((12, 24, 32))
    return spectral_subtraction_model(rng, channels), [[uints(rng, (channels,), bits)] for _ in range(steps)]


def spectral_subtraction_job(rng):
    """One invoke: the noise estimate starts from zero."""
    model, steps = spectral_subtraction_steps(rng, 1)
    return model, steps[0]


def pcan_job(rng):
    n = int(rng.integers(1, 40))
    mb = ModelBuilder()
    x = mb.input((n,), "uint32")
    noise = mb.input((n,), "uint32")
    lut = mb.const(int16s(rng, (125,), rng.choice((4096, 32768))), "int16")
    y = mb.tensor((n,), "uint32")
    custom(mb, "SignalPCAN", [x, noise, lut], [y], snr_shift=int(rng.integers(0, 24)))
    mb.output(y)
    return mb.build(), [uints(rng, (n,), rng.choice((16, 24, 32))), uints(rng, (n,), 32)]


def log_job(rng):
    n = int(rng.integers(1, 40))
    mb = ModelBuilder()
    x = mb.input((n,), "uint32")
    y = mb.tensor((n,), "int16")
    scale = int(rng.choice((1, 64, 1 << 10, int(rng.integers(0, 1 << 31)))))
    custom(mb, "SignalFilterBankLog", [x], [y], input_correction_bits=int(rng.integers(0, 8)), output_scale=scale)
    mb.output(y)
    return mb.build(), [uints(rng, (n,), 32)]


JOB_BUILDERS = (window_job, auto_scale_job, rfft_job, energy_job, filter_bank_job, sqrt_job,
                spectral_subtraction_job, pcan_job, log_job)  # fmt: skip


def signal_jobs(rng, per_op):
    """`per_op` random single-op jobs of each Signal op (one invoke each)."""
    return [build(rng) for build in JOB_BUILDERS for _ in range(per_op)]
