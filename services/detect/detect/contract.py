"""The framegate service contract, read from the environment once at start-up.

Variables (see services/README.md): ``FRAMEGATE_INPUT_BUCKET``, ``FRAMEGATE_INPUT_KEYS`` (JSON array),
``FRAMEGATE_OUTPUT_BUCKET``, ``FRAMEGATE_OUTPUT_KEYS`` (JSON array, same length), ``FRAMEGATE_PARAM_<NAME>``,
``FRAMEGATE_PIPELINE``/``FRAMEGATE_STEP``/``FRAMEGATE_CAMERA`` and ``MINIO_ENDPOINT``/``MINIO_ACCESS_KEY``/
``MINIO_SECRET_KEY`` from the Secret ``framegate-minio``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from .errors import BadInput

_SECRET_HINT = "it comes from the Secret framegate-minio (keys endpoint, accessKey, secretKey)"


@dataclass(frozen=True)
class MinioEndpoint:
    """Where MinIO is (``host:port`` as the minio client wants it) and how to sign in."""

    host: str
    secure: bool
    access_key: str
    secret_key: str


@dataclass(frozen=True)
class Contract:
    """Everything a run needs from the environment, except the service's own parameters."""

    input_bucket: str
    input_keys: list[str]
    output_bucket: str
    output_keys: list[str]
    pipeline: str
    step: str
    camera: str
    minio: MinioEndpoint


def parse_endpoint(raw: str) -> tuple[str, bool]:
    """Parses ``MINIO_ENDPOINT``: a URL (``http://minio:9000``) or a bare ``host:port`` (plain HTTP).

    >>> parse_endpoint("https://s3.example.com")
    ('s3.example.com', True)
    >>> parse_endpoint("127.0.0.1:9000")
    ('127.0.0.1:9000', False)
    """
    url = urlsplit(raw if "://" in raw else f"http://{raw}")
    if url.scheme not in ("http", "https") or not url.hostname:
        raise BadInput(f"MINIO_ENDPOINT: {raw!r} is not an http:// or https:// URL or a host:port")
    return url.netloc, url.scheme == "https"


def _keys(env: Mapping[str, str], name: str, problems: list[str]) -> list[str]:
    raw = env.get(name)
    if raw is None:
        problems.append(f"{name}: not set: the Workflow step must pass it (see services/README.md)")
        return []
    try:
        keys = json.loads(raw)
    except json.JSONDecodeError:
        problems.append(f"{name}: must be a JSON array of object keys, got {raw[:80]!r}")
        return []
    if not isinstance(keys, list) or not keys or not all(isinstance(k, str) and k for k in keys):
        problems.append(f"{name}: must be a non-empty JSON array of non-empty strings, got {raw[:80]}")
        return []
    return keys


def read_contract(env: Mapping[str, str]) -> Contract:
    """Reads the contract; raises :class:`BadInput` with one ``NAME: message`` line per problem."""
    problems: list[str] = []

    def required(name: str, hint: str) -> str:
        value = env.get(name, "")
        if not value:
            problems.append(f"{name}: not set: {hint}")
        return value

    input_bucket = required("FRAMEGATE_INPUT_BUCKET", "the Workflow step must pass the input bucket")
    input_keys = _keys(env, "FRAMEGATE_INPUT_KEYS", problems)
    output_bucket = required("FRAMEGATE_OUTPUT_BUCKET", "the Workflow step must pass the output bucket")
    output_keys = _keys(env, "FRAMEGATE_OUTPUT_KEYS", problems)
    if input_keys and output_keys and len(input_keys) != len(output_keys):
        problems.append(
            f"FRAMEGATE_OUTPUT_KEYS: has {len(output_keys)} keys but FRAMEGATE_INPUT_KEYS has {len(input_keys)}: "
            "output key i is the result of input key i, so the lengths must match"
        )
    endpoint = required("MINIO_ENDPOINT", _SECRET_HINT)
    access_key = required("MINIO_ACCESS_KEY", _SECRET_HINT)
    secret_key = required("MINIO_SECRET_KEY", _SECRET_HINT)
    host, secure = ("", False)
    if endpoint:
        try:
            host, secure = parse_endpoint(endpoint)
        except BadInput as e:
            problems.append(str(e))
    if problems:
        raise BadInput("\n".join(problems))
    return Contract(
        input_bucket=input_bucket,
        input_keys=input_keys,
        output_bucket=output_bucket,
        output_keys=output_keys,
        pipeline=env.get("FRAMEGATE_PIPELINE", ""),
        step=env.get("FRAMEGATE_STEP", ""),
        camera=env.get("FRAMEGATE_CAMERA", ""),
        minio=MinioEndpoint(host=host, secure=secure, access_key=access_key, secret_key=secret_key),
    )
