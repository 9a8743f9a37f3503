"""A suite of small 16x8 models from outside the corpus (int16 activations, int8 weights,
int64 / int32 / int16 biases), built with host_tools.model_builder: the shapes of audio and
image front ends, several ops each. tests/test_suite_16x8.py runs them through
`python -m host_tools infer` against TFLM; `python tests/suite_16x8.py` writes them to
tests/suite_16x8/ (where they are kept, for infer, bench and convert by hand).
"""

import sys
from pathlib import Path

import numpy as np

from host_tools.model_builder import ModelBuilder

DIRECTORY = Path(__file__).parent / "suite_16x8"
SPREAD = 8000  # int16 steps of one standard deviation, the target of every layer
WEIGHT_SPREAD = 74  # of uniform int8 weights


class Chain:
    """A ModelBuilder with layers that pick their output scales for a spread of SPREAD."""

    def __init__(self, seed, shape, dtype="int16", scale=1e-3):
        self.rng = np.random.default_rng(seed)
        self.mb = ModelBuilder()
        self.x = self.mb.input(shape, dtype, **({} if dtype == "float32" else {"scale": scale, "zero_point": 0}))
        self.shape, self.scale, self.spread = tuple(shape), scale, 18900  # uniform int16

    def _weighted(self, name, weights_shape, axis, out_shape, options_type, bias, products, **options):
        out_c = weights_shape[axis]
        w_scales = self.rng.uniform(0.005, 0.02, out_c)
        weights = self.mb.const(
            self.rng.integers(-128, 128, weights_shape, dtype=np.int8), "int8", scale=w_scales, zero_point=0, axis=axis
        )
        inputs = [weights, self.x]
        if name != "TRANSPOSE_CONV":
            inputs.reverse()
        if bias:
            top = 30000 if bias == "int16" else 1 << 20
            values = self.rng.integers(-top, top, out_c)
            inputs.append(self.mb.const(values, bias, scale=self.scale * w_scales, zero_point=0))
        out_scale = self.scale * np.mean(w_scales) * self.spread * WEIGHT_SPREAD * np.sqrt(products) / SPREAD
        return self._op(name, inputs, out_shape, float(out_scale), options_type, **options)

    def _op(self, name, inputs, out_shape, scale, options_type=None, dtype="int16", **options):
        quant = {} if dtype == "float32" else {"scale": scale, "zero_point": 0}
        y = self.mb.tensor(out_shape, dtype, **quant)
        self.mb.op(name, inputs, [y], options_type, **options)
        self.x, self.shape, self.scale, self.spread = y, tuple(out_shape), scale, SPREAD
        return self

    def conv(self, filters, kernel, stride=(1, 1), dilation=(1, 1), activation="NONE", bias="int64"):
        b, h, w, c = self.shape
        out = (b, -(-h // stride[0]), -(-w // stride[1]), filters)
        return self._weighted(
            "CONV_2D", (filters,) + kernel + (c,), 0, out, "Conv2DOptions", bias, kernel[0] * kernel[1] * c,
            padding="SAME", stride_h=stride[0], stride_w=stride[1], dilation_h_factor=dilation[0],
            dilation_w_factor=dilation[1], fused_activation_function=activation,
        )  # fmt: skip

    def depthwise(self, kernel, stride=(1, 1), dilation=(1, 1), activation="NONE"):
        b, h, w, c = self.shape
        out = (b, -(-h // stride[0]), -(-w // stride[1]), c)
        return self._weighted(
            "DEPTHWISE_CONV_2D", (1,) + kernel + (c,), 3, out, "DepthwiseConv2DOptions", "int64",
            kernel[0] * kernel[1], padding="SAME", stride_h=stride[0], stride_w=stride[1],
            dilation_h_factor=dilation[0], dilation_w_factor=dilation[1], depth_multiplier=1,
            fused_activation_function=activation,
        )  # fmt: skip

    def transpose_conv(self, filters, kernel, stride, activation="NONE", bias="int64"):
        b, h, w, c = self.shape
        out = (b, h * stride[0], w * stride[1], filters)
        shape = self.mb.const(np.array(out, np.int32), "int32")
        self._weighted(
            "TRANSPOSE_CONV", (filters,) + kernel + (c,), 0, out, "TransposeConvOptions", bias,
            kernel[0] * kernel[1] * c / (stride[0] * stride[1]), padding="SAME", stride_h=stride[0],
            stride_w=stride[1], fused_activation_function=activation,
        )  # fmt: skip
        op = self.mb.operators[-1]
        op.inputs = [shape] + list(op.inputs)
        return self

    def fully_connected(self, units, activation="NONE", bias="int64", **options):
        depth = self.shape[-1]
        out = self.shape[:-1] + (units,)
        return self._weighted(
            "FULLY_CONNECTED", (units, depth), 0, out, "FullyConnectedOptions", bias, depth,
            fused_activation_function=activation, **options,
        )  # fmt: skip

    def reshape(self, shape):
        new = self.mb.const(np.array(shape, np.int32), "int32")
        return self._op("RESHAPE", [self.x, new], shape, self.scale, "ReshapeOptions", new_shape=list(shape))

    def quantize(self, scale):
        return self._op("QUANTIZE", [self.x], self.shape, scale)

    def dequantize(self):
        return self._op("DEQUANTIZE", [self.x], self.shape, None, dtype="float32")

    def build(self):
        self.mb.output(self.x)
        return self.mb.build()


def conv_dw_pw():
    """An image front end: 3x3 conv, 3x3 depthwise at stride 2, 1x1 conv summing in int32."""
    chain = Chain(60, (1, 16, 16, 4))
    chain.conv(8, (3, 3), activation="RELU").depthwise((3, 3), (2, 2), activation="RELU6")
    return chain.conv(6, (1, 1), bias="int32").build()


def encoder_decoder():
    """Down two strided convs, up two transposed ones (int64 and int16 biases)."""
    chain = Chain(61, (1, 8, 8, 2))
    chain.conv(8, (3, 3), (2, 2), activation="RELU").conv(16, (3, 3), (2, 2), activation="RELU", bias=None)
    chain.transpose_conv(8, (3, 3), (2, 2), activation="RELU")
    return chain.transpose_conv(2, (2, 2), (2, 2), bias="int16").build()


def fc_stack():
    """Dense layers over two frames: int64, int32 and no bias (summing in int32)."""
    chain = Chain(62, (2, 64))
    chain.fully_connected(32, activation="RELU").fully_connected(16, bias="int32")
    return chain.fully_connected(8, bias=None, quantized_bias_type=2).build()


def float_io():
    """float32 in and out: QUANTIZE to int16, conv, dense, DEQUANTIZE."""
    chain = Chain(63, (1, 20, 10), dtype="float32")
    chain.quantize(1 / 8000).reshape((1, 20, 10, 1)).conv(4, (3, 3), activation="RELU")
    return chain.reshape((1, 800)).fully_connected(10).dequantize().build()


def audio_1d():
    """A waveform front end: strided 1x8 conv, dilated 1x5 depthwise, 1x1 conv, dense."""
    chain = Chain(64, (1, 1, 128, 1))
    chain.conv(16, (1, 8), (1, 4), activation="RELU").depthwise((1, 5), dilation=(1, 2), activation="RELU6")
    return chain.conv(8, (1, 1)).reshape((1, 256)).fully_connected(4).build()


MODELS = {
    "conv_dw_pw_16x8": conv_dw_pw,
    "encoder_decoder_16x8": encoder_decoder,
    "fc_stack_16x8": fc_stack,
    "float_io_16x8": float_io,
    "audio_1d_16x8": audio_1d,
}


def main():
    DIRECTORY.mkdir(exist_ok=True)
    for name, build in MODELS.items():
        (DIRECTORY / (name + ".tflite")).write_bytes(build())
    print("wrote %d models to %s" % (len(MODELS), DIRECTORY))


if __name__ == "__main__":
    sys.exit(main())
