"""The input caps and the model pin: header probing, the errors' log fields, parameters."""

from __future__ import annotations

import hashlib
import io
import json
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from detect.contract import read_contract
from detect.errors import EXIT_BAD_INPUT, BadInput
from detect.limits import InputLimit, check_bytes, check_pixels, probe_size
from detect.log import Logger
from detect.params import read_params
from detect.run import ModelMismatch, load_detector, run
from tests.bombs import jpeg_bomb, png_bomb
from tests.test_config import ENV


def encoded(ext: str, width: int, height: int) -> bytes:
    ok, data = cv2.imencode(ext, np.zeros((height, width, 3), np.uint8))
    assert ok
    return data.tobytes()


@pytest.mark.parametrize(("ext", "fmt"), [(".png", "png"), (".jpg", "jpeg"), (".bmp", "bmp"), (".webp", "webp")])
def test_probe_reads_the_size_of_real_images(ext, fmt):
    assert probe_size(encoded(ext, 123, 45)) == (fmt, 123, 45)


def test_probe_reads_what_bombs_declare_and_leaves_unknown_formats_to_opencv():
    assert probe_size(png_bomb(50_000, 50_000)) == ("png", 50_000, 50_000)
    assert probe_size(jpeg_bomb(50_000, 40_000)) == ("jpeg", 50_000, 40_000)
    assert probe_size(encoded(".tiff", 8, 8)) is None
    assert probe_size(b"\xff\xd8 truncated") is None


def test_pixel_cap_names_the_limit_and_the_declared_size():
    with pytest.raises(InputLimit) as e:
        check_pixels("raw/bomb.png", png_bomb(50_000, 50_000), 40_000_000)
    assert e.value.fields == {"limit": "maxPixels", "max": 40_000_000, "actual": 2_500_000_000}
    assert "declares 50000x50000 = 2500000000 pixels, more than maxPixels (40000000)" in str(e.value)
    assert isinstance(e.value, BadInput)  # exit 2, not retried
    check_pixels("raw/ok.png", encoded(".png", 200, 200), 40_000)  # exactly at the cap passes


def test_byte_cap():
    check_bytes("raw/a.jpg", 100, 100)
    with pytest.raises(InputLimit) as e:
        check_bytes("raw/a.jpg", 101, 100)
    assert e.value.fields == {"limit": "maxInputBytes", "max": 100, "actual": 101}


def test_caps_and_pin_parameters():
    p = read_params({})
    assert (p.max_input_bytes, p.max_pixels, p.model_sha256) == (25 * 1024 * 1024, 40_000_000, "")
    p = read_params({"FRAMEGATE_PARAM_MAXPIXELS": "100", "FRAMEGATE_PARAM_MODELSHA256": "AB" * 32})
    assert (p.max_pixels, p.model_sha256) == (100, "ab" * 32)
    with pytest.raises(BadInput, match="FRAMEGATE_PARAM_MODELSHA256: 'abc' is not a SHA-256"):
        read_params({"FRAMEGATE_PARAM_MODELSHA256": "abc"})
    with pytest.raises(BadInput, match="FRAMEGATE_PARAM_MAXINPUTBYTES: 0 is out of range"):
        read_params({"FRAMEGATE_PARAM_MAXINPUTBYTES": "0"})


class MemoryStore:
    """A Store over a dict, recording what was read."""

    def __init__(self, objects: dict[str, bytes]) -> None:
        self.objects = objects
        self.read: list[str] = []

    def size(self, bucket: str, key: str) -> int:
        return len(self.objects[f"{bucket}/{key}"])

    def get(self, bucket: str, key: str, max_bytes: int) -> bytes:
        self.read.append(f"{bucket}/{key}")
        return self.objects[f"{bucket}/{key}"][: max_bytes + 1]

    def download(self, bucket: str, key: str, path: str) -> str:
        Path(path).write_bytes(self.objects[f"{bucket}/{key}"])
        return "etag-1"

    def put(self, bucket: str, key: str, data: bytes, content_type: str, metadata: dict[str, str]) -> None:
        self.objects[f"{bucket}/{key}"] = data


def test_a_bomb_in_a_run_exits_2_with_the_limit_in_its_log_line_and_nothing_written():
    store = MemoryStore({"raw/gate-1/a.jpg": png_bomb(50_000, 50_000)})
    out = io.StringIO()
    started = time.monotonic()
    code = run(store, read_contract(ENV), read_params({}), Logger({}, out))
    assert code == EXIT_BAD_INPUT
    assert time.monotonic() - started < 0.5
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    error = next(line for line in lines if line["level"] == "error")
    assert (error["limit"], error["max"], error["actual"], error["retriable"]) == ("maxPixels", 40_000_000, 2_500_000_000, False)
    assert list(store.objects) == ["raw/gate-1/a.jpg"]


def test_an_object_over_the_byte_cap_is_not_read():
    store = MemoryStore({"raw/gate-1/a.jpg": encoded(".jpg", 64, 64)})
    out = io.StringIO()
    code = run(store, read_contract(ENV), read_params({"FRAMEGATE_PARAM_MAXINPUTBYTES": "100"}), Logger({}, out))
    assert code == EXIT_BAD_INPUT
    assert store.read == []
    assert '"limit":"maxInputBytes"' in out.getvalue()


def test_a_pinned_model_with_another_hash_is_refused_with_both_hashes(tmp_path):
    model = b"not really onnx, but hashed all the same"
    store = MemoryStore({"models/m.onnx": model})
    actual = hashlib.sha256(model).hexdigest()
    pinned = read_params({"FRAMEGATE_PARAM_MODEL": "m.onnx", "FRAMEGATE_PARAM_MODELSHA256": "0" * 64})
    with pytest.raises(ModelMismatch) as e:
        load_detector(store, pinned, str(tmp_path))
    assert e.value.fields == {"expectedSha256": "0" * 64, "actualSha256": actual}
    assert f"has SHA-256 {actual}, but the step pins {'0' * 64}" in str(e.value)
    assert isinstance(e.value, BadInput)
