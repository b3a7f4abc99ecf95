"""Drawing boxes on a frame and encoding it in the format its output key names."""

from __future__ import annotations

import cv2
import numpy as np

from .detectors import Detection
from .errors import BadInput

#: output key extension -> (OpenCV extension, Content-Type, encode flags)
_ENCODINGS: dict[str, tuple[str, str, list[int]]] = {
    "jpg": (".jpg", "image/jpeg", [cv2.IMWRITE_JPEG_QUALITY, 90]),
    "jpeg": (".jpg", "image/jpeg", [cv2.IMWRITE_JPEG_QUALITY, 90]),
    "png": (".png", "image/png", []),
    "webp": (".webp", "image/webp", [cv2.IMWRITE_WEBP_QUALITY, 90]),
    "bmp": (".bmp", "image/bmp", []),
    "tif": (".tiff", "image/tiff", []),
    "tiff": (".tiff", "image/tiff", []),
}

_BOX = (0, 200, 0)
_TEXT = (255, 255, 255)


def draw(image: np.ndarray, detections: list[Detection]) -> np.ndarray:
    """A copy of ``image`` with a box and a ``label score`` tag for each detection; line width follows image size."""
    out = image.copy()
    height, width = out.shape[:2]
    thickness = max(1, round(max(height, width) / 400))
    font_scale = max(0.4, max(height, width) / 1600)
    for d in detections:
        cv2.rectangle(out, (d.x, d.y), (d.x + d.width - 1, d.y + d.height - 1), _BOX, thickness)
        tag = f"{d.label} {d.score:.2f}"
        (tw, th), base = cv2.getTextSize(tag, cv2.FONT_HERSHEY_SIMPLEX, font_scale, 1)
        top = d.y - th - base - 2 if d.y - th - base - 2 >= 0 else d.y
        cv2.rectangle(out, (d.x, top), (d.x + tw + 2, top + th + base + 2), _BOX, -1)
        cv2.putText(out, tag, (d.x + 1, top + th + 1), cv2.FONT_HERSHEY_SIMPLEX, font_scale, _TEXT, 1, cv2.LINE_AA)
    return out


def encode(image: np.ndarray, output_key: str) -> tuple[bytes, str]:
    """Encodes ``image`` by the extension of ``output_key`` (JPEG when it has none we know); returns bytes and Content-Type."""
    ext = output_key.rsplit(".", 1)[-1].lower() if "." in output_key.rsplit("/", 1)[-1] else ""
    cv_ext, content_type, flags = _ENCODINGS.get(ext, _ENCODINGS["jpg"])
    ok, buf = cv2.imencode(cv_ext, image, flags)
    if not ok:
        raise BadInput(f"could not encode the annotated image as {cv_ext} for {output_key}")
    return buf.tobytes(), content_type


def decode(data: bytes, where: str) -> np.ndarray:
    """A BGR image from encoded bytes; raises :class:`BadInput` when they are not an image OpenCV reads."""
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR) if data else None
    if image is None:
        raise BadInput(f"{where} is not an image OpenCV can decode ({len(data)} bytes): upload a JPEG, PNG, WebP, BMP or TIFF")
    return image
