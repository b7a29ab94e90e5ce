"""``personageo lint BODY`` finds the results files itself (``personageo.lint.discover``): by the
sha256 its render marker records, in the research repo above the body; stale and missing files
are said so, and a body whose numbers cannot be checked is UNCHECKED (exit 3), never PASS."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from personageo.cli.main import main
from personageo.lint.discover import discover

REPO = Path(__file__).resolve().parents[2]


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    for issue, value in ((7, 1), (205, 2), (99, 3)):
        d = tmp_path / "eval_results" / f"issue_{issue}"
        d.mkdir(parents=True)
        (d / "run_result.json").write_text(json.dumps({"x": value}))
    (tmp_path / "reports").mkdir()
    return tmp_path


def _body(repo: Path, results: str, baseline: str | None = None, name="issue_7.md") -> Path:
    base = f" baseline=sha256:{baseline}" if baseline else ""
    body = repo / "reports" / name
    body.write_text(f"<!-- personageo:render v1 results=sha256:{results}{base} "
                    "personageo=0.1.0 -->\n\n# Title\n\nText 0.5.\n")
    return body


def test_results_and_baseline_found_by_their_hashes(repo):
    r, b = (repo / "eval_results" / f"issue_{n}" / "run_result.json" for n in (7, 205))
    body = _body(repo, _sha(r), _sha(b))
    found = discover(body, body.read_text())
    assert found.results == [str(r), str(b)] and found.missing == []
    assert "sha256 matches" in found.notes[0] and "issue_205" in found.notes[1]


def test_changed_results_file_is_used_and_called_stale(repo):
    r = repo / "eval_results" / "issue_7" / "run_result.json"
    body = _body(repo, "0" * 64)
    found = discover(body, body.read_text())
    assert found.results == [str(r)]
    assert "STALE" in found.notes[0] and "000000000000" in found.notes[0]


def test_baseline_found_nowhere_is_missing(repo):
    r = repo / "eval_results" / "issue_7" / "run_result.json"
    body = _body(repo, _sha(r), "f" * 64)
    found = discover(body, body.read_text())
    assert found.results == [str(r)] and found.missing == ["baseline"]
    assert "ffffffffffff" in found.notes[1] and "--results" in found.notes[1]


def test_hand_written_body_uses_the_issue_convention_and_no_repo_finds_nothing(repo, tmp_path):
    body = repo / "reports" / "issue_99.md"
    body.write_text("# Notes\n\nValue 0.5.\n")
    found = discover(body, body.read_text())
    assert found.results == [str(repo / "eval_results" / "issue_99" / "run_result.json")]
    assert "no hash" in found.notes[0]
    lonely = tmp_path / "elsewhere" / "issue_7.md"  # another git repo, without eval_results/
    (lonely.parent / ".git").mkdir(parents=True)
    lonely.write_text("x")
    assert discover(lonely, "x").results == []
    # --root/--issue point at the repo for a body kept elsewhere (the Action's tracker copy)
    assert discover(lonely, "x", root=repo, issue=99).results == found.results


def test_shipped_demo_lints_clean_by_discovery_and_with_results_only(capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    assert main(["lint", "reports/issue_1.md"]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "results: eval_results/issue_1/run_result.json (sha256 matches" in out
    assert "0 contradicted, 0 unbound" in out
    assert main(["lint", "reports/issue_1.md", "--results",
                 "eval_results/issue_1/run_result.json", "--format", "json"]) == 0
    numbers = json.loads(capsys.readouterr().out)["numbers"]
    assert numbers["verified"] == numbers["claims"] > 150


def test_unfound_results_are_unchecked_exit_3_unless_structure_only(tmp_path, capsys):
    body = tmp_path / "issue_3.md"
    body.write_bytes((REPO / "reports" / "issue_1.md").read_bytes())
    assert main(["lint", str(body)]) == 3
    assert "Result: UNCHECKED" in capsys.readouterr().out
    assert main(["lint", str(body), "--structure-only"]) == 0


def test_many_bodies_folders_and_globs_one_summary(tmp_path, capsys):
    """As ruff: files, folders and globs; narrative files left out of folders; per-body reports,
    a total, and the worst exit status (here 3: one body's numbers could not be checked)."""
    repo = tmp_path / "repo"
    (repo / "eval_results" / "issue_1").mkdir(parents=True)
    (repo / "reports").mkdir()
    (repo / "eval_results" / "issue_1" / "run_result.json").write_bytes(
        (REPO / "eval_results" / "issue_1" / "run_result.json").read_bytes())
    demo = (REPO / "reports" / "issue_1.md").read_bytes()
    (repo / "reports" / "issue_1.md").write_bytes(demo)
    (repo / "reports" / "issue_1.narrative.md").write_text("{% block caveats %}{% endblock %}\n")
    (tmp_path / "loose").mkdir()
    (tmp_path / "loose" / "issue_9.md").write_bytes(demo)
    code = main(["lint", str(repo / "reports"), str(tmp_path / "loose" / "*.md")])
    out = capsys.readouterr().out
    assert code == 3, out
    assert "Total: 2 bodies — 1 passed, 1 unchecked" in out and "narrative" not in out
    code = main(["lint", str(tmp_path / "**" / "issue_*.md"), "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 3 and sorted(b["status"] for b in data["bodies"]) == ["pass", "unchecked"]
    assert main(["lint", str(tmp_path / "nothing-*.md")]) == 2
