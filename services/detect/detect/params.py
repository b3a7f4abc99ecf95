"""The detect service's parameters (``FRAMEGATE_PARAM_*``), validated once at start-up.

========================  ===============================================================================
``MODEL``                 ``""``: OpenCV's built-in HOG people detector; else the key of an ONNX model in the
                          ``models`` bucket (``FRAMEGATE_MODELS_BUCKET`` overrides the bucket name)
``CONFIDENCE``            minimum score kept, default 0.5 (ONNX: class probability; HOG: the SVM margin)
``CLASSES``               comma-separated COCO names or class ids to keep, default ``person``; ``*`` or ``""``: all
``INPUTSIZE``             side of the square network input for ONNX models, default 640 (SSD: often 300)
``NMS``                   IoU above which overlapping boxes of one class are merged, default 0.45
``MAXINPUTBYTES``         objects larger than this are refused before they are read, default 25 MiB
``MAXPIXELS``             images whose header declares more pixels are refused before decoding, default 40,000,000
``MODELSHA256``           the model's expected SHA-256 (64 hex digits); a model with another hash is refused
========================  ===============================================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .errors import BadInput


@dataclass(frozen=True)
class Params:
    """Validated parameters of one run."""

    model: str
    models_bucket: str
    confidence: float
    #: class names or numeric ids (as strings) to keep; empty: keep every class
    classes: tuple[str, ...]
    input_size: int
    nms: float
    max_input_bytes: int
    max_pixels: int
    #: lower-case hex, or "" when the model is not pinned
    model_sha256: str


#: defaults of the input caps (also in service.yaml): 25 MiB, 40 megapixels (an 8K frame is 33)
DEFAULT_MAX_INPUT_BYTES = 25 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000


def _number(env: Mapping[str, str], name: str, default: float, lo: float, hi: float, problems: list[str], whole: bool = False) -> float:
    raw = env.get(f"FRAMEGATE_PARAM_{name}", "").strip()
    if raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        problems.append(f"FRAMEGATE_PARAM_{name}: {raw!r} is not a number: use a value from {lo:g} to {hi:g}")
        return default
    if whole and not value.is_integer():
        problems.append(f"FRAMEGATE_PARAM_{name}: {raw!r} must be a whole number from {lo:g} to {hi:g}")
    elif not lo <= value <= hi:
        problems.append(f"FRAMEGATE_PARAM_{name}: {raw} is out of range: use a value from {lo:g} to {hi:g}")
    return value


def read_params(env: Mapping[str, str]) -> Params:
    """Reads the parameters; raises :class:`BadInput` with one ``NAME: message`` line per problem."""
    problems: list[str] = []
    confidence = _number(env, "CONFIDENCE", 0.5, 0.0, 100.0, problems)
    input_size = _number(env, "INPUTSIZE", 640, 32, 4096, problems, whole=True)
    nms = _number(env, "NMS", 0.45, 0.0, 1.0, problems)
    max_input_bytes = _number(env, "MAXINPUTBYTES", DEFAULT_MAX_INPUT_BYTES, 1, 1024**3, problems, whole=True)
    max_pixels = _number(env, "MAXPIXELS", DEFAULT_MAX_PIXELS, 1, 1_000_000_000, problems, whole=True)
    model_sha256 = env.get("FRAMEGATE_PARAM_MODELSHA256", "").strip().lower()
    if model_sha256 and (len(model_sha256) != 64 or any(c not in "0123456789abcdef" for c in model_sha256)):
        problems.append(f"FRAMEGATE_PARAM_MODELSHA256: {model_sha256[:80]!r} is not a SHA-256: use the 64 hex digits of `sha256sum <model>`")
    model = env.get("FRAMEGATE_PARAM_MODEL", "").strip()
    if model.startswith("/") or ".." in model.split("/"):
        problems.append(f"FRAMEGATE_PARAM_MODEL: {model!r} must be an object key in the models bucket, like yolov8n.onnx")
    raw_classes = env.get("FRAMEGATE_PARAM_CLASSES", "person").strip()
    classes = tuple(c.strip().lower() for c in raw_classes.split(",") if c.strip()) if raw_classes not in ("", "*") else ()
    if problems:
        raise BadInput("\n".join(problems))
    return Params(
        model=model,
        models_bucket=env.get("FRAMEGATE_MODELS_BUCKET", "") or "models",
        confidence=confidence,
        classes=classes,
        input_size=int(input_size),
        nms=nms,
        max_input_bytes=int(max_input_bytes),
        max_pixels=int(max_pixels),
        model_sha256=model_sha256,
    )
