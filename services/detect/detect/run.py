"""One run of the service: load the detector once, then detect, annotate and write every input key."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time

from .annotate import decode, draw, encode
from .contract import Contract
from .detectors import Detector, HogDetector
from .errors import EXIT_BAD_INPUT, EXIT_OK, EXIT_RETRY, BadInput
from .limits import InputLimit, check_bytes, check_pixels
from .log import Logger
from .onnx_runtime import OnnxDetector
from .params import Params
from .store import Store

SIDECAR_SUFFIX = ".json"


def load_detector(store: Store, params: Params, workdir: str) -> tuple[Detector, dict[str, str]]:
    """The HOG detector when no model is named, else the ONNX model downloaded from the models bucket."""
    if not params.model:
        return HogDetector(params), {}
    path = os.path.join(workdir, "model.onnx")
    etag = store.download(params.models_bucket, params.model, path)
    digest = sha256_file(path)
    if params.model_sha256 and digest != params.model_sha256:
        raise ModelMismatch(
            f"model {params.models_bucket}/{params.model} has SHA-256 {digest}, but the step pins {params.model_sha256}: "
            "the object was replaced or corrupted; upload the pinned model, or pin the new one (param modelSha256)",
            expected=params.model_sha256,
            actual=digest,
        )
    detector = OnnxDetector(path, f"{params.models_bucket}/{params.model}", params)
    return detector, {"etag": etag, "sha256": digest, "provider": detector.provider}


class ModelMismatch(BadInput):
    """The model's hash is not the pinned one; ``fields`` go into the log line."""

    def __init__(self, message: str, expected: str, actual: str) -> None:
        super().__init__(message)
        self.fields = {"expectedSha256": expected, "actualSha256": actual}


def sha256_file(path: str) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def detect_one(store: Store, detector: Detector, model_info: dict[str, str], params: Params, contract: Contract, i: int) -> dict[str, object]:
    """Detects in input key ``i`` and writes the annotated image and its sidecar; returns the sidecar."""
    in_key, out_key = contract.input_keys[i], contract.output_keys[i]
    where = f"{contract.input_bucket}/{in_key}"
    check_bytes(where, store.size(contract.input_bucket, in_key), params.max_input_bytes)
    data = store.get(contract.input_bucket, in_key, params.max_input_bytes)
    check_pixels(where, data, params.max_pixels)
    image = decode(data, where)
    height, width = image.shape[:2]
    detections = detector.detect(image)
    data, content_type = encode(draw(image, detections), out_key)
    source = {"X-Framegate-Source": f"{contract.input_bucket}/{in_key}"}
    store.put(contract.output_bucket, out_key, data, content_type, source)
    sidecar: dict[str, object] = {
        "input": {"bucket": contract.input_bucket, "key": in_key},
        "output": {"bucket": contract.output_bucket, "key": out_key},
        "image": {"width": width, "height": height},
        "model": {"name": detector.name, "kind": detector.kind, "layout": detector.layout, **model_info},
        "params": {"confidence": params.confidence, "classes": list(params.classes), "inputSize": params.input_size if detector.kind == "onnx" else None},
        "count": len(detections),
        "detections": [d.as_json() for d in detections],
        "camera": contract.camera,
    }
    body = json.dumps(sidecar, indent=2).encode()
    store.put(contract.output_bucket, out_key + SIDECAR_SUFFIX, body, "application/json", source)
    return sidecar


def run(store: Store, contract: Contract, params: Params, log: Logger) -> int:
    """Processes every key, even after a failure; returns 1 if any failure may be fixed by a retry,
    else 2 if any input was bad, else 0 (outputs are overwritten, so a retry of the whole step is safe)."""
    with tempfile.TemporaryDirectory(prefix="framegate-detect-") as workdir:
        try:
            detector, model_info = load_detector(store, params, workdir)
        except BadInput as e:
            log.error(str(e), model=params.model, retriable=False, **getattr(e, "fields", {}))
            return EXIT_BAD_INPUT
        except Exception as e:  # noqa: BLE001 - everything else is worth a retry
            log.error(f"loading model {params.model!r} failed: {e} (a retry may fix this)", retriable=True)
            return EXIT_RETRY
        if isinstance(detector, OnnxDetector):
            # one line per run that says where the model runs: CUDA, or the CPU (and whether CUDA was tried)
            log.info("onnx runtime provider", model=detector.name, **detector.provider_log())
        bad = failed = 0
        for i, key in enumerate(contract.input_keys):
            started = time.monotonic()
            try:
                sidecar = detect_one(store, detector, model_info, params, contract, i)
                log.info(
                    "detected",
                    input=f"{contract.input_bucket}/{key}",
                    output=f"{contract.output_bucket}/{contract.output_keys[i]}",
                    count=sidecar["count"],
                    model=detector.name,
                    ms=round((time.monotonic() - started) * 1000),
                )
            except BadInput as e:
                bad += 1
                limit = e.fields if isinstance(e, InputLimit) else {}
                log.error(str(e), input=f"{contract.input_bucket}/{key}", retriable=False, **limit)
            except Exception as e:  # noqa: BLE001
                failed += 1
                log.error(f"{type(e).__name__}: {e}", input=f"{contract.input_bucket}/{key}", retriable=True)
    code = EXIT_RETRY if failed else EXIT_BAD_INPUT if bad else EXIT_OK
    log.info("done", objects=len(contract.input_keys), bad=bad, failed=failed, exitCode=code)
    return code
