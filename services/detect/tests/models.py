"""Tiny ONNX models with fixed detections, built with the ``onnx`` package, so tests run the real
ONNX Runtime path without downloading weights.

Each model takes ``images`` ``[1, 3, S, S]`` and outputs a constant detection tensor plus 0 x the input's
mean (so the output depends on the input and no importer can drop it). ``python -m tests.models DIR``
writes ``yolov5.onnx``, ``yolov8.onnx``, ``yolo11.onnx`` and ``ssd.onnx`` with :data:`YOLO_BOXES` / :data:`SSD_BOXES`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

#: (cx, cy, w, h in network-input pixels, class id, score) for the YOLO models at input size 64
YOLO_BOXES = [
    (32.0, 32.0, 16.0, 32.0, 0, 0.9),   # person, centre of the frame
    (12.0, 12.0, 8.0, 8.0, 2, 0.8),     # car, top left
    (50.0, 50.0, 8.0, 8.0, 0, 0.2),     # person below the default confidence
]
#: (class id, score, x1, y1, x2, y2 in [0, 1]) for the SSD model
SSD_BOXES = [
    (0, 0.95, 0.25, 0.25, 0.75, 0.75),  # person
    (16, 0.7, 0.0, 0.0, 0.25, 0.5),     # dog
    (0, 0.1, 0.8, 0.8, 0.9, 0.9),       # person below the default confidence
]
NUM_CLASSES = 80
#: candidate rows in the YOLO outputs: real models have thousands; it must exceed 5 + classes so the
#: output's shape says which layout it is
CANDIDATES = 128
#: candidates of a YOLO11 (and YOLOv8) export at input 640
YOLO11_CANDIDATES = 80 * 80 + 40 * 40 + 20 * 20


def _model(output: np.ndarray, input_size: int) -> onnx.ModelProto:
    images = helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, input_size, input_size])
    out = helper.make_tensor_value_info("output0", TensorProto.FLOAT, list(output.shape))
    const = numpy_helper.from_array(output.astype(np.float32), "detections")
    zero = numpy_helper.from_array(np.zeros([1] * output.ndim, dtype=np.float32), "zero")
    nodes = [
        helper.make_node("ReduceMean", ["images"], ["mean"], keepdims=1),  # [1,1,1,1]
        helper.make_node("Flatten", ["mean"], ["mean_flat"], axis=0),  # [1,1]
        helper.make_node("Reshape", ["mean_flat", "shape"], ["mean_nd"]),
        helper.make_node("Mul", ["mean_nd", "zero"], ["nothing"]),
        helper.make_node("Add", ["detections", "nothing"], ["output0"]),
    ]
    shape = numpy_helper.from_array(np.array([1] * output.ndim, dtype=np.int64), "shape")
    graph = helper.make_graph(nodes, "fixed-detections", [images], [out], [const, zero, shape])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="framegate-tests")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def yolo_rows() -> np.ndarray:
    """``[CANDIDATES, 5 + 80]`` YOLOv5 rows: cx, cy, w, h, objectness, class scores."""
    rows = np.zeros((CANDIDATES, 5 + NUM_CLASSES), dtype=np.float32)
    for i, (cx, cy, w, h, cls, score) in enumerate(YOLO_BOXES):
        rows[i, :4] = (cx, cy, w, h)
        rows[i, 4] = 1.0
        rows[i, 5 + cls] = score
    return rows


def yolov5(input_size: int = 64) -> onnx.ModelProto:
    """Output ``[1, 128, 85]``."""
    return _model(yolo_rows()[None], input_size)


def yolov8(input_size: int = 64) -> onnx.ModelProto:
    """Output ``[1, 84, 128]``: no objectness column, attributes first."""
    rows = yolo_rows()
    v8 = np.concatenate([rows[:, :4], rows[:, 5:]], axis=1)
    return _model(v8.T[None], input_size)


def yolo11(input_size: int = 64) -> onnx.ModelProto:
    """Output ``[1, 84, 8400]``, the shape of an Ultralytics YOLO11 export at 640 (three strides: 80² + 40² + 20²
    candidates): YOLO11 kept YOLOv8's head layout. The same boxes as :func:`yolov8` in the first rows."""
    rows = np.zeros((YOLO11_CANDIDATES, 4 + NUM_CLASSES), dtype=np.float32)
    v5 = yolo_rows()
    rows[: len(v5), :4] = v5[:, :4]
    rows[: len(v5), 4:] = v5[:, 5:]
    return _model(rows.T[None], input_size)


def ssd(input_size: int = 64) -> onnx.ModelProto:
    """Output ``[1, 1, 3, 7]`` in OpenCV's DetectionOutput layout (label = class id + 1)."""
    out = np.array([[0, cls + 1, score, x1, y1, x2, y2] for cls, score, x1, y1, x2, y2 in SSD_BOXES], dtype=np.float32)
    return _model(out[None, None], input_size)


def write_all(directory: str | Path) -> list[Path]:
    """Writes the four models into ``directory``; returns their paths."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, build in (("yolov5", yolov5), ("yolov8", yolov8), ("yolo11", yolo11), ("ssd", ssd)):
        path = d / f"{name}.onnx"
        onnx.save(build(), path)
        paths.append(path)
    return paths


if __name__ == "__main__":
    for p in write_all(sys.argv[1]):
        print(p)
