"""Decompression bombs for the input caps: tiny files whose headers declare a huge image (the same shapes
as test/fixtures/image-bombs.ts builds for the TypeScript tests)."""

from __future__ import annotations

import struct
import zlib

import cv2
import numpy as np


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int, height: int) -> bytes:
    """A PNG with correct CRCs declaring ``width`` x ``height`` 8-bit RGB, with one short row of data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    row = zlib.compress(bytes(1 + min(width, 64) * 3))
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", row) + _chunk(b"IEND", b"")


def jpeg_bomb(width: int, height: int) -> bytes:
    """A real 64x48 baseline JPEG whose frame header (SOF0) is rewritten to declare ``width`` x ``height``."""
    ok, encoded = cv2.imencode(".jpg", np.zeros((48, 64, 3), np.uint8))
    assert ok
    data = bytearray(encoded.tobytes())
    i = 2
    while data[i + 1] != 0xC0:
        i += 2 + struct.unpack(">H", data[i + 2 : i + 4])[0]
    data[i + 5 : i + 9] = struct.pack(">HH", height, width)
    return bytes(data)
