"""A part of verify (or of the schema's checks) that cannot run is an error finding, never a
pass: the internal-error code X001, exit 1, whatever --select says."""

from __future__ import annotations

import json

import pytest

from personageo.cli.main import main
from personageo.schema import RunResult, check_semantics
from personageo.verify import verify_run
from tests.builders import hand_checked


def _boom(*args, **kw):
    raise RuntimeError("simulated bug")


@pytest.fixture
def clean_file(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps(hand_checked()), encoding="utf-8")
    return path


def test_clean_file_passes(clean_file, capsys):
    assert main(["verify", str(clean_file)]) == 0


@pytest.mark.parametrize("step", ["check_families", "check_tests", "check_verdicts",
                                  "check_provenance", "check_semantics"])
def test_a_failing_verify_step_is_an_internal_error(monkeypatch, clean_file, capsys, step):
    monkeypatch.setattr(f"personageo.verify._run.{step}", _boom)
    code = main(["verify", str(clean_file), "--format", "json", "--select", "V1"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    [f] = [f for f in out["findings"] if f["code"] == "X001"]
    assert f["severity"] == "error" and "RuntimeError: simulated bug" in f["message"]
    assert f["path"] == str(clean_file)
    assert out["codes"]["X001"]["name"] == "internal-error"


def test_text_and_github_name_the_internal_error(monkeypatch, clean_file, capsys):
    monkeypatch.setattr("personageo.verify._run.check_deltas", _boom)
    assert main(["verify", str(clean_file)]) == 1
    out = capsys.readouterr().out
    assert f"{clean_file}: error X001 internal error in the delta checks: RuntimeError" in out
    assert main(["verify", str(clean_file), "--format", "github"]) == 1
    assert "::error file=" in capsys.readouterr().out


def test_a_failing_schema_check_is_an_internal_error_not_a_pass(monkeypatch):
    doc = hand_checked()  # the builder validates: build before breaking the checks
    monkeypatch.setattr("personageo.schema._semantics._check_ratio", _boom)
    run = RunResult.model_validate(doc)
    [f] = check_semantics(run)
    assert (f.code, f.severity) == ("X001", "error")
    result = verify_run(run, path="r.json")
    assert [g.code for g in result.findings] == ["X001"] and result.has_errors


def test_load_refuses_a_file_whose_checks_cannot_run(monkeypatch, clean_file):
    from personageo.errors import InputError
    from personageo.schema import load_run_result

    assert load_run_result(clean_file).experiment is not None  # loads while the checks run
    monkeypatch.setattr("personageo.schema._semantics._check_ratio", _boom)
    with pytest.raises(InputError) as err:
        load_run_result(clean_file)
    assert "X001 internal error in the schema's semantic checks" in str(err.value)
