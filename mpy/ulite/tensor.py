"""The tensor object users see through Interpreter.input(i) / output(i)."""

import array
import struct

try:
    import uctypes
except ImportError:
    pass

from .errors import ModelError

# TFLite TensorType code -> (dtype name, bytes per element); 0 = not a byte-sized element.
DTYPES = {
    0: ("float32", 4),
    1: ("float16", 2),
    2: ("int32", 4),
    3: ("uint8", 1),
    4: ("int64", 8),
    5: ("string", 0),
    6: ("bool", 1),
    7: ("int16", 2),
    8: ("complex64", 8),
    9: ("int8", 1),
    10: ("float64", 8),
    11: ("complex128", 16),
    12: ("uint64", 8),
    13: ("resource", 0),
    14: ("variant", 0),
    15: ("uint32", 4),
    16: ("uint16", 2),
    17: ("int4", 0),
    18: ("bfloat16", 2),
}

# Typecodes of array.array / struct accepted as input for each dtype.
TYPECODES = {"float32": "f", "int32": "i", "uint8": "B", "int16": "h", "int8": "b", "bool": "B"}

INT32_MIN = -(1 << 31)
INT32_MAX = (1 << 31) - 1
# Representable range of the integer dtypes (zero points of other dtypes are int32s in TFLM).
INT_RANGES = {
    "int8": (-128, 127),
    "uint8": (0, 255),
    "int16": (-32768, 32767),
    "int32": (INT32_MIN, INT32_MAX),
}

# Bounds on what a model may declare, so hostile shapes cannot make ulite compute with
# huge numbers or ask for absurd allocations: ulite's boards have well under 2**31 bytes.
MAX_RANK = 16
MAX_TENSOR_BYTES = INT32_MAX


class Tensor:
    """Shape, dtype, quantization and the bytes of one tensor.

    `data` is a memoryview of the tensor's bytes: in the arena for activations (writable),
    in the model buffer for constants (read-only, zero-copy).
    """

    # What most tensors have, kept on the class: an instance stores only what differs
    # (each attribute an instance sets costs heap and time on a board).
    is_variable = False
    in_model = False  # its bytes are in the model (weights, constants)
    data = None
    quant = None  # or (scale bits memoryview, zero points memoryview, count, axis)
    zero_point = 0

    def __init__(self, model, index, shape, type_code, buffer_data=None):
        """`model` names the tensor (its name is read from the model when asked for)."""
        self._model = model
        self.index = index
        if type_code not in DTYPES:
            raise ModelError("%s: unknown type code %d" % (self.where(), type_code))
        self.shape = shape
        self.dtype, itemsize = DTYPES[type_code]
        self.itemsize = itemsize
        if len(shape) > MAX_RANK:
            raise ModelError("%s: rank %d is above %d" % (self.where(), len(shape), MAX_RANK))
        size = 1
        for dim in shape:
            if dim < 0:
                raise ModelError("%s: negative dimension in %s" % (self.where(), shape))
            size *= dim
        self.size = size
        self.nbytes = nbytes = size * itemsize
        if size > MAX_TENSOR_BYTES or nbytes > MAX_TENSOR_BYTES:
            raise ModelError(
                "%s: shape %s of %s needs %d bytes, above the %d-byte limit"
                % (self.where(), shape, self.dtype, nbytes, MAX_TENSOR_BYTES)
            )
        if buffer_data is not None:
            if itemsize and len(buffer_data) != nbytes:
                raise ModelError(
                    "%s: buffer holds %d bytes but shape %s of %s needs %d"
                    % (self.where(), len(buffer_data), shape, self.dtype, nbytes)
                )
            self.in_model = True
            self.data = buffer_data

    def quantize(self, quant):
        """Set the quantization: (scale bits memoryview, zero points memoryview, count,
        axis). Kernels use the first zero point (TFLM's per-channel kernels take the others
        as zero), so only it is bounded."""
        self.quant = quant
        self.zero_point = zero_point = struct.unpack_from("<q", quant[1], 0)[0]
        kind = self.dtype if self.dtype in INT_RANGES else "int32"
        low, high = INT_RANGES[kind]
        if not low <= zero_point <= high:
            raise ModelError(
                "%s: zero point %d outside the %s range" % (self.where(), zero_point, kind)
            )

    @property
    def name(self):
        return self._model.tensor_name(self.index) if self._model else ""

    @property
    def scale(self):
        return struct.unpack_from("<f", self.quant[0], 0)[0] if self.quant else 0.0

    def where(self):
        return "tensor %d '%s'" % (self.index, self.name)

    def __repr__(self):
        return "<Tensor %d '%s' %s %s scale=%g zero_point=%d>" % (
            self.index,
            self.name,
            self.dtype,
            self.shape,
            self.scale,
            self.zero_point,
        )

    @property
    def is_constant(self):
        """Its bytes are in the model (weights, constants), whatever arena view it gets."""
        return self.in_model and not self.is_variable and self.index >= 0

    def channels(self):
        """Number of per-channel quantization entries (1 for per-tensor)."""
        return self.quant[2] if self.quant else 0

    def scale_bits(self, channel=0):
        """IEEE-754 bit pattern of a float32 scale, for exact integer-only derivations."""
        self._check_channel(channel)
        return struct.unpack_from("<I", self.quant[0], 4 * channel)[0]

    def channel_zero_point(self, channel):
        self._check_channel(channel)
        zps = self.quant[1]
        return struct.unpack_from("<q", zps, 8 * channel if len(zps) > 8 else 0)[0]

    def _check_channel(self, channel):
        count = self.quant[2] if self.quant else 0
        if not 0 <= channel < count:
            raise ModelError(
                "tensor %d '%s' has %d quantization scales, none for channel %d"
                % (self.index, self.name, count, channel)
            )

    def copy_from(self, src):
        """Copy input values into the tensor, checking type and size before touching it.

        `src` is bytes/bytearray/memoryview (raw little-endian bytes), an array.array of
        matching element size and kind ('b' for int8, 'h' for int16, 'f' for float32, ...),
        or a list or tuple of the tensor's values (ints in its dtype's range; numbers for
        float32).
        """
        if isinstance(src, (list, tuple)):
            self._copy_values(src)
            return
        if isinstance(src, array.array):
            if len(src) != self.size:
                raise ValueError(
                    "tensor '%s' needs %d %s values, got an array of %d"
                    % (self.name, self.size, self.dtype, len(src))
                )
            if not self.size:
                return
            if array_itemsize(src) != self.itemsize:
                raise ValueError(
                    "tensor '%s' holds %d-byte %s values, got an array of %d-byte items"
                    % (self.name, self.itemsize, self.dtype, array_itemsize(src))
                )
            if isinstance(src[0], float) != (self.dtype == "float32"):
                raise TypeError(
                    "tensor '%s' is %s, got an array of %s"
                    % (self.name, self.dtype, type(src[0]).__name__)
                )
            self.data[:] = byte_view(src, self.nbytes)
            return
        if not isinstance(src, (bytes, bytearray, memoryview)):
            raise TypeError(
                "tensor '%s' expects bytes, bytearray, memoryview, array.array or list, got %s"
                % (self.name, type(src).__name__)
            )
        if len(src) != self.nbytes:
            raise ValueError(
                "tensor '%s' %s %s needs %d bytes, got %d"
                % (self.name, self.dtype, self.shape, self.nbytes, len(src))
            )
        self.data[:] = src

    def _copy_values(self, values):
        self._check_count(values)
        code = TYPECODES.get(self.dtype)
        if code is None:
            raise TypeError("tensor '%s': no %s values from a list" % (self.name, self.dtype))
        kinds = (int, float) if code == "f" else int
        low, high = INT_RANGES.get(self.dtype, (0, 1))  # (bool: 0 or 1)
        name, dtype = self.name, self.dtype
        for v in values:
            if not isinstance(v, kinds):
                raise TypeError("tensor '%s' is %s, got %s" % (name, dtype, type(v).__name__))
            if code != "f" and not low <= v <= high:
                raise ValueError("tensor '%s': %d is outside the %s range" % (name, v, dtype))
        fmt, data, itemsize = "<" + code, self.data, self.itemsize
        for i in range(self.size):
            struct.pack_into(fmt, data, i * itemsize, values[i])

    def _check_count(self, values):
        if len(values) != self.size:
            raise ValueError(
                "tensor '%s' %s needs %d values, got %d"
                % (self.name, self.shape, self.size, len(values))
            )

    def _affine(self):
        """(struct format, scale, zero point) of a quantized tensor's real values."""
        from .affine import FORMATS

        fmt = FORMATS.get(self.dtype)
        if fmt is None:
            raise TypeError(
                "tensor '%s' is %s: real values need int8, int16, uint8 or float32"
                % (self.name, self.dtype)
            )
        scale = self.scale
        if not scale:
            raise ValueError("tensor '%s' %s has no quantization scale" % (self.name, self.dtype))
        return fmt, scale, self.zero_point

    def set_floats(self, values):
        """Set the tensor from real values (a list, tuple or array of its size), quantized
        with its scale and zero point as TFLM's QUANTIZE does; a float32 tensor takes them
        as they are (rounded to float32). No buffer is allocated."""
        self._check_count(values)
        if self.dtype == "float32":
            for i in range(self.size):
                struct.pack_into("<f", self.data, 4 * i, values[i])
            return
        from .affine import quantize

        fmt, scale, zero_point = self._affine()
        low, high = INT_RANGES[self.dtype]
        quantize((values, self.data, fmt, self.itemsize, self.size, scale, zero_point, low, high))

    def floats(self):
        """A new array('f') of the tensor's real values: dequantized with its scale and zero
        point as TFLM's DEQUANTIZE does; a float32 tensor's values as they are."""
        out = array.array("f", bytes(4 * self.size))
        if self.dtype == "float32":
            byte_view(out, self.nbytes)[:] = self.data
            return out
        from .affine import dequantize

        fmt, scale, zero_point = self._affine()
        dequantize((self.data, fmt, self.itemsize, out, self.size, scale, zero_point))
        return out

    def values(self):
        """A new array.array holding a copy of the tensor's values."""
        code = TYPECODES.get(self.dtype)
        if code is None:
            raise TypeError("tensor '%s': no array typecode for %s" % (self.name, self.dtype))
        out = array.array(code, bytes(self.nbytes))  # raw bytes: nbytes // itemsize values
        byte_view(out, self.nbytes)[:] = self.data
        return out


def array_itemsize(arr):
    view = memoryview(arr)
    try:
        return view.itemsize
    except AttributeError:  # MicroPython
        return uctypes.addressof(view[1:]) - uctypes.addressof(view)


def byte_view(arr, nbytes):
    """A writable byte-level view of an array.array, without copying it."""
    try:
        return uctypes.bytearray_at(uctypes.addressof(arr), nbytes)
    except NameError:  # CPython
        return memoryview(arr).cast("B")
