"""Read 8-bit grayscale BMP images (the person-detection test pictures) into model inputs."""

import struct
from pathlib import Path

import numpy as np

from .errors import UserError

_FILE_HEADER = 14
_INFO_HEADER = 40  # BITMAPINFOHEADER; later versions only append fields


def read_gray_bmp(path):
    """The pixels of an uncompressed 8-bit palette BMP with a gray palette, top row first.

    Returns a (height, width) uint8 array of gray levels. BMP rows are stored bottom-up
    unless the height is negative, and each row is padded to a multiple of 4 bytes.
    """
    path = Path(path)
    data = path.read_bytes()

    def fail(reason):
        raise UserError("%s: not an 8-bit grayscale BMP: %s" % (path, reason))

    if len(data) < _FILE_HEADER + _INFO_HEADER or data[:2] != b"BM":
        fail("missing the 'BM' header")
    file_size, pixels_at = struct.unpack_from("<I4xI", data, 2)
    if file_size != len(data):
        fail("header says %d bytes, file has %d" % (file_size, len(data)))
    info_size, width, height, planes, bits, compression = struct.unpack_from(
        "<IiiHHI", data, _FILE_HEADER
    )
    colors = struct.unpack_from("<I", data, _FILE_HEADER + 32)[0] or 256
    if info_size < _INFO_HEADER or planes != 1:
        fail("unsupported info header (%d bytes, %d planes)" % (info_size, planes))
    if bits != 8 or compression != 0:
        fail("%d bits per pixel, compression %d (need 8, uncompressed)" % (bits, compression))
    if width <= 0 or height == 0 or colors > 256:
        fail("bad size %dx%d or %d palette colors" % (width, height, colors))
    palette_at = _FILE_HEADER + info_size
    if palette_at + 4 * colors > pixels_at:
        fail("palette overlaps the pixel data")
    palette = np.frombuffer(data, np.uint8, 4 * colors, palette_at).reshape(colors, 4)[:, :3]
    if not (palette == palette[:, :1]).all():
        fail("palette is not gray")
    stride = (width + 3) & ~3
    rows = abs(height)
    if pixels_at + stride * rows > len(data):
        fail(
            "pixel data needs %d bytes from offset %d, file has %d"
            % (stride * rows, pixels_at, len(data))
        )
    indices = np.frombuffer(data, np.uint8, stride * rows, pixels_at).reshape(rows, stride)[
        :, :width
    ]
    if int(indices.max()) >= colors:
        fail("pixel index %d outside the %d-color palette" % (int(indices.max()), colors))
    gray = palette[indices, 0]
    return gray[::-1] if height > 0 else gray


def person_input(path):
    """A person_detect input: int8 (1, height, width, 1) = gray level - 128."""
    gray = read_gray_bmp(path).astype(np.int16) - 128
    return gray.astype(np.int8).reshape(1, gray.shape[0], gray.shape[1], 1)


def person_detect_input(path):
    """The int8 input TFLM's person detection example feeds for a 96x96 BMP: the pixel
    bytes reinterpreted as int8 (values above 127 wrap to negative), as the example's image
    arrays hold them, shape (1, 96, 96, 1). With these TFLM scores person.bmp (-113, 113)
    and no_person.bmp (57, -57) (not-person, person), the results raspberrypi/pico-tflmicro
    publishes; gray - 128 (person_input, the corpus golden convention) gives (4, -4) and
    (77, -77): "no person" for both."""
    gray = read_gray_bmp(path)
    if gray.shape != (96, 96):
        raise UserError(
            "%s: %dx%d pixels; person detection takes 96x96" % (path, gray.shape[1], gray.shape[0])
        )
    return np.ascontiguousarray(gray).view(np.int8).reshape(1, 96, 96, 1)
