"""The ops of a .tflite model with the shapes and options the RP2040 estimate needs.

Read on the host with TFLM's flatbuffer schema (tflite-micro package); each op's scratch
bytes from ulite's own memory plan (a conv's chunks of taps follow what it was granted).
"""

from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema
from ulite.allocator import memory_plan

_OP_NAMES = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
_DTYPES = {v: k.lower() for k, v in vars(schema.TensorType).items() if not k.startswith("_")}
RELU, RELU6 = 1, 3


class Tensor:
    def __init__(self, t):
        self.shape = tuple(int(d) for d in t.ShapeAsNumpy()) if t.ShapeLength() else ()
        self.dtype = _DTYPES[t.Type()]
        q = t.Quantization()
        self.zero_points = [int(z) for z in q.ZeroPointAsNumpy()] if q and q.ZeroPointLength() else [0]
        self.scales = [float(s) for s in q.ScaleAsNumpy()] if q and q.ScaleLength() else []

    @property
    def size(self):
        n = 1
        for d in self.shape:
            n *= d
        return n

    @property
    def zero_point(self):
        return self.zero_points[0]

    @property
    def itemsize(self):
        return {"int8": 1, "uint8": 1, "int16": 2}.get(self.dtype, 4)


class Layer:
    """One operator: name (a custom op's own, such as SignalRfft), inputs (Tensor or None),
    outputs, its builtin options and the arena scratch bytes ulite's plan gives it."""

    def __init__(self, model, graph, op, scratch_bytes):
        code = model.OperatorCodes(op.OpcodeIndex())
        builtin = _OP_NAMES.get(max(code.BuiltinCode(), code.DeprecatedBuiltinCode()), "CUSTOM")
        self.name = code.CustomCode().decode() if builtin == "CUSTOM" else builtin
        self.inputs = [Tensor(graph.Tensors(i)) if i >= 0 else None for i in op.InputsAsNumpy()]
        self.outputs = [Tensor(graph.Tensors(i)) for i in op.OutputsAsNumpy()]
        self.options = _options(self.name, op)
        self.scratch_bytes = scratch_bytes

    def clamps_at_zero(self):
        """Whether the fused activation's lower bound is the output zero point (or -128)."""
        out = self.outputs[0]
        return self.options.get("activation") in (RELU, RELU6) or out.zero_point == -128


def _options(name, op):
    table = op.BuiltinOptions()
    if table is None:
        return {}
    if name == "CONV_2D":
        o = schema.Conv2DOptions()
        o.Init(table.Bytes, table.Pos)
        return {
            "padding": o.Padding(), "stride": (o.StrideH(), o.StrideW()),
            "dilation": (o.DilationHFactor(), o.DilationWFactor()), "activation": o.FusedActivationFunction(),
        }  # fmt: skip
    if name == "DEPTHWISE_CONV_2D":
        o = schema.DepthwiseConv2DOptions()
        o.Init(table.Bytes, table.Pos)
        return {
            "padding": o.Padding(), "stride": (o.StrideH(), o.StrideW()),
            "dilation": (o.DilationHFactor(), o.DilationWFactor()), "activation": o.FusedActivationFunction(),
            "multiplier": o.DepthMultiplier(),
        }  # fmt: skip
    if name == "TRANSPOSE_CONV":
        o = schema.TransposeConvOptions()
        o.Init(table.Bytes, table.Pos)
        return {"padding": o.Padding(), "stride": (o.StrideH(), o.StrideW()), "activation": o.FusedActivationFunction()}
    if name == "FULLY_CONNECTED":
        o = schema.FullyConnectedOptions()
        o.Init(table.Bytes, table.Pos)
        return {"activation": o.FusedActivationFunction()}
    if name in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
        o = schema.Pool2DOptions()
        o.Init(table.Bytes, table.Pos)
        return {
            "padding": o.Padding(), "stride": (o.StrideH(), o.StrideW()),
            "filter": (o.FilterHeight(), o.FilterWidth()), "activation": o.FusedActivationFunction(),
        }  # fmt: skip
    if name == "ADD":
        o = schema.AddOptions()
        o.Init(table.Bytes, table.Pos)
        return {"activation": o.FusedActivationFunction()}
    return {}


def inputs(model_bytes):
    """[Tensor] of subgraph 0's inputs."""
    graph = schema.Model.GetRootAsModel(model_bytes, 0).Subgraphs(0)
    return [Tensor(graph.Tensors(i)) for i in graph.InputsAsNumpy()]


def read(model_bytes):
    """[Layer] of subgraph 0, in execution order."""
    model = schema.Model.GetRootAsModel(model_bytes, 0)
    graph = model.Subgraphs(0)
    scratch = memory_plan(model_bytes).scratch_bytes
    ops = range(graph.OperatorsLength())
    return [Layer(model, graph, graph.Operators(i), scratch[i]) for i in ops]
