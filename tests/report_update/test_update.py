"""End to end with the real renderer: render -> people edit -> the results change -> update.

The toy results are hand-made (``tests/report/conftest.py``); the rerun moves both EM cells
(full_em_lr2e5, Method A): L7 post 0.995 -> 0.982 (delta 0.0150 -> 0.0020) and L20 post 0.9975 ->
0.90 (delta 0.1225 -> 0.0250), so both ratios against LoRA fall to 0.27, "4/4 cells" at least as
large as LoRA becomes "2/4", and the EM verdict flips to the rank-bottleneck hypothesis (H1).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from personageo.cli.main import main
from personageo.lint.engine import LintOptions, lint_file
from personageo.report import PublishTarget, render_report
from personageo.report import _regions as R
from personageo.report.update import plan_update, update_report
from personageo.schema.bindings import claims_of, strip_keys
from tests.builders import toy, with_post
from tests.report_update.helpers import (
    FAKE_SHA,
    tracker_roundtrip,
    write_results,
)

PLACEHOLDER = ("_(Human TL;DR — to be filled in by the user. Leave this line as-is in "
               "drafts.)_")
HUMAN = "We read this as settled: 4/4 cells at least match LoRA.\n\nA second paragraph, mine."
NARRATIVE = """---
confidence: MODERATE
---
{% block caveats %}
{{ super() }}
- Narrative caveat over {{ exp.n("cells") | integer }} cells.

<!-- personageo:human begin id=reviewer-notes -->
- (reviewer notes go here)
<!-- personageo:human end id=reviewer-notes -->
{% endblock %}
"""
NOTES = "- Reviewer: the L7 ratios ride on a tiny LoRA delta."


def _opts(root: Path, **kw) -> dict:
    return dict(issue=7, root=root, repo="acme/research", commit=FAKE_SHA, **kw)


@pytest.fixture(scope="module")
def rendered_root(tmp_path_factory) -> Path:
    """A research repo with a rendered (and committed-looking) body: toy results, narrative."""
    root = tmp_path_factory.mktemp("repo")
    write_results(root, toy())
    (root / "reports").mkdir()
    (root / "reports" / "issue_7.narrative.md").write_text(NARRATIVE, encoding="utf-8")
    render_report(PublishTarget(**_opts(root)))
    return root


@pytest.fixture
def root(rendered_root, tmp_path) -> Path:
    """A fresh copy where people edited the human regions and the rerun changed the results."""
    dst = tmp_path / "repo"
    shutil.copytree(rendered_root, dst)
    body = dst / "reports" / "issue_7.md"
    text = body.read_text(encoding="utf-8")
    assert text.count(PLACEHOLDER) == 1 and "(reviewer notes go here)" in text
    text = text.replace(PLACEHOLDER, HUMAN).replace("- (reviewer notes go here)", NOTES)
    body.write_text(text, encoding="utf-8")
    write_results(dst, rerun())
    return dst


def rerun() -> dict:
    return with_post(with_post(toy(), "full_em_lr2e5/A/L7", 0.982), "full_em_lr2e5/A/L20", 0.90)


def _cli(capsys, *args: str) -> tuple[int, str]:
    """Run ``personageo report update ...`` as the console script does: (exit code, output)."""
    capsys.readouterr()
    rc = main(["report", "update", *args])
    out = capsys.readouterr()
    return rc, out.out + out.err


def _body(root: Path) -> str:
    return (root / "reports" / "issue_7.md").read_text(encoding="utf-8")


def _numbers(root: Path):
    """Lint with results (the body carries its bindings); the findings that say a number is
    wrong."""
    opts = LintOptions(results=(str(root / "eval_results" / "issue_7" / "run_result.json"),))
    result = lint_file(root / "reports" / "issue_7.md", opts)
    return result, [v for v in result.violations if v.rule in ("PG101", "PG104")]


def test_update_keeps_human_text_and_updates_every_number(root):
    before, stale = _numbers(root)
    assert any("stale body" in v.message for v in stale)  # the rerun made the body stale
    assert any(v.extra.get("text") == "+0.1225" and "0.025" in v.message for v in stale)

    plan, written = update_report(PublishTarget(**_opts(root)))
    assert plan.conflicts == [] and written
    raw = _body(root)
    text = strip_keys(raw)  # what a reader sees
    assert HUMAN in text and NOTES in text and PLACEHOLDER not in text
    assert "Narrative caveat over 4 cells." in text
    assert sorted(plan.kept) == ["reviewer-notes", "tldr"]
    # every number of the generated text follows the new results
    assert "+0.1225" not in text and "1.31×" not in text
    assert "| Full-param | 2e-5 | EM | +0.0250 | 0.001 | 6 | 0.27× |" in text
    assert "| full_em_lr2e5 | A | 0.0020 | 0.0250 |" in text
    # after the rerun 2 of the 4 ratios are below 1: the headline names no direction
    assert "no consistent direction in M1" in text.split("\n")[1]
    assert "less in 2/4 compared cells and more in 2/4 (MODERATE confidence)" in text.split("\n")[1]
    result, wrong = _numbers(root)
    assert wrong == [], [v.message for v in wrong]
    numbers = [o for o in result.outcomes if o.rule.id == "PG104"][0]
    assert numbers.status == "PASS"
    # the bindings the written body carries locate every number, claim by claim
    assert not (root / "reports" / "issue_7.claims.json").exists()
    claims = claims_of(raw).claims
    lines = raw.split("\n")
    assert len(claims) > 50
    for c in claims:
        assert lines[c.line - 1][c.col - 1:].startswith(c.text), c


def test_change_summary_names_numbers_counts_verdicts_and_title(root):
    plan = plan_update(PublishTarget(**_opts(root)))
    s = plan.summary
    counts = {(c.old_text, c.new_text) for c in s.numbers if c.kind == "count"}
    assert ("4/4", "2/4") in counts
    changed = {(c.what, c.old_text, c.new_text) for c in s.numbers if c.kind == "number"}
    assert ("/cells/M1_A_L20_full_em_lr2e5/delta", "+0.1225", "+0.0250") in changed
    assert ("/comparisons/cmp_A_L20_full_em_lr2e5/ratio", "1.31×", "0.27×") in changed
    assert s.title.holds is False and ("4/4", "2/4") in s.title.claim_changes
    assert s.title.old_confidence == s.title.new_confidence == "MODERATE"
    verdicts = [t for t in s.texts if t.verdict]
    assert [(t.row, t.column, t.old, t.new) for t in verdicts] == [
        ("A | EM", "Verdict", "Generic collapse", "Rank bottleneck")]
    assert [(r.region, r.old_text, r.new_text) for r in s.review] == [("tldr", "4/4", "2/4")]
    lines = "\n".join(s.lines())
    assert "4/4 -> 2/4" in lines and "+0.1225 -> +0.0250" in lines
    assert "title claim changed: 4/4 -> 2/4" in lines
    assert "verdicts changed: 1" in lines
    assert "review: L" in lines


def test_hand_edit_of_a_generated_table_is_a_conflict(root, capsys):
    body = root / "reports" / "issue_7.md"
    text = body.read_text(encoding="utf-8")
    lines = text.split("\n")
    line = [strip_keys(ln) for ln in lines].index(
        "| full_benign_lr2e5 | A | 0.0100 | 0.1150 |") + 1
    lines[line - 1] = lines[line - 1].replace("0.1150", "0.1170")
    edited = "\n".join(lines)
    assert edited != text
    body.write_text(edited, encoding="utf-8")
    region = R.parse(edited).region_at(line - 1).id
    assert region.startswith("result-1/table-")
    snapshot = body.read_bytes()

    rc, out = _cli(capsys, "--issue", "7", "--root", str(root),
                                   "--repo", "acme/research", "--commit", FAKE_SHA)
    assert rc == 1, out
    assert f"{body}:{line}: region '{region}'" in out, out
    assert "edited by hand" in out
    assert body.read_bytes() == snapshot

    rc, out = _cli(capsys, "--issue", "7", "--root", str(root),
                                   "--repo", "acme/research", "--commit", FAKE_SHA, "--force")
    assert rc == 0, out
    assert "overridden" in out
    text = strip_keys(body.read_text(encoding="utf-8"))
    assert "0.1170" not in text and "| full_benign_lr2e5 | A | 0.0100 | 0.1150 |" in text
    assert HUMAN in text and NOTES in text
    _, wrong = _numbers(root)
    assert wrong == []


def test_body_through_the_tracker_still_updates(root):
    body = root / "reports" / "issue_7.md"
    tracked = tracker_roundtrip(body.read_text(encoding="utf-8"))
    assert "\r\n" in tracked
    body.write_bytes(tracked.encode("utf-8"))
    plan, written = update_report(PublishTarget(**_opts(root)))
    assert plan.conflicts == [] and written
    text = _body(root)
    assert "\r" not in text and HUMAN in text and NOTES in text
    assert "+0.0250" in text and "+0.1225" not in text
    _, wrong = _numbers(root)
    assert wrong == []


def test_second_update_is_a_no_op(root, capsys):
    update_report(PublishTarget(**_opts(root)))
    before = _body(root)
    rc, out = _cli(capsys, "--issue", "7", "--root", str(root),
                                   "--repo", "acme/research", "--commit", FAKE_SHA)
    assert rc == 0, out
    assert "up to date" in out and "results: unchanged" in out
    assert _body(root) == before


def test_orphan_human_region_and_unmarked_body_are_conflicts(root):
    # the narrative no longer has the reviewer-notes region: its text would be lost
    (root / "reports" / "issue_7.narrative.md").write_text(
        NARRATIVE.split("<!--")[0] + "{% endblock %}\n", encoding="utf-8")
    plan = plan_update(PublishTarget(**_opts(root)))
    assert plan.blocked and [c.region for c in plan.conflicts] == ["reviewer-notes"]
    assert "would be lost" in plan.conflicts[0].message
    # a body with no markers at all (e.g. rendered before regions): update needs --force,
    # and even then keeps the Human TL;DR, found by its heading
    body = root / "reports" / "issue_7.md"
    bare = "\n".join(ln for ln in body.read_text(encoding="utf-8").split("\n")
                     if "personageo:gen" not in ln and "personageo:human" not in ln)
    body.write_text(bare, encoding="utf-8")
    plan = plan_update(PublishTarget(**_opts(root)))
    assert plan.blocked and plan.conflicts[0].region == "whole body"
    plan, written = update_report(PublishTarget(**_opts(root)), force=True)
    assert written and HUMAN in _body(root)
    assert re.search(r"personageo:human begin id=tldr", _body(root))


def test_dry_run_and_json_output_write_nothing(root, capsys):
    body = root / "reports" / "issue_7.md"
    before = body.read_bytes()
    rc, out = _cli(capsys, "--issue", "7", "--root", str(root),
                                   "--repo", "acme/research", "--commit", FAKE_SHA,
                                   "--dry-run", "--format", "json")
    assert rc == 0, out
    data = json.loads(out)
    assert data["written"] == [] and data["conflicts"] == [] and data["summary"]["results_changed"]
    assert body.read_bytes() == before


def test_missing_body_is_an_input_error(tmp_path, capsys):
    write_results(tmp_path, toy())
    rc, out = _cli(capsys, "--issue", "7", "--root", str(tmp_path))
    assert rc == 2
    assert "body to update not found" in out


def test_a_generated_region_deleted_by_hand_comes_back_and_is_named(root):
    body = root / "reports" / "issue_7.md"
    text = body.read_text(encoding="utf-8")
    parsed = R.parse(text)
    norms = next(g for g in parsed.gens if "Weight-delta norms" in
                 "\n".join(parsed.lines[g.begin:g.end]))
    lines = parsed.lines[:norms.begin] + parsed.lines[norms.end + 1:]
    body.write_text("\n".join(lines), encoding="utf-8")
    plan, written = update_report(PublishTarget(**_opts(root)))
    assert plan.conflicts == [] and written
    assert plan.summary.regions_added == [norms.id]
    assert f"regions new in this render: {norms.id}" in plan.summary.lines()
    assert "Weight-delta norms" in _body(root)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_update_after_a_rerun_is_one_call_without_repo_or_commit(tmp_path, capsys):
    """In a repository with a GitHub remote, render and update need neither --repo nor a
    commit: issue links come from the remote, figures are linked by relative path and
    redrawn by the same call."""
    import subprocess

    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "remote", "add", "origin", "https://github.com/acme/research.git"],
                   cwd=tmp_path, check=True)
    write_results(tmp_path, toy())
    base = ("--issue", "7", "--root", str(tmp_path))
    assert main(["report", "render", *base]) == 0
    hero = tmp_path / "figures" / "issue_7" / "hero.png"
    before = hero.read_bytes()
    write_results(tmp_path, rerun())
    capsys.readouterr()
    rc, out = _cli(capsys, *base)
    assert rc == 0, out
    body = _body(tmp_path)
    assert "](../figures/issue_7/hero.png)" in body and "raw.githubusercontent" not in body
    assert "[#205](https://github.com/acme/research/issues/205)" in body
    assert hero.read_bytes() != before  # the rerun's figure, drawn by the same call


def test_keys_copied_into_human_text_are_dropped_by_an_update(root):
    """A person who copies a rendered number with its invisible key into their own text: the key
    names an entry of the old binding table, so the update keeps the number and drops the key."""
    body = root / "reports" / "issue_7.md"
    text = body.read_text(encoding="utf-8")
    copied = re.search(r"\d+/\d+<!--pg:\d+-->", text.split("## Human TL;DR")[1]).group(0)
    text = text.replace("A second paragraph, mine.", f"A second paragraph, mine: {copied}.")
    body.write_text(text, encoding="utf-8")
    plan, written = update_report(PublishTarget(**_opts(root)))
    assert plan.conflicts == [] and written
    new = _body(root)
    assert f"A second paragraph, mine: {strip_keys(copied)}." in new
