"""ONNX models run by ONNX Runtime: on the CUDA execution provider when the installed onnxruntime has it
and a GPU answers, else on the CPU.

The CPU image installs ``onnxruntime`` (CPU provider only); the GPU image (``Dockerfile.gpu``) installs
``onnxruntime-gpu`` on a CUDA runtime base, whose CUDA provider ONNX Runtime tries first. When CUDA is
listed but cannot start (no device, driver too old), ONNX Runtime itself falls back to the CPU; the
provider a session really uses is ``session.get_providers()[0]``, and that is what the service logs.

The input is the frame resized to ``INPUTSIZE`` x ``INPUTSIZE`` (no letterbox), RGB, scaled to [0, 1],
NCHW; a model that needs other normalisation must carry it in its graph.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import onnxruntime as ort

from .detectors import Detection, decode_ssd, decode_yolo, output_layout
from .errors import BadInput
from .params import Params

CUDA = "CUDAExecutionProvider"
CPU = "CPUExecutionProvider"


def choose_providers(available: Sequence[str]) -> list[str]:
    """The providers to ask ONNX Runtime for, in order: CUDA first when this onnxruntime has it, CPU always.

    >>> choose_providers(["AzureExecutionProvider", "CPUExecutionProvider"])
    ['CPUExecutionProvider']
    >>> choose_providers(["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"])
    ['CUDAExecutionProvider', 'CPUExecutionProvider']
    """
    return [CUDA, CPU] if CUDA in available else [CPU]


class OnnxDetector:
    """An ONNX model in an ONNX Runtime session (CUDA when present, else CPU)."""

    kind = "onnx"

    def __init__(self, path: str, name: str, params: Params, available: Sequence[str] | None = None) -> None:
        self.name = name
        self.layout: str | None = None
        self._params = params
        #: what was asked for and what this onnxruntime offers, for the provider log line
        self.available = list(ort.get_available_providers() if available is None else available)
        self.requested = choose_providers(self.available)
        options = ort.SessionOptions()
        options.log_severity_level = 3  # errors only: ONNX Runtime's own warnings go to stderr, not the JSON log
        try:
            self._session = ort.InferenceSession(path, sess_options=options, providers=self.requested)
        except (ort.capi.onnxruntime_pybind11_state.InvalidProtobuf, ort.capi.onnxruntime_pybind11_state.InvalidGraph,
                ort.capi.onnxruntime_pybind11_state.NotImplemented, ort.capi.onnxruntime_pybind11_state.Fail) as e:
            raise BadInput(
                f"model {name} is not an ONNX model ONNX Runtime {ort.__version__} can load ({_first_line(e)}): check the file, or export it again (opset 7-23)"
            ) from e
        #: the provider the session runs on: CUDA only when it really started
        self.provider = self._session.get_providers()[0]
        model_input = self._session.get_inputs()[0]
        self._input_name = model_input.name
        self._dtype = np.float16 if model_input.type == "tensor(float16)" else np.float32
        size = params.input_size
        shape = list(model_input.shape)
        fixed = [d for d in shape[2:] if isinstance(d, int)]
        if len(shape) != 4 or any(d != size for d in fixed):
            raise BadInput(
                f"model {name} takes input {model_input.name} of shape {shape}, not [1, 3, {size}, {size}]: "
                f"set the param inputSize to the model's input side{f' ({fixed[0]})' if fixed else ''}, or export the model with an NCHW image input"
            )

    def detect(self, image: np.ndarray) -> list[Detection]:
        height, width = image.shape[:2]
        size = self._params.input_size
        rgb = cv2.cvtColor(cv2.resize(image, (size, size), interpolation=cv2.INTER_LINEAR), cv2.COLOR_BGR2RGB)
        blob = (rgb.transpose(2, 0, 1)[None].astype(np.float32) / 255.0).astype(self._dtype)
        try:
            out = self._session.run(None, {self._input_name: blob})[0]
        except ort.capi.onnxruntime_pybind11_state.InvalidArgument as e:
            raise BadInput(f"model {self.name} refused a {size}x{size} input ({_first_line(e)}): set the param inputSize to the model's input size") from e
        out = np.asarray(out, dtype=np.float32)
        self.layout = output_layout(tuple(out.shape))
        if self.layout == "ssd":
            return decode_ssd(out, self._params, width, height)
        return decode_yolo(out, self.layout, self._params, width, height)

    def provider_log(self) -> dict[str, object]:
        """The fields of the one log line that says where the model runs."""
        return {
            "provider": self.provider,
            "requested": self.requested,
            "available": self.available,
            "fallback": CUDA in self.requested and self.provider != CUDA,
            "onnxruntime": ort.__version__,
        }


def _first_line(e: Exception) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__
