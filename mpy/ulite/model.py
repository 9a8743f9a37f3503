"""The graph inside a .tflite flatbuffer: operator codes, tensors, operators, metadata.

Field ids follow tensorflow/compiler/mlir/lite/schema/schema.fbs. Only subgraph 0 runs.
"""

from struct import pack_into as _pack_into, unpack_from as _unpack_from

from .errors import ModelError
from .flatbuf import FlatBuffer, describe
from .tensor import Tensor

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
    "TransposeConvOptions": 49,
    "UnidirectionalSequenceLSTMOptions": 71,
    "LeakyReluOptions": 75,
    "QuantizeOptions": 89,
    "HardSwishOptions": 91,
}


TENSOR_FIELDS = 11  # int32 per tensor in a TensorRows row (Model.tensor_fields)
_ROW_FORMAT = "<11i"
_ROW_BYTES = 4 * TENSOR_FIELDS

_OPTION_SLOTS = 16  # options fields read at once (every BuiltinOptions table ulite reads has fewer)
_OPTION_FORMATS = {"b": ("<b", 1), "B": ("<B", 1), "h": ("<h", 2), "i": ("<i", 4), "I": ("<I", 4), "f": ("<f", 4)}


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

    _option_slots = None  # the options table's field offsets, read on first use

    def option(self, type_name, field_id, fmt, default):
        table = self.options_table
        if self.options_type != OPTIONS_TYPES[type_name] or not table:
            return default
        fmt, size = _OPTION_FORMATS[fmt]
        if field_id >= _OPTION_SLOTS:
            return self.model.fb.scalar(table, field_id, fmt, size, default, self)
        slots = self._option_slots
        if slots is None:
            slots = self._option_slots = self.model.fb.slots(table, _OPTION_SLOTS, self)
        offset = slots[field_id]
        return self.model.fb.read(fmt, size, table + offset, self) if offset else default

    def option_ints(self, type_name, field_id):
        table = self.options(type_name)
        return self.model.fb.int_vector(table, field_id, self) if table else ()

    def custom_options(self):
        """A custom op's options: its FlexBuffers map as a dict ({} when it has none)."""
        from .flexbuffer import read_map  # only custom ops pay for the reader

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


def _positions(table, slots):
    """Absolute positions of a table's fields from their offsets (0: absent)."""
    return [table + offset if offset else 0 for offset in slots]


class TensorRows:
    """A row per tensor: what it is read from (Model.tensor_fields). Walked from the
    flatbuffer once, as first read, and kept (a construction reads most tensors three
    times); or convert's, precomputed in the model (`data` and `start`: where)."""

    def __init__(self, count, data=None, start=0):
        self.data = bytearray(_ROW_BYTES * count) if data is None else data
        self.start = start
        self.walked = bytearray(count) if data is None else None  # None: every row is there

    def get(self, index, walk):
        """Row `index`, from walk(index) if it was not read before."""
        at = self.start + _ROW_BYTES * index
        walked = self.walked
        if walked is None or walked[index]:
            return _unpack_from(_ROW_FORMAT, self.data, at)
        fields = walk(index)
        _pack_into(_ROW_FORMAT, self.data, at, *fields)
        walked[index] = 1
        return fields

    def moved_to(self, buffer, walk):
        """These rows, every one walked, copied to the start of `buffer` (a memoryview big
        enough), which holds them from now on."""
        for index in range(len(self.walked)):
            self.get(index, walk)
        buffer[: len(self.data)] = self.data
        return TensorRows(len(self.walked), buffer, 0)


class Model:
    """The graph of subgraph 0: tensors and operators are read from the flatbuffer once,
    on first use, and kept until release()."""

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
        fields = _positions(root, fb.slots(root, 7, "model"))
        self.version = fb.read("<I", 4, fields[0], "model version") if fields[0] else 0
        self.opcodes = self._read_opcodes(fields[1])
        sg_start, sg_count = fb.vector_at(fields[2], 4, "model subgraphs", MAX_ENTRIES)
        if sg_count == 0:
            raise ModelError("model has no subgraphs")
        self.subgraph_count = sg_count
        self.total_tensor_count = 0
        for i in range(sg_count):
            sg = fb.vector_table(sg_start, i, ("subgraph %d", i))
            self.total_tensor_count += fb.vector(sg, 0, 4, ("subgraph %d tensors", i))[1]
        sg = fb.vector_table(sg_start, 0, "subgraph 0")
        graph = _positions(sg, fb.slots(sg, 4, "subgraph 0"))
        self.tensors_start, self.tensor_count = fb.vector_at(
            graph[0], 4, "subgraph 0 tensors", MAX_ENTRIES
        )
        self.ops_start, self.op_count = fb.vector_at(graph[3], 4, "subgraph 0 operators", MAX_ENTRIES)
        self.buffers_start, self.buffer_count = fb.vector_at(fields[4], 4, "model buffers")
        self.inputs = self._tensor_list(fb.ints_at(graph[1], "subgraph 0 inputs"), "graph inputs")
        self.outputs = self._tensor_list(fb.ints_at(graph[2], "subgraph 0 outputs"), "graph outputs")
        self.metadata = self._read_metadata(fields[6])
        self.place = None  # once the arena exists: place(tensor) gives it its bytes there
        self.release()

    def use_arena(self, place):
        """From now on place(tensor) gives each tensor read its bytes in the arena, those
        read before included."""
        self.place = place
        for t in self._tensors:
            if t is not None:
                place(t)

    def release(self, rows=False):
        """Forget the tensors and operators read so far (they are read again if asked for);
        `rows`: the tensors' rows too (see TensorRows)."""
        self._tensors = [None] * self.tensor_count
        self._operators = [None] * self.op_count
        if rows:
            self.tensor_rows = None

    # The tensors' TensorRows: convert's, or (None) walked from the flatbuffer as read.
    tensor_rows = None

    def move_rows(self, buffer):
        """Keep the rows walked so far in `buffer` instead of their own heap block, if it is
        big enough (a raw construction lends them the arena's activations, unused until the
        first invoke)."""
        rows = self.tensor_rows
        if rows is not None and rows.walked is not None and len(buffer) >= len(rows.data):
            self.tensor_rows = rows.moved_to(buffer, self.tensor_fields)

    def release_op(self, index):
        """Forget operator `index` and its tensors, keeping the heap small between ops."""
        op = self._operators[index]
        if op is not None:
            self._operators[index] = None
            for t in op.inputs + op.outputs:
                if t is not None:
                    self._tensors[t.index] = None

    def _tensor_list(self, indices, what):
        for i in indices:
            if not 0 <= i < self.tensor_count:
                raise ModelError(
                    "%s: tensor index %d out of range (model has %d tensors)"
                    % (what, i, self.tensor_count)
                )
        return indices

    def _read_opcodes(self, pos):
        fb = self.fb
        start, count = fb.vector_at(pos, 4, "operator codes", MAX_ENTRIES)
        opcodes = []
        for i in range(count):
            what = ("operator code %d", i)
            table = fb.vector_table(start, i, what)
            fields = _positions(table, fb.slots(table, 4, what))
            deprecated = fb.read("<b", 1, fields[0], what) if fields[0] else 0
            builtin = fb.read("<i", 4, fields[3], what) if fields[3] else 0
            code = max(deprecated, builtin)
            custom = fb.string_at(fields[1], what) if code == BUILTIN_CUSTOM else None
            opcodes.append((code, custom))
        return opcodes

    def _read_metadata(self, pos):
        fb = self.fb
        start, count = fb.vector_at(pos, 4, "metadata", MAX_ENTRIES)
        entries = {}
        for i in range(count):
            what = ("metadata %d", i)
            table = fb.vector_table(start, i, what)
            name = fb.string(table, 0, what)
            entries[name] = fb.scalar(table, 1, "<I", 4, 0, what)
        return entries

    def buffer_span(self, index, what):
        """(position, bytes) of a buffer's data in the model; (0, 0) when it has none."""
        if index >= self.buffer_count:
            raise ModelError(
                "%s: buffer index %d out of range (model has %d buffers)"
                % (describe(what), index, self.buffer_count)
            )
        fb = self.fb
        table = fb.vector_table(self.buffers_start, index, what)
        data, offset = fb.slots(table, 2, what)
        if offset and fb.read("<Q", 8, table + offset, what) > 1:
            raise ModelError(
                "%s: buffer %d lives outside the flatbuffer (unsupported)" % (describe(what), index)
            )
        return fb.vector_at(table + data if data else 0, 1, what)

    def buffer(self, index, what):
        """The bytes of a buffer as a zero-copy memoryview, or None when it holds no data."""
        if index == 0:
            return None
        start, count = self.buffer_span(index, what)
        return self.fb.buf[start : start + count] if count else None

    def tensor_name(self, index):
        fb = self.fb
        what = ("tensor %d", index)
        return fb.string(fb.vector_table(self.tensors_start, index, what), 3, what) or ""

    def tensor(self, index):
        """The Tensor at `index` (0 <= index < tensor_count), read once."""
        t = self._tensors[index]
        if t is None:
            t = self._tensors[index] = self._read_tensor(index)
        return t

    def _read_tensor(self, index):
        fb = self.fb
        base = self.tensors_start
        rows = self.tensor_rows
        if rows is None:
            rows = self.tensor_rows = TensorRows(self.tensor_count)
        fields = rows.get(index, self.tensor_fields)
        (type_code, variable, shape_at, rank, data_at, data_bytes,
         scales_at, scales, zps_at, zps, axis) = fields  # fmt: skip
        buf = fb.buf
        shape = fb.ints(base + shape_at, rank)
        data = buf[base + data_at : base + data_at + data_bytes] if data_bytes >= 0 else None
        tensor = Tensor(self, index, shape, type_code, data)
        if variable:
            tensor.is_variable = True
        if scales:
            scales_at += base
            zps_at += base
            zero_points = buf[zps_at : zps_at + 8 * zps]
            tensor.quantize((buf[scales_at : scales_at + 4 * scales], zero_points, scales, axis))
        if self.place is not None:
            self.place(tensor)
        return tensor

    def tensor_fields(self, index):
        """What tensor `index` is read from: TENSOR_FIELDS ints (type code, 1 if variable,
        shape position and rank, data position and bytes (-1: none), scales position and
        count (0: not quantized), zero points position and count, quantized axis), the
        positions relative to the tensors vector (they stay valid when the model moves).
        Checked here, so a table of them can be trusted."""
        fb = self.fb
        what = ("tensor %d", index)
        table = fb.vector_table(self.tensors_start, index, what)
        shape, type_code, buffer_index, _, quant, variable, sparsity = fb.slots(table, 7, what)
        if sparsity:
            raise ModelError(
                "tensor %d '%s': sparse tensors are not supported" % (index, self.tensor_name(index))
            )
        base = self.tensors_start
        shape_at, rank = fb.vector_at(table + shape, 4, what, MAX_ENTRIES) if shape else (base, 0)
        type_code = fb.read("<b", 1, table + type_code, what) if type_code else 0
        buffer_index = fb.read("<I", 4, table + buffer_index, what) if buffer_index else 0
        data_at, data_bytes = self.buffer_span(buffer_index, what) if buffer_index else (0, 0)
        if not data_bytes:
            data_at, data_bytes = base, -1  # no data
        variable = 1 if variable and fb.read("<B", 1, table + variable, what) else 0
        quant = self._read_quant(fb.deref(table + quant, what), index) if quant else None
        scales_at, scales, zps_at, zps, axis = quant or (base, 0, base, 0, 0)
        return (
            type_code, variable, shape_at - base, rank, data_at - base, data_bytes,
            scales_at - base, scales, zps_at - base, zps, axis,
        )  # fmt: skip

    def _read_quant(self, table, index):
        """(scales position and count, zero points position and count, axis), or None."""
        fb = self.fb
        what = ("tensor %d", index)
        _, _, scales, zero_points, _, _, axis = fb.slots(table, 7, what)
        scale_start, scale_count = fb.vector_at(table + scales if scales else 0, 4, what)
        zp_start, zp_count = fb.vector_at(table + zero_points if zero_points else 0, 8, what)
        if not scale_count or not zp_count:
            return None
        axis = fb.read("<i", 4, table + axis, what) if axis else 0
        if zp_count != 1 and zp_count != scale_count:
            raise ModelError(
                "tensor %d '%s': %d zero points for %d scales"
                % (index, self.tensor_name(index), zp_count, scale_count)
            )
        return scale_start, scale_count, zp_start, zp_count, axis

    def op_code(self, index):
        """(builtin code, custom name or None) of operator `index` (resolving its kernel
        needs no more)."""
        return self.opcodes[self.opcode_index(index)]

    def opcode_index(self, index):
        what = ("op %d", index)
        table = self.fb.vector_table(self.ops_start, index, what)
        opcode_index = self.fb.scalar(table, 0, "<I", 4, 0, what)
        if opcode_index >= len(self.opcodes):
            raise ModelError(
                "op %d: operator code index %d out of range (model has %d)"
                % (index, opcode_index, len(self.opcodes))
            )
        return opcode_index

    def operator(self, index):
        """The Operator at `index` (0 <= index < op_count), read once."""
        op = self._operators[index]
        if op is None:
            op = self._operators[index] = self._read_operator(index)
        return op

    def _read_operator(self, index):
        fb = self.fb
        what = ("op %d", index)
        table = fb.vector_table(self.ops_start, index, what)
        slots = fb.slots(table, 7, what)
        opcode_index, inputs, outputs, options_type, options, custom_options, custom_format = slots
        opcode_index = fb.read("<I", 4, table + opcode_index, what) if opcode_index else 0
        if opcode_index >= len(self.opcodes):
            raise ModelError(
                "op %d: operator code index %d out of range (model has %d)"
                % (index, opcode_index, len(self.opcodes))
            )
        code, custom = self.opcodes[opcode_index]
        inputs = self._op_tensors(fb.ints_at(table + inputs if inputs else 0, what), index, code, custom, "input")
        outputs = self._op_tensors(fb.ints_at(table + outputs if outputs else 0, what), index, code, custom, "output")
        if code == BUILTIN_CUSTOM:
            options_type = 0
            options = fb.vector_at(table + custom_options if custom_options else 0, 1, what)
            custom_format = fb.read("<b", 1, table + custom_format, what) if custom_format else _FLEXBUFFERS
            if options[1] and custom_format != _FLEXBUFFERS:
                raise ModelError("op %d (%s): custom options are not FlexBuffers" % (index, op_name(code, custom)))
        else:
            options_type = fb.read("<B", 1, table + options_type, what) if options_type else 0
            options = fb.deref(table + options, what) if options_type and options else 0
        return Operator(self, index, code, custom, inputs, outputs, options_type, options)

    def _op_tensors(self, indices, index, code, custom, kind):
        refs = []
        count = self.tensor_count
        for i in indices:
            if 0 <= i < count:
                t = self._tensors[i] or self.tensor(i)
                if kind == "output" and t.is_constant:
                    raise ModelError(
                        "op %d (%s): output tensor %d '%s' is a constant (it has buffer data)"
                        % (index, op_name(code, custom), i, t.name)
                    )
                refs.append(t)
            elif i == -1 and kind == "input":
                refs.append(None)
            else:
                raise ModelError(
                    "op %d (%s): %s tensor index %d out of range (model has %d tensors)"
                    % (index, op_name(code, custom), kind, i, self.tensor_count)
                )
        return refs

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
