"""A part of lint that cannot run is an error, never a pass: a crashing rule is an error finding
(exit 1), an unimportable number checker fails the lint (exit 1 with results, 2 without), not
PASS (0) or UNCHECKED (3)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from personageo.cli.main import main
from personageo.lint.registry import all_rules
from tests.builders import tiny

BODY = Path(__file__).parent / "fixtures" / "v2_good.md"


@pytest.fixture
def results(tmp_path) -> Path:
    path = tmp_path / "run_result.json"
    path.write_text(json.dumps(tiny()), encoding="utf-8")
    return path


@pytest.fixture
def crashing_pg304():
    from personageo.lint.rules import wording

    def boom(doc, ctx):
        raise ZeroDivisionError("simulated bug")

    info = all_rules().get("PG304")
    object.__setattr__(info, "func", boom)  # RuleInfo is frozen; restored below
    yield
    object.__setattr__(info, "func", wording.stats_framing)


def test_a_crashing_rule_fails_the_lint_with_an_error_finding(crashing_pg304, capsys):
    code = main(["lint", str(BODY), "--structure-only", "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1 and out["status"] == "fail"
    [f] = [f for f in out["findings"] if f["rule"] == "PG304"]
    assert f["severity"] == "error"
    assert f["message"] == "internal error in this rule: ZeroDivisionError: simulated bug"
    assert main(["lint", str(BODY), "--structure-only"]) == 1
    assert "PG304 internal error in this rule" in capsys.readouterr().out


def test_an_unimportable_number_checker_is_no_pass(monkeypatch, results, tmp_path, capsys):
    body = tmp_path / "body.md"
    body.write_text("# A body\n\nIt states no number at all.\n", encoding="utf-8")
    args = ["lint", str(body), "--results", str(results), "--select", "PG101,PG102,PG104",
            "--format", "json"]
    assert main(args) == 0  # the checker runs: nothing to contradict
    capsys.readouterr()
    monkeypatch.setitem(sys.modules, "personageo.lint.numbers", None)  # import now fails
    code = main(args)
    out = json.loads(capsys.readouterr().out)
    assert code == 1 and out["status"] == "fail"
    broken = {f["rule"] for f in out["findings"]
              if f["severity"] == "error" and "internal error in this rule: ModuleNotFoundError"
              in f["message"]}
    assert broken == {"PG101", "PG102", "PG104"}


def test_an_unimportable_number_checker_without_results_is_an_error(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "personageo.lint.numbers", None)
    code = main(["lint", str(BODY)])
    captured = capsys.readouterr()
    assert code == 2 and "internal error: ModuleNotFoundError" in captured.err
