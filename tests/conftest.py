"""Shared pytest configuration: GPU tests are skipped unless PERSONAGEO_GPU_TESTS=1."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests import builders
from tests.reference import in_ci, missing_stack, reference_path, require_reference


def pytest_sessionstart(session):
    """Under CI nothing may be skipped for want of an input: the reference material and the
    whole CPU stack must be there (elsewhere those tests skip with their reason)."""
    if not in_ci():
        return
    if not reference_path().is_dir():
        raise pytest.UsageError(f"CI needs the reference material at {reference_path()}: it is "
                                "missing")
    missing = missing_stack()
    if missing:
        raise pytest.UsageError(f"CI needs the full CPU stack (`make setup`); missing: "
                                f"{', '.join(missing)}")


#: test folders whose tests load a model or train one (deselected by ``make test-fast``)
MODEL_DIRS = ("extract", "train", "pipeline")
#: test folders whose tests render whole write-ups with their figures or run fuzz campaigns
#: (seconds each): marked ``slow``, so ``make test-fast`` stays within a minute
SLOW_DIRS = ("report", "report_update", "fuzz")


def pytest_collection_modifyitems(config, items):
    tests_dir = Path(__file__).parent
    for item in items:
        parts = Path(str(item.path)).relative_to(tests_dir).parts
        if parts and parts[0] in MODEL_DIRS:
            item.add_marker(pytest.mark.model)
        if parts and parts[0] in SLOW_DIRS:
            item.add_marker(pytest.mark.slow)
    if os.environ.get("PERSONAGEO_GPU_TESTS") == "1":
        return
    skip = pytest.mark.skip(reason="GPU test: set PERSONAGEO_GPU_TESTS=1 on a CUDA machine")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """``../shared/reference`` (see ``tests/reference.py``): skipped outside CI when missing,
    failed under CI."""
    return require_reference()


@pytest.fixture(scope="session")
def r238(reference_dir) -> Path:
    """The legacy issue-238 results file of the reference material."""
    return reference_dir / "issue_238" / "run_result.json"


@pytest.fixture(scope="session")
def r205(reference_dir) -> Path:
    """The legacy issue-205 results file (issue 238's LoRA baseline)."""
    return reference_dir / "issue_205" / "run_result.json"


@pytest.fixture
def runs():
    """The one builder of run results (``tests/builders.py``): ``runs.toy()``, ``runs.tiny()``,
    ``runs.RunBuilder(...)``, ``runs.with_post(doc, id, value)`` ..."""
    return builders
