"""The reference material is reached through one fixture that fails loudly under CI when the
folder is missing (a clone without ``../shared`` once skipped 51 tests silently in CI)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.reference import MISSING, REPO, require_reference

#: a quick test that needs the reference material (through ``reference_dir``)
NEEDS_IT = "tests/stats/test_stats_multitest.py::test_issue_205_bh_values_are_the_running_max_variant"


def _pytest(tmp_path, ci: bool) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS")}
    env.update(PERSONAGEO_REFERENCE_DIR=str(tmp_path / "no-such-reference"),
               PYTHONPATH=str(REPO), **({"CI": "true"} if ci else {}))
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
                           NEEDS_IT], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=600)


@pytest.mark.slow
def test_under_ci_a_missing_reference_folder_fails_the_run(tmp_path):
    run = _pytest(tmp_path, ci=True)
    assert run.returncode != 0, run.stdout
    assert "CI needs the reference material" in run.stdout + run.stderr
    assert "no-such-reference" in run.stdout + run.stderr
    assert "passed" not in run.stdout and "skipped" not in run.stdout


@pytest.mark.slow
def test_outside_ci_a_missing_reference_folder_skips_with_the_reason(tmp_path):
    run = _pytest(tmp_path, ci=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 skipped" in run.stdout and "../shared/reference is not available" in run.stdout


def test_the_fixture_itself_fails_under_ci_and_skips_elsewhere(tmp_path, monkeypatch):
    monkeypatch.setenv("PERSONAGEO_REFERENCE_DIR", str(tmp_path / "missing"))
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI needs the reference material"):
        require_reference()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match=MISSING.split(" (")[0]):
        require_reference()
    monkeypatch.setenv("PERSONAGEO_REFERENCE_DIR", str(tmp_path))
    assert require_reference() == tmp_path


def test_under_ci_a_missing_part_of_the_stack_stops_the_run(monkeypatch):
    """``importorskip`` would silently skip the train and extract suites where torch or
    deepspeed is missing: under CI the session refuses to start instead, naming the module."""
    import tests.conftest as conftest
    import tests.reference as reference

    monkeypatch.setattr(reference, "CI_STACK", ("json", "no_such_module_for_this_test"))
    assert reference.missing_stack() == ["no_such_module_for_this_test"]
    monkeypatch.setattr(conftest, "missing_stack", reference.missing_stack)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.UsageError, match="missing: no_such_module_for_this_test"):
        conftest.pytest_sessionstart(None)
    monkeypatch.delenv("CI")
    assert conftest.pytest_sessionstart(None) is None  # outside CI: those tests skip instead
