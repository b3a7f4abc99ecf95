"""The input caps: an object larger than ``maxInputBytes`` is refused before it is read, an image whose
header declares more than ``maxPixels`` pixels before it is decoded. Both are bad input (exit 2), so a
decompression bomb ends in milliseconds and within the step's memory limit.

The header probe reads the dimensions of PNG, JPEG, GIF, BMP and WebP files from their first bytes. For
any other format OpenCV's own cap applies: ``__main__`` sets ``CV_IO_MAX_IMAGE_PIXELS`` to ``maxPixels``
before OpenCV is imported, and OpenCV checks it when it reads a header.
"""

from __future__ import annotations

import struct

from .errors import BadInput


class InputLimit(BadInput):
    """An input over a cap; ``fields`` go into the error's log line."""

    def __init__(self, message: str, limit: str, maximum: int, actual: int | None = None) -> None:
        super().__init__(message)
        self.fields: dict[str, object] = {"limit": limit, "max": maximum}
        if actual is not None:
            self.fields["actual"] = actual


def _raise_hint(name: str) -> str:
    return f"raise FRAMEGATE_PARAM_{name.upper()} (the step's `{name}` param) if such inputs are expected"


def check_bytes(where: str, size: int, maximum: int) -> None:
    """Refuses an object of ``size`` bytes over ``maximum``."""
    if size > maximum:
        raise InputLimit(f"{where} is {size} bytes, more than maxInputBytes ({maximum}): not read; {_raise_hint('maxInputBytes')}", "maxInputBytes", maximum, size)


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte before a marker
            i += 1
            continue
        if marker == 0xDA:  # start of scan: no frame header before it
            return None
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length
            i += 2
            continue
        # SOF0-SOF15 carry the frame size, except DHT (C4), JPG (C8) and DAC (CC)
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        i += 2 + struct.unpack(">H", data[i + 2 : i + 4])[0]
    return None


def probe_size(data: bytes) -> tuple[str, int, int] | None:
    """``(format, width, height)`` from the header, or None for a format (or a header) it does not know.

    >>> probe_size(b"GIF89a" + bytes([0x10, 0x27, 0x20, 0x4E]) + bytes(10))
    ('gif', 10000, 20000)
    >>> probe_size(b"not an image") is None
    True
    """
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24 and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return "png", width, height
    if data[:2] == b"\xff\xd8":
        size = _jpeg_size(data)
        return ("jpeg", *size) if size else None
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return "gif", width, height
    if data[:2] == b"BM" and len(data) >= 26:
        width, height = struct.unpack("<ii", data[18:26])
        return "bmp", abs(width), abs(height)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) >= 30:
        kind = data[12:16]
        if kind == b"VP8X":
            return "webp", 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
        if kind == b"VP8L":
            bits = int.from_bytes(data[21:25], "little")
            return "webp", 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
        if kind == b"VP8 ":
            width, height = struct.unpack("<HH", data[26:30])
            return "webp", width & 0x3FFF, height & 0x3FFF
    return None


def check_pixels(where: str, data: bytes, maximum: int) -> None:
    """Refuses an image whose header declares more than ``maximum`` pixels (width x height)."""
    probed = probe_size(data)
    if probed is None:
        return
    fmt, width, height = probed
    if width * height > maximum:
        raise InputLimit(
            f"{where} is a {fmt} that declares {width}x{height} = {width * height} pixels, more than maxPixels ({maximum}): "
            f"not decoded (a decompression bomb, or a frame larger than expected); {_raise_hint('maxPixels')}",
            "maxPixels",
            maximum,
            width * height,
        )
