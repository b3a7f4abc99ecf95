"""The detectors' shared parts: OpenCV's HOG people detector, the decoders of ONNX model outputs and
non-maximum suppression. The ONNX models themselves run in ONNX Runtime (``onnx_runtime.py``).

An ONNX model's first output is recognised by its shape:

* YOLOv5-style ``[1, N, 5 + C]``: rows of ``cx, cy, w, h, objectness, C class scores``; score = objectness x class score.
* YOLOv8-style ``[1, 4 + C, N]``: columns of ``cx, cy, w, h, C class scores`` (no objectness). YOLO11
  exports the same layout (``[1, 84, 8400]`` at 640). A 3-D output is read as YOLOv8 when its second
  dimension is the smaller one (real models have far more candidate boxes than attributes).
* SSD-style ``[1, 1, N, 7]`` (OpenCV's DetectionOutput layout): ``image_id, label, score, x1, y1, x2, y2``
  with corners in [0, 1]; ``label`` counts from 1 (0 is background), so class id = label - 1.

YOLO box centres and sizes are in network-input pixels. Class ids name COCO classes (0 = person).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np

from .coco import class_name
from .errors import BadInput
from .params import Params


@dataclass(frozen=True)
class Detection:
    """One box in original-image pixels (clipped to the image)."""

    class_id: int
    label: str
    score: float
    x: int
    y: int
    width: int
    height: int

    def as_json(self) -> dict[str, object]:
        return {
            "label": self.label,
            "classId": self.class_id,
            "score": round(self.score, 4),
            "box": {"x": self.x, "y": self.y, "width": self.width, "height": self.height},
        }


class Detector(Protocol):
    """Finds objects in a BGR image."""

    #: what the sidecar records as the model: ``opencv-hog-people`` or ``<bucket>/<key>``
    name: str
    #: ``hog`` or ``onnx``
    kind: str
    #: ``hog``, ``yolov5``, ``yolov8`` or ``ssd`` once known (ONNX: after the first image)
    layout: str | None

    def detect(self, image: np.ndarray) -> list[Detection]: ...


def _wanted(params: Params, class_id: int, label: str) -> bool:
    return not params.classes or label in params.classes or str(class_id) in params.classes


def _clip_box(x: float, y: float, w: float, h: float, width: int, height: int) -> tuple[int, int, int, int]:
    x1, y1 = max(0, int(round(x))), max(0, int(round(y)))
    x2, y2 = min(width, int(round(x + w))), min(height, int(round(y + h)))
    return x1, y1, max(0, x2 - x1), max(0, y2 - y1)


def nms(boxes: list[list[float]], scores: list[float], class_ids: list[int], confidence: float, overlap: float) -> list[int]:
    """Greedy non-maximum suppression per class: indices of the kept boxes (``[x, y, w, h]``), best first.
    A box is dropped when its score is below ``confidence`` or its IoU with a kept box of its class is
    above ``overlap`` (the rule of OpenCV's ``NMSBoxesBatched``, which the service used before).

    >>> nms([[0, 0, 10, 10], [1, 1, 10, 10], [0, 0, 10, 10]], [0.9, 0.8, 0.7], [0, 0, 1], 0.5, 0.45)
    [0, 2]
    """
    b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    s = np.asarray(scores, dtype=np.float64)
    c = np.asarray(class_ids)
    x1, y1, x2, y2 = b[:, 0], b[:, 1], b[:, 0] + b[:, 2], b[:, 1] + b[:, 3]
    area = np.clip(b[:, 2], 0, None) * np.clip(b[:, 3], 0, None)
    order = [i for i in np.argsort(-s, kind="stable").tolist() if s[i] >= confidence]
    keep: list[int] = []
    suppressed = np.zeros(len(s), dtype=bool)
    for i in order:
        if suppressed[i]:
            continue
        keep.append(i)
        iw = np.clip(np.minimum(x2[i], x2) - np.maximum(x1[i], x1), 0, None)
        ih = np.clip(np.minimum(y2[i], y2) - np.maximum(y1[i], y1), 0, None)
        inter = iw * ih
        union = area[i] + area - inter
        iou = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
        suppressed |= (c == c[i]) & (iou > overlap)
    return keep


def _finish(
    boxes: list[list[float]], scores: list[float], class_ids: list[int], params: Params, width: int, height: int
) -> list[Detection]:
    """Non-maximum suppression per class, then boxes clipped to the image, best first."""
    if not boxes:
        return []
    found = []
    for i in nms(boxes, scores, class_ids, params.confidence, params.nms):
        x, y, w, h = _clip_box(*boxes[i], width, height)
        if w > 0 and h > 0:
            found.append(Detection(class_ids[i], class_name(class_ids[i]), float(scores[i]), x, y, w, h))
    return sorted(found, key=lambda d: -d.score)


class HogDetector:
    """OpenCV's HOG + linear SVM people detector (Dalal-Triggs, 64x128 window): people standing upright,
    at least about 50x100 pixels. Its score is the SVM margin, not a probability."""

    name = "opencv-hog-people"
    kind = "hog"
    layout = "hog"
    #: frames are scaled down to this longest side first: HOG cost grows with area, and people smaller
    #: than the 64x128 window are not found at any size
    max_side = 1280

    def __init__(self, params: Params) -> None:
        self._params = params
        self._hog = cv2.HOGDescriptor()
        self._hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())

    def detect(self, image: np.ndarray) -> list[Detection]:
        if not _wanted(self._params, 0, "person"):
            return []
        height, width = image.shape[:2]
        scale = min(1.0, self.max_side / max(height, width))
        small = cv2.resize(image, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA) if scale < 1 else image
        rects, weights = self._hog.detectMultiScale(small, winStride=(8, 8), padding=(8, 8), scale=1.05)
        boxes = [[x / scale, y / scale, w / scale, h / scale] for (x, y, w, h) in np.array(rects).reshape(-1, 4).tolist()]
        scores = np.array(weights, dtype=np.float64).flatten().tolist()
        return _finish(boxes, scores, [0] * len(boxes), self._params, width, height)


def output_layout(shape: tuple[int, ...]) -> str:
    """Which output format a tensor of ``shape`` is in; raises :class:`BadInput` for an unknown one.

    >>> output_layout((1, 8400, 85)), output_layout((1, 84, 8400)), output_layout((1, 1, 100, 7))
    ('yolov5', 'yolov8', 'ssd')
    """
    if len(shape) == 4 and shape[0] == 1 and shape[1] == 1 and shape[3] == 7:
        return "ssd"
    if len(shape) == 3 and shape[0] == 1:
        if shape[1] > shape[2] and shape[2] >= 6:
            return "yolov5"
        if shape[1] <= shape[2] and shape[1] >= 5:
            return "yolov8"
    raise BadInput(
        f"model output has shape {list(shape)}, which is neither YOLO-style ([1, N, 5+C] or [1, 4+C, N]) "
        "nor SSD-style ([1, 1, N, 7]): export the model with one of those outputs (see services/detect/README.md)"
    )


def decode_yolo(out: np.ndarray, layout: str, params: Params, width: int, height: int) -> list[Detection]:
    """Boxes from a YOLO-style output for an image of ``width`` x ``height``."""
    rows = out[0] if layout == "yolov5" else out[0].T
    if layout == "yolov5":
        class_scores = rows[:, 5:] * rows[:, 4:5]
    else:
        class_scores = rows[:, 4:]
    class_ids = np.argmax(class_scores, axis=1)
    scores = class_scores[np.arange(len(rows)), class_ids]
    sx, sy = width / params.input_size, height / params.input_size
    boxes, kept_scores, kept_ids = [], [], []
    for i in np.flatnonzero(scores >= params.confidence):
        cid = int(class_ids[i])
        if not _wanted(params, cid, class_name(cid)):
            continue
        cx, cy, w, h = rows[i, :4].tolist()
        boxes.append([(cx - w / 2) * sx, (cy - h / 2) * sy, w * sx, h * sy])
        kept_scores.append(float(scores[i]))
        kept_ids.append(cid)
    return _finish(boxes, kept_scores, kept_ids, params, width, height)


def decode_ssd(out: np.ndarray, params: Params, width: int, height: int) -> list[Detection]:
    """Boxes from an SSD-style ``[1, 1, N, 7]`` output for an image of ``width`` x ``height``."""
    boxes, scores, ids = [], [], []
    for _, label, score, x1, y1, x2, y2 in out.reshape(-1, 7).tolist():
        cid = int(label) - 1
        if score < params.confidence or cid < 0 or not _wanted(params, cid, class_name(cid)):
            continue
        boxes.append([x1 * width, y1 * height, (x2 - x1) * width, (y2 - y1) * height])
        scores.append(float(score))
        ids.append(cid)
    return _finish(boxes, scores, ids, params, width, height)
