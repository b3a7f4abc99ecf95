"""ONNX Runtime: which execution provider a model runs on, the fallback to the CPU, and the one log line
that says so. There is no GPU here: the CUDA path itself is not run, only ONNX Runtime's fallback when
CUDA is asked for and cannot start."""

from __future__ import annotations

import io
import json

import cv2
import numpy as np
import onnxruntime as ort
import pytest

from detect.contract import Contract, MinioEndpoint
from detect.errors import BadInput
from detect.log import Logger
from detect.onnx_runtime import CPU, CUDA, OnnxDetector, choose_providers
from detect.params import read_params
from detect.run import run

PARAMS = read_params({"FRAMEGATE_PARAM_INPUTSIZE": "64", "FRAMEGATE_PARAM_MODEL": "m/yolov8.onnx"})


def test_cuda_is_asked_for_only_when_onnxruntime_has_it():
    assert choose_providers([CPU]) == [CPU]
    assert choose_providers(["AzureExecutionProvider", CPU]) == [CPU]
    assert choose_providers([CUDA, CPU]) == [CUDA, CPU]


def test_the_cpu_package_runs_models_on_the_cpu(model_dir):
    det = OnnxDetector(str(model_dir / "yolov8.onnx"), "models/m.onnx", PARAMS)
    assert CUDA not in ort.get_available_providers(), "this test expects the CPU onnxruntime of requirements.txt"
    assert (det.requested, det.provider) == ([CPU], CPU)
    assert det.provider_log()["fallback"] is False


def test_cuda_that_cannot_start_falls_back_to_the_cpu(model_dir):
    # as onnxruntime-gpu on a node without a usable GPU: CUDA is offered, ONNX Runtime cannot start it
    det = OnnxDetector(str(model_dir / "yolov8.onnx"), "models/m.onnx", PARAMS, available=[CUDA, CPU])
    assert det.requested == [CUDA, CPU]
    assert det.provider == CPU
    assert det.provider_log() == {"provider": CPU, "requested": [CUDA, CPU], "available": [CUDA, CPU], "fallback": True, "onnxruntime": ort.__version__}
    assert [d.label for d in det.detect(np.zeros((64, 64, 3), np.uint8))] == ["person"]


def test_a_model_with_another_input_size_says_which(model_dir):
    with pytest.raises(BadInput, match=r"shape \[1, 3, 64, 64\], not \[1, 3, 640, 640\]: set the param inputSize to the model's input side \(64\)"):
        OnnxDetector(str(model_dir / "yolov8.onnx"), "models/m.onnx", read_params({}))


class MemoryStore:
    """The service's Store over dicts: a model file and one frame."""

    def __init__(self, objects: dict[tuple[str, str], bytes]) -> None:
        self.objects = objects

    def size(self, bucket: str, key: str) -> int:
        return len(self.objects[(bucket, key)])

    def get(self, bucket: str, key: str, max_bytes: int) -> bytes:
        return self.objects[(bucket, key)]

    def download(self, bucket: str, key: str, path: str) -> str:
        with open(path, "wb") as f:
            f.write(self.objects[(bucket, key)])
        return "etag-1"

    def put(self, bucket: str, key: str, data: bytes, content_type: str, metadata: dict[str, str]) -> None:
        self.objects[(bucket, key)] = data


def test_a_run_logs_its_provider_once_and_records_it_in_the_sidecar(model_dir):
    frame = cv2.imencode(".jpg", np.zeros((48, 64, 3), np.uint8))[1].tobytes()
    store = MemoryStore({("models", "m/yolov8.onnx"): (model_dir / "yolov8.onnx").read_bytes(), ("raw", "a.jpg"): frame, ("raw", "b.jpg"): frame})
    contract = Contract("raw", ["a.jpg", "b.jpg"], "processed", ["p/a.jpg", "p/b.jpg"], "p", "detect", "", MinioEndpoint("x:1", False, "a", "s"))
    out = io.StringIO()
    assert run(store, contract, PARAMS, Logger({"pipeline": "p"}, out)) == 0
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    provider = [line for line in lines if line["msg"] == "onnx runtime provider"]
    assert len(provider) == 1, lines
    assert provider[0] | {"time": "-"} == {
        "level": "info",
        "time": "-",
        "service": "detect",
        "pipeline": "p",
        "model": "models/m/yolov8.onnx",
        "provider": CPU,
        "requested": [CPU],
        "available": ort.get_available_providers(),
        "fallback": False,
        "onnxruntime": ort.__version__,
        "msg": "onnx runtime provider",
    }
    sidecar = json.loads(store.objects[("processed", "p/a.jpg.json")])
    assert sidecar["model"]["provider"] == CPU and sidecar["model"]["layout"] == "yolov8"
