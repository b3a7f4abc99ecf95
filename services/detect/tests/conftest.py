"""Shared fixtures: the real photograph setup-venv.sh puts in the venv, and the tiny ONNX models."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests import models


@pytest.fixture(scope="session")
def bus_jpg() -> Path:
    """``bus.jpg`` (people in front of a bus, 810x1080), extracted by setup-venv.sh into ``<venv>/fixtures``."""
    path = Path(sys.prefix) / "fixtures" / "bus.jpg"
    if not path.exists():
        pytest.fail(f"{path} is missing: run the tests with the venv services/detect/setup-venv.sh prints, which fetches it")
    return path


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("models")
    models.write_all(d)
    return d
