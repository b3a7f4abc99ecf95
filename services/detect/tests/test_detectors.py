"""The detectors on real inputs: HOG on a real photograph, the ONNX decoders through ONNX Runtime."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from detect.annotate import decode, draw, encode
from detect.detectors import HogDetector, decode_yolo, nms, output_layout
from detect.onnx_runtime import OnnxDetector
from detect.errors import BadInput
from detect.params import read_params

# people in bus.jpg, (x1, y1, x2, y2), marked by hand
BUS_PEOPLE = [(48, 398, 245, 902), (223, 408, 344, 860), (671, 395, 809, 878), (0, 550, 63, 873)]


def iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union


def test_hog_finds_a_person_in_a_real_photo(bus_jpg):
    image = decode(bus_jpg.read_bytes(), str(bus_jpg))
    found = HogDetector(read_params({"FRAMEGATE_PARAM_CONFIDENCE": "0.3"})).detect(image)
    assert found, "HOG found nothing in bus.jpg at confidence 0.3"
    assert all(d.label == "person" and d.score >= 0.3 for d in found)
    best = max(iou((d.x, d.y, d.x + d.width, d.y + d.height), p) for d in found for p in BUS_PEOPLE)
    assert best >= 0.4, f"no HOG box overlaps a person in bus.jpg (best IoU {best:.2f}): {found}"


def test_hog_skips_when_person_is_not_wanted(bus_jpg):
    image = decode(bus_jpg.read_bytes(), str(bus_jpg))
    assert HogDetector(read_params({"FRAMEGATE_PARAM_CLASSES": "car", "FRAMEGATE_PARAM_CONFIDENCE": "0"})).detect(image) == []


@pytest.mark.parametrize(("model", "layout"), [("yolov5", "yolov5"), ("yolov8", "yolov8"), ("yolo11", "yolov8")])
def test_onnx_yolo_boxes_are_scaled_to_the_image(model_dir, model, layout):
    params = read_params({"FRAMEGATE_PARAM_INPUTSIZE": "64"})
    det = OnnxDetector(str(model_dir / f"{model}.onnx"), f"models/{model}.onnx", params)
    found = det.detect(np.zeros((480, 640, 3), np.uint8))
    assert det.layout == layout
    # the person at (32, 32) 16x32 in a 64x64 input, scaled by 10 x 7.5; the car is filtered out by
    # classes=person and the second person by confidence 0.5
    assert [(d.label, d.class_id, round(d.score, 3), d.x, d.y, d.width, d.height) for d in found] == [
        ("person", 0, 0.9, 240, 120, 160, 240)
    ]


def test_onnx_all_classes_and_lower_confidence(model_dir):
    params = read_params({"FRAMEGATE_PARAM_INPUTSIZE": "64", "FRAMEGATE_PARAM_CLASSES": "*", "FRAMEGATE_PARAM_CONFIDENCE": "0.1"})
    found = OnnxDetector(str(model_dir / "yolov5.onnx"), "m", params).detect(np.zeros((64, 64, 3), np.uint8))
    assert [(d.label, d.x, d.y, d.width, d.height) for d in found] == [
        ("person", 24, 16, 16, 32),
        ("car", 8, 8, 8, 8),
        ("person", 46, 46, 8, 8),
    ]


def test_onnx_ssd_uses_normalised_corners_and_background_offset(model_dir):
    params = read_params({"FRAMEGATE_PARAM_INPUTSIZE": "64", "FRAMEGATE_PARAM_CLASSES": "person,dog"})
    det = OnnxDetector(str(model_dir / "ssd.onnx"), "m", params)
    found = det.detect(np.zeros((200, 400, 3), np.uint8))
    assert det.layout == "ssd"
    assert [(d.label, d.x, d.y, d.width, d.height) for d in found] == [("person", 100, 50, 200, 100), ("dog", 0, 0, 100, 100)]


def test_a_file_that_is_not_onnx_is_bad_input(tmp_path):
    bad = tmp_path / "model.onnx"
    bad.write_bytes(b"definitely not protobuf")
    with pytest.raises(BadInput, match="is not an ONNX model ONNX Runtime .* can load"):
        OnnxDetector(str(bad), "models/bad.onnx", read_params({}))


def test_output_layout_rejects_unknown_shapes():
    with pytest.raises(BadInput, match=r"shape \[1, 1000\].*neither YOLO-style"):
        output_layout((1, 1000))


def test_yolo_nms_merges_overlapping_boxes_of_one_class():
    rows = np.zeros((1, 20, 85), np.float32)
    rows[0, 0, :6] = (32, 32, 20, 20, 1, 0.9)
    rows[0, 1, :6] = (33, 33, 20, 20, 1, 0.8)  # same person, shifted by one pixel
    found = decode_yolo(rows, "yolov5", read_params({"FRAMEGATE_PARAM_INPUTSIZE": "64"}), 64, 64)
    assert [round(d.score, 2) for d in found] == [0.9]


def test_annotated_image_keeps_size_and_changes_pixels(bus_jpg):
    image = decode(bus_jpg.read_bytes(), "bus.jpg")
    found = HogDetector(read_params({"FRAMEGATE_PARAM_CONFIDENCE": "0.3"})).detect(image)
    out = draw(image, found)
    assert out.shape == image.shape and not np.array_equal(out, image)
    data, content_type = encode(out, "p/detect/bus.png")
    assert content_type == "image/png" and cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR).shape == image.shape


def test_bytes_that_are_not_an_image_are_bad_input():
    with pytest.raises(BadInput, match="raw/x.jpg is not an image OpenCV can decode"):
        decode(b"hello", "raw/x.jpg")


def test_nms_keeps_what_opencvs_batched_nms_keeps():
    # the service used cv2.dnn.NMSBoxesBatched before ONNX Runtime; its own NMS must keep the same boxes
    rng = np.random.default_rng(7)
    for _ in range(50):
        n = int(rng.integers(1, 40))
        xy = rng.uniform(0, 100, (n, 2))
        wh = rng.uniform(1, 40, (n, 2))
        boxes = np.concatenate([xy, wh], axis=1).tolist()
        scores = rng.uniform(0, 1, n).tolist()
        ids = rng.integers(0, 3, n).tolist()
        expected = np.array(cv2.dnn.NMSBoxesBatched(boxes, scores, ids, 0.3, 0.45)).flatten().tolist()
        assert sorted(nms(boxes, scores, ids, 0.3, 0.45)) == sorted(expected)
