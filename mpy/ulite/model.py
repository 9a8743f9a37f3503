"""The graph inside a .tflite flatbuffer: operator codes, tensors, operators, metadata.

Field ids follow tensorflow/compiler/mlir/lite/schema/schema.fbs. Only subgraph 0 runs.
"""

from .errors import ModelError
from .flatbuf import FlatBuffer
from .flexbuffer import read_map
from .tensor import INT_RANGES, Tensor

BUILTIN_CUSTOM = 32
_FLEXBUFFERS = 0  # CustomOptionsFormat

# At most this many operator codes, subgraphs, tensors, operators and metadata entries: far
# above what fits on a board, low enough that planning a hostile graph cannot take minutes.
MAX_ENTRIES = 4096

# BuiltinOptions union type ids the kernels ask for.
OPTIONS_TYPES = {
    "Conv2DOptions": 1,
    "DepthwiseConv2DOptions": 2,
    "Pool2DOptions": 5,
    "SVDFOptions": 6,
    "FullyConnectedOptions": 8,
    "SoftmaxOptions": 9,
    "ConcatenationOptions": 10,
    "AddOptions": 11,
    "ReshapeOptions": 17,
    "MulOptions": 21,
    "PadOptions": 22,
    "TransposeOptions": 26,
    "ReducerOptions": 27,
    "SubOptions": 28,
    "DivOptions": 29,
    "SqueezeOptions": 30,
    "StridedSliceOptions": 32,
    "DequantizeOptions": 38,
    "MaximumMinimumOptions": 39,
    "PadV2Options": 43,
    "UnidirectionalSequenceLSTMOptions": 71,
    "LeakyReluOptions": 75,
    "QuantizeOptions": 89,
    "HardSwishOptions": 91,
}


def op_name(code, custom_name=None):
    if code == BUILTIN_CUSTOM:
        return "CUSTOM:%s" % custom_name
    from .opnames import builtin_name

    return builtin_name(code)


class Operator:
    """One node of the graph: its builtin code, tensors and options (kernels' check and
    prepare read it; what they ask of the arena is the allocator's)."""

    def __init__(self, model, index, code, custom_name, inputs, outputs, options_type, options):
        self.model = model
        self.index = index
        self.code = code
        self.custom_name = custom_name
        self.inputs = inputs  # list of Tensor, None where an optional input is absent
        self.outputs = outputs
        self.options_type = options_type
        self.options_table = options  # custom ops: (start, length) of custom_options

    @property
    def name(self):
        return op_name(self.code, self.custom_name)

    def where(self):
        return "op %d (%s)" % (self.index, self.name)

    __str__ = where  # so readers can name the op in errors without formatting it up front

    def options(self, type_name):
        """Position of the builtin options table if it is of the expected type, else 0.

        Like TFLM, a missing or mismatched options table means every option takes its default.
        """
        return self.options_table if self.options_type == OPTIONS_TYPES[type_name] else 0

    def option(self, type_name, field_id, fmt, default):
        table = self.options(type_name)
        if not table:
            return default
        size = {"b": 1, "B": 1, "h": 2, "i": 4, "I": 4, "f": 4}[fmt]
        return self.model.fb.scalar(table, field_id, "<" + fmt, size, default, self)

    def option_ints(self, type_name, field_id):
        table = self.options(type_name)
        return self.model.fb.int_vector(table, field_id, self) if table else ()

    def custom_options(self):
        """A custom op's options: its FlexBuffers map as a dict ({} when it has none)."""
        start, length = self.options_table
        if not length:
            return {}
        return read_map(self.model.fb.buf[start : start + length], self.where())


def in_op(op, error):
    """The same error, its message prefixed with the op unless it already names it."""
    message = str(error)
    if message.startswith(op.where()):
        return error
    return type(error)("%s: %s" % (op.where(), message))


def check_model_type(model_bytes):
    if not isinstance(model_bytes, (bytes, bytearray, memoryview)):
        raise TypeError(
            "model must be bytes, bytearray or memoryview, got %s" % type(model_bytes).__name__
        )


class Model:
    def __init__(self, model_bytes):
        check_model_type(model_bytes)
        self.bytes = model_bytes
        buf = memoryview(model_bytes)
        self.fb = fb = FlatBuffer(buf)
        if fb.size < 8:
            raise ModelError("model is %d bytes, too short to be a .tflite file" % fb.size)
        if bytes(buf[4:8]) != b"TFL3":
            raise ModelError(
                "not a TFLite model: file identifier is %r, expected b'TFL3'" % bytes(buf[4:8])
            )
        root = fb.u32(0, "model root")
        self.version = fb.scalar(root, 0, "<I", 4, 0, "model version")
        self.opcodes = self._read_opcodes(root)
        sg_start, sg_count = fb.vector(root, 2, 4, "model subgraphs", MAX_ENTRIES)
        if sg_count == 0:
            raise ModelError("model has no subgraphs")
        self.subgraph_count = sg_count
        self.total_tensor_count = 0
        for i in range(sg_count):
            sg = fb.vector_table(sg_start, i, "subgraph %d" % i)
            self.total_tensor_count += fb.vector(sg, 0, 4, "subgraph %d tensors" % i)[1]
        sg = fb.vector_table(sg_start, 0, "subgraph 0")
        self.tensors_start, self.tensor_count = fb.vector(
            sg, 0, 4, "subgraph 0 tensors", MAX_ENTRIES
        )
        self.ops_start, self.op_count = fb.vector(sg, 3, 4, "subgraph 0 operators", MAX_ENTRIES)
        self.buffers_start, self.buffer_count = fb.vector(root, 4, 4, "model buffers")
        self.inputs = self._tensor_list(fb.int_vector(sg, 1, "subgraph 0 inputs"), "graph inputs")
        self.outputs = self._tensor_list(fb.int_vector(sg, 2, "subgraph 0 outputs"), "graph outputs")
        self.metadata = self._read_metadata(root)

    def _tensor_list(self, indices, what):
        for i in indices:
            if not 0 <= i < self.tensor_count:
                raise ModelError(
                    "%s: tensor index %d out of range (model has %d tensors)"
                    % (what, i, self.tensor_count)
                )
        return indices

    def _read_opcodes(self, root):
        fb = self.fb
        start, count = fb.vector(root, 1, 4, "operator codes", MAX_ENTRIES)
        opcodes = []
        for i in range(count):
            what = "operator code %d" % i
            table = fb.vector_table(start, i, what)
            deprecated = fb.scalar(table, 0, "<b", 1, 0, what)
            builtin = fb.scalar(table, 3, "<i", 4, 0, what)
            code = max(deprecated, builtin)
            custom = fb.string(table, 1, what) if code == BUILTIN_CUSTOM else None
            opcodes.append((code, custom))
        return opcodes

    def _read_metadata(self, root):
        fb = self.fb
        start, count = fb.vector(root, 6, 4, "metadata", MAX_ENTRIES)
        entries = {}
        for i in range(count):
            what = "metadata %d" % i
            table = fb.vector_table(start, i, what)
            name = fb.string(table, 0, what)
            entries[name] = fb.scalar(table, 1, "<I", 4, 0, what)
        return entries

    def buffer(self, index, what):
        """The bytes of a buffer as a zero-copy memoryview, or None when it holds no data."""
        if index == 0:
            return None
        if index >= self.buffer_count:
            raise ModelError(
                "%s: buffer index %d out of range (model has %d buffers)"
                % (what, index, self.buffer_count)
            )
        fb = self.fb
        table = fb.vector_table(self.buffers_start, index, what)
        if fb.scalar(table, 1, "<Q", 8, 0, what) > 1:
            raise ModelError("%s: buffer %d lives outside the flatbuffer (unsupported)" % (what, index))
        start, count = fb.vector(table, 0, 1, what)
        return fb.buf[start : start + count] if count else None

    def tensor(self, index):
        fb = self.fb
        what = "tensor %d" % index
        table = fb.vector_table(self.tensors_start, index, what)
        name = fb.string(table, 3, what) or ""
        shape = fb.int_vector(table, 0, what)
        type_code = fb.scalar(table, 1, "<b", 1, 0, what)
        data = self.buffer(fb.scalar(table, 2, "<I", 4, 0, what), what)
        is_variable = bool(fb.scalar(table, 5, "<B", 1, 0, what))
        if fb.field(table, 6, what):
            raise ModelError("%s '%s': sparse tensors are not supported" % (what, name))
        quant = self._read_quant(fb.table(table, 4, what), shape, "%s '%s'" % (what, name))
        tensor = Tensor(index, name, shape, type_code, data, is_variable, quant)
        if quant:
            kind = tensor.dtype if tensor.dtype in INT_RANGES else "int32"
            low, high = INT_RANGES[kind]
            for c in range(quant[2] if len(quant[1]) > 8 else 1):
                zp = tensor.channel_zero_point(c)
                if not low <= zp <= high:
                    raise ModelError(
                        "%s '%s': zero point %d outside the %s range" % (what, name, zp, kind)
                    )
        return tensor

    def _read_quant(self, table, shape, what):
        if not table:
            return None
        fb = self.fb
        scale_start, scale_count = fb.vector(table, 2, 4, what)
        zp_start, zp_count = fb.vector(table, 3, 8, what)
        if not scale_count or not zp_count:
            return None
        axis = fb.scalar(table, 6, "<i", 4, 0, what)
        if zp_count not in (1, scale_count):
            raise ModelError("%s: %d zero points for %d scales" % (what, zp_count, scale_count))
        buf = fb.buf
        return (
            buf[scale_start : scale_start + 4 * scale_count],
            buf[zp_start : zp_start + 8 * zp_count],
            scale_count,
            axis,
        )

    def opcode_index(self, index):
        what = "op %d" % index
        table = self.fb.vector_table(self.ops_start, index, what)
        opcode_index = self.fb.scalar(table, 0, "<I", 4, 0, what)
        if opcode_index >= len(self.opcodes):
            raise ModelError(
                "%s: operator code index %d out of range (model has %d)"
                % (what, opcode_index, len(self.opcodes))
            )
        return opcode_index

    def operator(self, index, tensor):
        """Decode operator `index`; `tensor(i)` makes the Tensor object for tensor index i."""
        fb = self.fb
        what = "op %d" % index
        table = fb.vector_table(self.ops_start, index, what)
        code, custom = self.opcodes[self.opcode_index(index)]
        ios = []
        for field_id, kind in ((1, "input"), (2, "output")):
            refs = []
            for i in fb.int_vector(table, field_id, what):
                if i == -1 and kind == "input":
                    refs.append(None)
                elif 0 <= i < self.tensor_count:
                    t = tensor(i)
                    if kind == "output" and t.is_constant:
                        raise ModelError(
                            "%s (%s): output tensor %d '%s' is a constant (it has buffer data)"
                            % (what, op_name(code, custom), i, t.name)
                        )
                    refs.append(t)
                else:
                    raise ModelError(
                        "%s (%s): %s tensor index %d out of range (model has %d tensors)"
                        % (what, op_name(code, custom), kind, i, self.tensor_count)
                    )
            ios.append(refs)
        if code == BUILTIN_CUSTOM:
            options_type = 0
            options = fb.vector(table, 5, 1, what)
            if options[1] and fb.scalar(table, 6, "<b", 1, _FLEXBUFFERS, what) != _FLEXBUFFERS:
                raise ModelError("%s (%s): custom options are not FlexBuffers" % (what, op_name(code, custom)))
        else:
            options_type = fb.scalar(table, 3, "<B", 1, 0, what)
            options = fb.table(table, 4, what) if options_type else 0
        return Operator(self, index, code, custom, ios[0], ios[1], options_type, options)

    def offline_plan(self):
        """Per-tensor arena offsets from TFLM's OfflineMemoryAllocation metadata, or None."""
        buffer_index = self.metadata.get("OfflineMemoryAllocation")
        if buffer_index is None:
            return None
        data = self.buffer(buffer_index, "OfflineMemoryAllocation metadata")
        if data is None or len(data) < 12:
            raise ModelError("OfflineMemoryAllocation metadata is shorter than its 12-byte header")
        import struct

        count = struct.unpack_from("<i", data, 8)[0]
        if count != self.total_tensor_count or len(data) < 12 + 4 * count:
            raise ModelError(
                "OfflineMemoryAllocation metadata lists %d offsets for %d tensors"
                % (count, self.total_tensor_count)
            )
        return struct.unpack_from("<%di" % self.tensor_count, data, 12)
