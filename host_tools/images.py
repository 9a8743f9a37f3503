"""Read the 8-bit grayscale BMP test images of TFLM's person detection example."""

import struct
from pathlib import Path

import numpy as np

from .errors import UserError


def read_gray_bmp(path):
    """Pixels of an uncompressed 8-bit BMP as a (height, width) uint8 array, top row first."""
    data = Path(path).read_bytes()
    if data[:2] != b"BM" or len(data) < 54:
        raise UserError("%s: not a BMP file" % path)
    offset = struct.unpack_from("<I", data, 10)[0]
    width, height, _, bits, compression = struct.unpack_from("<iiHHI", data, 18)
    if bits != 8 or compression != 0:
        raise UserError(
            "%s: %d-bit BMP (compression %d); expected 8-bit uncompressed"
            % (path, bits, compression)
        )
    stride = (width + 3) & ~3  # rows are padded to 4 bytes
    rows = np.frombuffer(data, np.uint8, stride * abs(height), offset).reshape(abs(height), stride)
    pixels = rows[:, :width]
    return pixels[::-1].copy() if height > 0 else pixels.copy()  # positive height: bottom-up


def person_detect_input(path):
    """The int8 input of TFLM's person detection example for a 96x96 BMP: its pixel bytes
    stored as int8 (values above 127 wrap to negative), as the example's image arrays hold
    them, shape (1, 96, 96, 1). With these, TFLM scores person.bmp (-113, 113) and
    no_person.bmp (57, -57), the results raspberrypi/pico-tflmicro publishes; pixel - 128
    gives (4, -4) and (77, -77), "no person" for both."""
    pixels = read_gray_bmp(path)
    if pixels.shape != (96, 96):
        raise UserError(
            "%s: %dx%d pixels; person detection takes 96x96"
            % (path, pixels.shape[1], pixels.shape[0])
        )
    return pixels.view(np.int8).reshape(1, 96, 96, 1)
