"""Object reads and writes over the ``minio`` client. MinIO's raw errors are translated here, once:
what a retry cannot fix becomes :class:`BadInput`; everything else is left to mean "retry"."""

from __future__ import annotations

import io
from typing import Protocol

import urllib3
from minio import Minio
from minio.error import S3Error

from .contract import MinioEndpoint
from .errors import BadInput
from .limits import check_bytes

_NOT_RETRIABLE = {"NoSuchKey", "NoSuchBucket", "InvalidBucketName", "InvalidObjectName", "KeyTooLongError", "EntityTooLarge"}


class Store(Protocol):
    """The object operations the service needs; tests may pass their own."""

    def size(self, bucket: str, key: str) -> int:
        """The object's size in bytes, without reading it."""
        ...

    def get(self, bucket: str, key: str, max_bytes: int) -> bytes:
        """The object's bytes; more than ``max_bytes`` (it changed since ``size``) is bad input."""
        ...

    def download(self, bucket: str, key: str, path: str) -> str:
        """Writes the object to ``path``; returns its ETag."""
        ...

    def put(self, bucket: str, key: str, data: bytes, content_type: str, metadata: dict[str, str]) -> None: ...


def _translate(e: S3Error, op: str, bucket: str, key: str, what: str) -> Exception:
    if e.code == "NoSuchKey":
        return BadInput(f"{what} {bucket}/{key} does not exist: it was deleted or the Workflow names the wrong key")
    if e.code == "NoSuchBucket":
        return BadInput(f"bucket {bucket} does not exist (while trying to {op} {key}): create it (the k8s bucket Job or `mc mb`) or fix the pipeline")
    if e.code in _NOT_RETRIABLE:
        return BadInput(f"cannot {op} {bucket}/{key}: {e.code}: {e.message}")
    return RuntimeError(f"{op} {bucket}/{key} failed: {e.code}: {e.message} (a retry may fix this)")


class MinioStore:
    """A :class:`Store` over a MinIO (or any S3) server, with bounded timeouts and retries so a hung
    server fails the step (to be retried) instead of holding it for the client's default 5 minutes."""

    def __init__(self, endpoint: MinioEndpoint) -> None:
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=10, read=60),
            retries=urllib3.Retry(total=3, backoff_factor=0.5, status_forcelist=[500, 502, 503, 504]),
        )
        self._client = Minio(
            endpoint.host,
            access_key=endpoint.access_key,
            secret_key=endpoint.secret_key,
            secure=endpoint.secure,
            http_client=http,
        )

    def size(self, bucket: str, key: str) -> int:
        try:
            return int(self._client.stat_object(bucket, key).size or 0)
        except S3Error as e:
            raise _translate(e, "read", bucket, key, "input object") from e

    def get(self, bucket: str, key: str, max_bytes: int) -> bytes:
        try:
            response = self._client.get_object(bucket, key)
        except S3Error as e:
            raise _translate(e, "read", bucket, key, "input object") from e
        try:
            data = response.read(max_bytes + 1)
            check_bytes(f"{bucket}/{key}", len(data), max_bytes)
            return data
        finally:
            response.close()
            response.release_conn()

    def download(self, bucket: str, key: str, path: str) -> str:
        try:
            stat = self._client.fget_object(bucket, key, path)
        except S3Error as e:
            raise _translate(e, "read", bucket, key, "model") from e
        return str(stat.etag or "")

    def put(self, bucket: str, key: str, data: bytes, content_type: str, metadata: dict[str, str]) -> None:
        try:
            self._client.put_object(bucket, key, io.BytesIO(data), len(data), content_type=content_type, metadata=metadata)
        except S3Error as e:
            raise _translate(e, "write", bucket, key, "output object") from e
