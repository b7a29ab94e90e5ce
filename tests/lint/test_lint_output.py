"""Output formats and the ``personageo lint`` command (exit codes 0 / 1 / 2)."""

from __future__ import annotations

import json
from pathlib import Path

from personageo.cli.main import main
from personageo.lint.engine import LintOptions, lint_file, lint_text
from personageo.lint.output import format_github, format_json, format_text

FIXTURES = Path(__file__).parent / "fixtures"
BAD = "## AI TL;DR\n\nWe are fairly confident, TBD.\n"


def test_text_has_the_table_findings_and_verdict():
    result = lint_text(BAD, "bad.md", LintOptions(select=("PG203", "PG303")))
    text = format_text(result)
    assert "PG203 AI TL;DR paragraph" in text and "✗ FAIL" in text
    assert "PG303 Confidence phrasebook" in text and "! WARN" in text
    findings = [x for x in text.splitlines() if x.startswith("bad.md:")]
    assert findings == [  # errors first, then warnings; each path:line:col: PGxxx message (name)
        "bad.md:1:1: PG203 AI TL;DR has 5 words, needs at least 30 (ai-tldr)",
        "bad.md:3:26: PG203 placeholder `TBD` in the AI TL;DR (ai-tldr)",
        "bad.md:3:8: PG303 ad-hoc hedge `fairly confident`: use HIGH / MODERATE / LOW "
        "(confidence-hedge)",
    ]
    assert text.rstrip().endswith("Result: FAIL — 2 error(s), 1 warning(s)")


def test_json_is_stable_and_complete():
    result = lint_text(BAD, "bad.md", LintOptions(select=("PG203", "PG303")))
    data = json.loads(format_json(result))
    assert data["format_version"] == 1 and data["status"] == "fail"
    assert data["counts"] == {"error": 2, "warning": 1, "info": 0}
    assert [c["status"] for c in data["checks"]] == ["FAIL", "WARN"]
    first = data["findings"][0]
    assert {k: first[k] for k in ("rule", "name", "severity", "line", "col", "path")} == {
        "rule": "PG203", "name": "ai-tldr", "severity": "error", "line": 1, "col": 1, "path": "bad.md"}


def test_github_annotations_escape_and_map_severity():
    result = lint_text("We are fairly confident, 100% sure.\n", "dir/a,b.md",
                       LintOptions(select=("PG303", "PG103")))
    lines = format_github(result).splitlines()
    assert lines[0] == ("::notice file=dir/a%2Cb.md,line=1,col=1,title=PG103 numbers-not-checked"
                        "::numbers were not checked: no results file given (--results) or found "
                        "next to the body (eval_results/issue_N/)")
    assert lines[1].startswith("::warning file=dir/a%2Cb.md,line=1,col=8,endLine=1,endColumn=24,"
                               "title=PG303 confidence-hedge::ad-hoc hedge")


def test_cli_exit_codes(tmp_path, capsys):
    good = FIXTURES / "v2_good.md"
    assert main(["lint", str(good)]) == 0
    out = capsys.readouterr().out
    assert "Result: PASS" in out and "numbers were not checked" in out
    bad = tmp_path / "bad.md"
    bad.write_text(BAD)
    assert main(["lint", str(bad), "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)["status"] == "fail"
    assert main(["lint", str(good), "--select", "PG2O1"]) == 2
    assert "did you mean PG201" in capsys.readouterr().err
    assert main(["lint"]) == 2


def test_cli_title_and_github_format(capsys):
    good = FIXTURES / "v2_good.md"
    assert main(["lint", str(good), "--title", "x (HIGH confidence)", "--format", "github",
                 "--select", "PG219"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("::error file=") and "line=20,col=1" in out and "title=PG219" in out


def test_cli_strict_and_ignore(tmp_path):
    body = tmp_path / "b.md"
    body.write_text((FIXTURES / "v2_good.md").read_text().replace("a single seed", "fairly confident"))
    assert main(["lint", str(body)]) == 0
    assert main(["lint", str(body), "--strict"]) == 1
    assert main(["lint", str(body), "--strict", "--ignore", "PG303"]) == 0


def test_cli_list_rules(capsys):
    assert main(["lint", "--list-rules"]) == 0
    out = capsys.readouterr().out
    assert "PG201  summary-structure" in out and "PG304  stats-framing" in out


def test_without_results_numbers_are_reported_unchecked():
    result = lint_file(FIXTURES / "v1_good.md")
    (note,) = [v for v in result.violations if v.rule == "PG103"]
    assert note.severity == "info" and "(--results)" in note.message
    assert {o.rule.id: o.status for o in result.outcomes if o.rule.id in ("PG101", "PG102")} == {
        "PG101": "SKIP", "PG102": "SKIP"}
    # never a plain PASS: its own outcome and exit status
    assert result.errors == [] and result.status == "UNCHECKED" and result.exit_code == 3
    assert "number(s) not checked" in result.unchecked
    assert "Result: UNCHECKED" in format_text(result)
    assert "::error file=" in format_github(result).splitlines()[-1]
    structure = lint_file(FIXTURES / "v1_good.md", LintOptions(structure_only=True))
    assert structure.status == "PASS" and structure.exit_code == 0
    assert not any(o.rule.id in ("PG101", "PG102", "PG104") for o in structure.outcomes)


def test_bad_results_file_is_an_input_error(tmp_path, capsys):
    bad = tmp_path / "r.json"
    bad.write_text("{not json")
    assert main(["lint", str(FIXTURES / "v2_good.md"), "--results", str(bad)]) == 2
    assert "r.json" in capsys.readouterr().err


def test_cli_reads_stdin():
    from click.testing import CliRunner

    from personageo.cli.lint import command

    body = (FIXTURES / "v1_good.md").read_bytes()
    result = CliRunner().invoke(command, ["-", "--format", "json"], input=body)
    assert result.exit_code == 3, result.output  # no results for stdin: numbers unchecked
    data = json.loads(result.output)
    assert data["path"] == "<stdin>" and data["layout"] == "v1" and data["status"] == "unchecked"
    result = CliRunner().invoke(command, ["-", "--format", "json", "--structure-only"],
                                input=body)
    assert result.exit_code == 0 and json.loads(result.output)["status"] == "pass"
