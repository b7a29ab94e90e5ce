"""Shared pytest configuration: GPU tests are skipped unless PERSONAGEO_GPU_TESTS=1."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.reference import MISSING, REFERENCE, in_ci


def pytest_sessionstart(session):
    if in_ci() and not REFERENCE.is_dir():
        raise pytest.UsageError(f"CI needs the reference material at {REFERENCE}: it is missing")


#: test folders whose tests load a model or train one (deselected by ``make test-fast``)
MODEL_DIRS = ("extract", "train", "pipeline")


def pytest_collection_modifyitems(config, items):
    tests_dir = Path(__file__).parent
    for item in items:
        parts = Path(str(item.path)).relative_to(tests_dir).parts
        if parts and parts[0] in MODEL_DIRS:
            item.add_marker(pytest.mark.model)
    if os.environ.get("PERSONAGEO_GPU_TESTS") == "1":
        return
    skip = pytest.mark.skip(reason="GPU test: set PERSONAGEO_GPU_TESTS=1 on a CUDA machine")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    if not REFERENCE.is_dir():
        pytest.skip(MISSING)
    return REFERENCE
