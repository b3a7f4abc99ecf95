"""JSON-line logging on stdout, one object per line, the shape the gateway's own logs use."""

import datetime
import json
import sys
from typing import Any, TextIO


class Logger:
    """Writes ``{"level", "time", "service", <context>, <fields>, "msg"}`` lines and flushes each one."""

    def __init__(self, context: dict[str, Any], out: TextIO = sys.stdout) -> None:
        self._context = {"service": "detect", **context}
        self._out = out

    def _write(self, level: str, msg: str, fields: dict[str, Any]) -> None:
        now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        line = {"level": level, "time": now, **self._context, **fields, "msg": msg}
        self._out.write(json.dumps(line, default=str, separators=(",", ":")) + "\n")
        self._out.flush()

    def info(self, msg: str, **fields: Any) -> None:
        self._write("info", msg, fields)

    def warning(self, msg: str, **fields: Any) -> None:
        self._write("warn", msg, fields)

    def error(self, msg: str, **fields: Any) -> None:
        self._write("error", msg, fields)
