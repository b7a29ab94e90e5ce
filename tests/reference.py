"""The one way tests reach the reference material in ``../shared/reference`` (read-only): the
``reference_dir`` fixture (and ``r238`` / ``r205``, the two results files, derived from it) in
``tests/conftest.py``. No test names the folder itself.

CI always has the folder beside the clone: there a missing folder FAILS every test that needs
it (and ``pytest_sessionstart`` stops the run at once), so nothing is skipped silently. Elsewhere
(a clone without ``shared/``) such tests are skipped with the reason below.
``PERSONAGEO_REFERENCE_DIR`` points the tests at another copy (the test of this behaviour uses
it to fake a missing folder).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MISSING = "../shared/reference is not available (outside CI only; CI fails instead)"


def reference_path() -> Path:
    """Where the reference material is expected (it may be missing)."""
    override = os.environ.get("PERSONAGEO_REFERENCE_DIR")
    return Path(override) if override else REPO.parent / "shared" / "reference"


def in_ci() -> bool:
    """True under CI (``CI=true``, as GitHub Actions and this project's CI set it)."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


#: what ``make setup`` installs for the GPU stages on a CPU (the ``demo``/``cpu`` extras and the
#: dev tools): tests of those stages skip with ``importorskip`` where one is missing, which is
#: right on a developer's core-only install and wrong under CI, where it would hide breakage
CI_STACK = ("torch", "transformers", "peft", "accelerate", "deepspeed", "gguf", "datasets",
            "playwright")


def missing_stack() -> list[str]:
    """The modules of :data:`CI_STACK` that cannot be found (located, not imported)."""
    import importlib.util

    return [m for m in CI_STACK if importlib.util.find_spec(m) is None]


def require_reference() -> Path:
    """The reference folder; a missing one fails the test under CI and skips it elsewhere."""
    where = reference_path()
    if where.is_dir():
        return where
    if in_ci():
        pytest.fail(f"CI needs the reference material at {where}: it is missing", pytrace=False)
    pytest.skip(MISSING)
