"""Write small, valid .tflite models: single ops and short chains, for tests and experiments.

    mb = ModelBuilder()
    x = mb.input((1, 8, 8, 3), "int8", scale=0.05, zero_point=-3)
    w = mb.const(weights, "int8", scale=[0.01] * 8, zero_point=0, axis=0)
    y = mb.tensor((1, 8, 8, 8), "int8", scale=0.1, zero_point=2)
    mb.op("CONV_2D", [x, w, None], [y], "Conv2DOptions", padding="SAME", stride_w=1, stride_h=1)
    mb.output(y)
    tflite_bytes = mb.build()

Built with TFLM's own generated schema code and the flatbuffers package, so the files are
what a converter would write (schema version 3, "TFL3").
"""

import struct

import flatbuffers
import numpy as np
from flatbuffers import flexbuffers
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

TENSOR_TYPES = {
    "float32": schema.TensorType.FLOAT32,
    "int32": schema.TensorType.INT32,
    "uint8": schema.TensorType.UINT8,
    "int64": schema.TensorType.INT64,
    "bool": schema.TensorType.BOOL,
    "int16": schema.TensorType.INT16,
    "int8": schema.TensorType.INT8,
    "uint32": schema.TensorType.UINT32,
    "uint64": schema.TensorType.UINT64,
}
NUMPY_TYPES = {"float32": np.float32, "int32": np.int32, "uint8": np.uint8, "int64": np.int64, "bool": np.bool_, "int16": np.int16, "int8": np.int8, "uint32": np.uint32, "uint64": np.uint64}
PADDING = {"SAME": schema.Padding.SAME, "VALID": schema.Padding.VALID}
ACTIVATIONS = {
    "NONE": schema.ActivationFunctionType.NONE,
    "RELU": schema.ActivationFunctionType.RELU,
    "RELU_N1_TO_1": schema.ActivationFunctionType.RELU_N1_TO_1,
    "RELU6": schema.ActivationFunctionType.RELU6,
    "TANH": schema.ActivationFunctionType.TANH,
}


def _camel(name):
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def window_out(size, kernel, stride, dilation, padding):
    """Output length of a sliding window along one axis (TFLM padding.h), for the output
    shape of a conv or pool op: "SAME" or "VALID" padding."""
    if padding == "SAME":
        return -(-size // stride)
    return (size - (kernel - 1) * dilation - 1) // stride + 1


def add_offline_plan(model, offsets):
    """Append TFLM's OfflineMemoryAllocation metadata to `model` (a ModelBuilder, or a
    schema.ModelT with a metadata list): version 1, subgraph 0, the count, then an arena
    offset per tensor of every subgraph (-1 = planned online). Offsets are written as given,
    so tests can write wrong ones."""
    buf = schema.BufferT()
    buf.data = list(struct.pack("<3i%di" % len(offsets), 1, 0, len(offsets), *offsets))
    model.buffers.append(buf)
    entry = schema.MetadataT()
    entry.name = "OfflineMemoryAllocation"
    entry.buffer = len(model.buffers) - 1
    model.metadata.append(entry)


class ModelBuilder:
    def __init__(self):
        self.buffers = [schema.BufferT()]  # buffer 0: the empty sentinel
        self.tensors = []
        self.operators = []
        self.opcodes = []
        self.inputs = []
        self.outputs = []
        self.metadata = []

    def tensor(self, shape, dtype, scale=None, zero_point=0, axis=0, name=None, data=None, variable=False):
        """Add a tensor; returns its index. `scale` may be a list (per-channel along `axis`)."""
        t = schema.TensorT()
        t.shape = list(shape)
        t.type = TENSOR_TYPES[dtype]
        t.name = name or "t%d" % len(self.tensors)
        t.isVariable = variable
        if scale is not None:
            q = schema.QuantizationParametersT()
            scales = [float(s) for s in np.atleast_1d(scale)]
            zero_points = [int(z) for z in np.atleast_1d(zero_point)]
            if len(zero_points) == 1 and len(scales) > 1:
                zero_points = zero_points * len(scales)
            q.scale = scales
            q.zeroPoint = zero_points
            q.quantizedDimension = axis
            t.quantization = q
        if data is not None:
            buf = schema.BufferT()
            buf.data = np.ascontiguousarray(np.asarray(data, dtype=NUMPY_TYPES[dtype])).reshape(-1).view(np.uint8).tolist()
            t.buffer = len(self.buffers)
            self.buffers.append(buf)
        self.tensors.append(t)
        return len(self.tensors) - 1

    def input(self, shape, dtype, **quant):
        index = self.tensor(shape, dtype, **quant)
        self.inputs.append(index)
        return index

    def const(self, data, dtype, **quant):
        data = np.asarray(data)
        return self.tensor(data.shape, dtype, data=data, **quant)

    def output(self, index):
        self.outputs.append(index)
        return index

    def opcode(self, name, custom=None):
        code = schema.BuiltinOperator.CUSTOM if custom else getattr(schema.BuiltinOperator, name)
        for i, oc in enumerate(self.opcodes):
            if max(oc.builtinCode, oc.deprecatedBuiltinCode) == code and oc.customCode == custom:
                return i
        oc = schema.OperatorCodeT()
        oc.builtinCode = code
        oc.deprecatedBuiltinCode = min(code, schema.BuiltinOperator.PLACEHOLDER_FOR_GREATER_OP_CODES)
        oc.customCode = custom
        oc.version = 1
        self.opcodes.append(oc)
        return len(self.opcodes) - 1

    def op(self, name, inputs, outputs, options_type=None, custom=None, **options):
        """Add an operator. `inputs` may hold None for an absent optional input.

        Options use the schema's snake_case field names (stride_w, fused_activation_function);
        padding and activations may be given by name ("SAME", "RELU6"). A custom op (name
        "CUSTOM", `custom` its name) takes its options as they are, written as the
        FlexBuffers map TFLM's custom ops read.
        """
        op = schema.OperatorT()
        op.opcodeIndex = self.opcode(name, custom)
        op.inputs = [-1 if i is None else i for i in inputs]
        op.outputs = list(outputs)
        if custom:
            op.customOptions = list(flexbuffers.Dumps(options))
        elif options_type:
            opts = getattr(schema, options_type + "T")()
            for key, value in options.items():
                if key == "padding" and isinstance(value, str):
                    value = PADDING[value]
                if key.endswith("activation_function") and isinstance(value, str):
                    value = ACTIVATIONS[value]
                attr = _camel(key)
                if not hasattr(opts, attr):
                    raise ValueError("%s has no option %s" % (options_type, key))
                setattr(opts, attr, value)
            op.builtinOptionsType = getattr(schema.BuiltinOptions, options_type)
            op.builtinOptions = opts
        self.operators.append(op)
        return len(self.operators) - 1

    def offline_plan(self, offsets):
        """Attach TFLM's OfflineMemoryAllocation metadata: an arena offset per tensor, -1 = online."""
        assert len(offsets) == len(self.tensors)
        add_offline_plan(self, offsets)

    def build(self):
        graph = schema.SubGraphT()
        graph.tensors = self.tensors
        graph.inputs = self.inputs
        graph.outputs = self.outputs
        graph.operators = self.operators
        graph.name = "main"
        model = schema.ModelT()
        model.version = 3
        model.operatorCodes = self.opcodes
        model.subgraphs = [graph]
        model.buffers = self.buffers
        model.description = "built by host_tools.model_builder"
        model.metadata = self.metadata or None
        builder = flatbuffers.Builder(1024)
        builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
        return bytes(builder.Output())
