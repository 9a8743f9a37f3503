"""Deep int8 graphs with skip connections, outside the corpus, for the planner's checks
against TFLM: tensors that stay alive across many ops while others come and go.

GRAPHS maps a name to a function returning the model's bytes; each is deterministic (a fixed
seed), its weights random int8 with scales that shrink with each op's fan-in, so activations
spread over the int8 range instead of vanishing (oracle comparisons of them mean something).
"""

import numpy as np

from host_tools.model_builder import ModelBuilder, window_out

ACTIVATION_Q = {"scale": 0.05, "zero_point": -10}


class DeepBuilder:
    """A ModelBuilder with the few int8 layers the deep graphs are made of."""

    def __init__(self, seed):
        self.mb = ModelBuilder()
        self.rng = np.random.default_rng(seed)
        self.shapes = {}

    def input(self, shape):
        x = self.mb.input(shape, "int8", **ACTIVATION_Q)
        self.shapes[x] = shape
        return x

    def _activation(self, shape):
        y = self.mb.tensor(shape, "int8", **ACTIVATION_Q)
        self.shapes[y] = shape
        return y

    def _weights(self, shape, channels, axis, fan_in):
        """Per-channel int8 weights and int32 biases; the scales shrink with the taps summed
        (`fan_in`) so that outputs spread about as widely as inputs."""
        scales = [(0.012 + 0.003 * (c % 3)) / fan_in**0.5 for c in range(channels)]
        data = self.rng.integers(-127, 128, size=shape).astype(np.int8)
        weights = self.mb.const(data, "int8", scale=scales, zero_point=0, axis=axis)
        bias_scales = [ACTIVATION_Q["scale"] * s for s in scales]
        bias = self.mb.const(
            self.rng.integers(-2000, 2000, size=(channels,)).astype(np.int32),
            "int32",
            scale=bias_scales,
            zero_point=0,
        )
        return weights, bias

    def conv(self, x, channels, kernel=3, stride=1, activation="RELU"):
        batches, h, w, depth = self.shapes[x]
        weights, bias = self._weights(
            (channels, kernel, kernel, depth), channels, axis=0, fan_in=kernel * kernel * depth
        )
        out = (
            batches,
            window_out(h, kernel, stride, 1, "SAME"),
            window_out(w, kernel, stride, 1, "SAME"),
            channels,
        )
        y = self._activation(out)
        self.mb.op(
            "CONV_2D",
            [x, weights, bias],
            [y],
            "Conv2DOptions",
            padding="SAME",
            stride_h=stride,
            stride_w=stride,
            fused_activation_function=activation,
        )
        return y

    def depthwise(self, x, stride=1, activation="RELU6"):
        batches, h, w, depth = self.shapes[x]
        weights, bias = self._weights((1, 3, 3, depth), depth, axis=3, fan_in=9)
        out = (
            batches,
            window_out(h, 3, stride, 1, "SAME"),
            window_out(w, 3, stride, 1, "SAME"),
            depth,
        )
        y = self._activation(out)
        self.mb.op(
            "DEPTHWISE_CONV_2D",
            [x, weights, bias],
            [y],
            "DepthwiseConv2DOptions",
            padding="SAME",
            stride_h=stride,
            stride_w=stride,
            depth_multiplier=1,
            fused_activation_function=activation,
        )
        return y

    def upsample(self, x, channels):
        """TRANSPOSE_CONV 2x2, stride 2: twice the height and width."""
        batches, h, w, depth = self.shapes[x]
        weights, bias = self._weights((channels, 2, 2, depth), channels, axis=0, fan_in=depth)
        out = (batches, 2 * h, 2 * w, channels)
        size = self.mb.const(np.array(out, dtype=np.int32), "int32")
        y = self._activation(out)
        self.mb.op(
            "TRANSPOSE_CONV",
            [size, weights, x, bias],
            [y],
            "TransposeConvOptions",
            padding="SAME",
            stride_h=2,
            stride_w=2,
        )
        return y

    def add(self, a, b, activation="RELU"):
        y = self._activation(self.shapes[a])
        self.mb.op("ADD", [a, b], [y], "AddOptions", fused_activation_function=activation)
        return y

    def concat(self, parts):
        batches, h, w, _ = self.shapes[parts[0]]
        y = self._activation((batches, h, w, sum(self.shapes[p][3] for p in parts)))
        self.mb.op("CONCATENATION", parts, [y], "ConcatenationOptions", axis=3)
        return y

    def pool(self, x, op="MAX_POOL_2D"):
        batches, h, w, depth = self.shapes[x]
        y = self._activation((batches, h // 2, w // 2, depth))
        self.mb.op(
            op,
            [x],
            [y],
            "Pool2DOptions",
            padding="VALID",
            stride_h=2,
            stride_w=2,
            filter_height=2,
            filter_width=2,
        )
        return y

    def build(self, y):
        self.mb.output(y)
        return self.mb.build()


def resnet(size=32, stages=(16, 32, 64), blocks=2, seed=1):
    """A ResNet: a stem conv, then per stage `blocks` residual blocks of two 3x3 convs and
    an ADD, the first block of a later stage strided with a 1x1 conv on its skip path."""
    g = DeepBuilder(seed)
    x = g.conv(g.input((1, size, size, 3)), stages[0])
    for s, channels in enumerate(stages):
        for b in range(blocks):
            stride = 2 if s and not b else 1
            skip = (
                g.conv(x, channels, kernel=1, stride=stride, activation="NONE")
                if stride == 2
                else x
            )
            y = g.conv(g.conv(x, channels, stride=stride), channels, activation="NONE")
            x = g.add(y, skip)
    return g.build(x)


def mobilenet_v2(size=32, widths=(8, 16, 16, 24, 24, 24, 32), seed=2):
    """Inverted residual blocks (1x1 expand, 3x3 depthwise, 1x1 project) with an ADD
    whenever a block keeps its width; strided at each new width."""
    g = DeepBuilder(seed)
    x = g.conv(g.input((1, size, size, 3)), widths[0], stride=2)
    for previous, width in zip(widths, widths[1:]):
        stride = 1 if width == previous else 2
        y = g.conv(
            g.depthwise(g.conv(x, 4 * previous, kernel=1, activation="RELU6"), stride),
            width,
            kernel=1,
            activation="NONE",
        )
        x = g.add(y, x, activation="NONE") if stride == 1 else y
    return g.build(x)


def unet(size=32, widths=(8, 16, 32), seed=3):
    """Encoder convs whose outputs live until the decoder's CONCATENATIONs, at the far end."""
    g = DeepBuilder(seed)
    x = g.input((1, size, size, 3))
    skips = []
    for width in widths:
        x = g.conv(g.conv(x, width), width)
        skips.append(x)
        x = g.pool(x)
    x = g.conv(x, 2 * widths[-1])
    for width, skip in zip(reversed(widths), reversed(skips)):
        x = g.concat([g.upsample(x, width), skip])
        x = g.conv(g.conv(x, width), width)
    return g.build(g.conv(x, 2, kernel=1, activation="NONE"))


def branches(size=16, width=8, steps=8, seed=4):
    """A long chain where every step forks into a conv, a depthwise conv and a pool branch
    merged by a CONCATENATION; every second step's output is added to the one two steps before."""
    g = DeepBuilder(seed)
    x = g.conv(g.input((1, size, size, 3)), width)
    held = x
    for step in range(steps):
        conv = g.conv(x, width // 2)
        depthwise = g.conv(g.depthwise(x), width // 4, kernel=1)
        pooled = g.conv(x, width // 4, kernel=1, activation="NONE")
        x = g.concat([conv, depthwise, pooled])
        if step % 2:
            x = g.add(x, held)
            held = x
    return g.build(x)


GRAPHS = {
    "resnet_16_32_64": resnet,
    "resnet_16_32_64_deeper": lambda: resnet(size=48, blocks=3, seed=5),
    "resnet_32_32_32": lambda: resnet(stages=(32, 32, 32), blocks=1, seed=6),
    "mobilenet_v2": mobilenet_v2,
    "unet": unet,
    "branches": branches,
}
