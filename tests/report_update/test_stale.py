"""Stale bodies in ``personageo lint`` (PG104), a body as posted on the tracker, and a real
legacy-imported results file (issue 238) through render -> edit -> update."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from personageo.lint.engine import LintOptions, lint_file
from personageo.markdown.markers import parse_render_marker
from personageo.report import PublishTarget, render_report
from personageo.report.post import read_writeup
from personageo.report.update import update_report
from personageo.schema.bindings import strip_keys
from tests.builders import toy, with_post
from tests.report_update.helpers import (
    FAKE_SHA,
    tracker_roundtrip,
    write_results,
)

PLACEHOLDER = ("_(Human TL;DR — to be filled in by the user. Leave this line as-is in "
               "drafts.)_")

NARRATIVE_238 = Path(__file__).resolve().parents[1] / "report" / "data" / "issue_238.narrative.md"


def _opts(root: Path, **kw) -> dict:
    return dict(issue=7, root=root, repo="acme/research", commit=FAKE_SHA, **kw)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("stale")
    write_results(root, toy())
    render_report(PublishTarget(**_opts(root)))
    return root


@pytest.fixture
def root(rendered, tmp_path) -> Path:
    dst = tmp_path / "repo"
    shutil.copytree(rendered, dst)
    return dst


def _pg104(root: Path, sidecar: bool):
    """PG104 findings of the body, with its in-body bindings (``sidecar``) or without them
    (table line and inline keys removed, as a person might)."""
    opts = LintOptions(
        results=(str(root / "eval_results" / "issue_7" / "run_result.json"),),
        select=("PG104",))
    body = root / "reports" / "issue_7.md"
    if not sidecar:
        text = body.read_text(encoding="utf-8")
        bare = root / "bare.md"
        bare.write_text("\n".join(ln for ln in strip_keys(text).split("\n")
                                  if "personageo:bindings" not in ln), encoding="utf-8")
        body = bare
    return [v for v in lint_file(body, opts).violations]


def test_fresh_body_is_not_stale(root):
    assert _pg104(root, sidecar=True) == [] and _pg104(root, sidecar=False) == []


@pytest.mark.parametrize("sidecar", [True, False])
def test_rerun_makes_the_body_stale(root, sidecar):
    text = (root / "reports" / "issue_7.md").read_text(encoding="utf-8")
    marker = parse_render_marker(text)
    write_results(root, with_post(toy(), "full_em_lr2e5/A/L20", 0.90))
    found = _pg104(root, sidecar)
    body_level = [v for v in found if "stale body" in v.message]
    assert len(body_level) == 1 and body_level[0].line == marker.line
    assert marker.results[0][1][:12] in body_level[0].message
    per_number = [v for v in found if v not in body_level]
    if sidecar:  # every number whose value changed: location, text as shown, new value
        lines = text.split("\n")
        assert per_number
        for v in per_number:
            assert lines[v.line - 1][v.col - 1:].startswith(v.extra["text"])
            assert "which is now" in v.message and v.extra.get("bound_value") is not None
        shown = {v.extra["text"] for v in per_number}
        assert {"+0.1225", "1.31×", "0.1225", "4"} <= shown  # "4" of "4/4"
    else:
        assert per_number == []
    update_report(PublishTarget(**_opts(root)))
    assert _pg104(root, sidecar) == []


def test_body_as_posted_on_the_tracker_updates(root):
    """The tracker holds the body without front matter, behind the clean-result marker, with
    CRLF endings; it carries its own bindings."""
    local = root / "reports" / "issue_7.md"
    posted = read_writeup(local).posted_body().replace(PLACEHOLDER, "Mine: 4/4 cells.")
    copy = root / "from_tracker.md"
    copy.write_bytes(tracker_roundtrip(posted).encode("utf-8"))
    write_results(root, with_post(toy(), "full_em_lr2e5/A/L20", 0.90))
    plan, written = update_report(PublishTarget(**_opts(root, body=copy)), output=local)
    assert plan.conflicts == [] and written
    text = local.read_text(encoding="utf-8")
    assert text.startswith("---\ntitle:") and "Mine: 4/4 cells." in text
    assert plan.summary.compared and ("4/4", "3/4") in plan.summary.title.claim_changes
    assert [(r.old_text, r.new_text) for r in plan.summary.review] == [("4/4", "3/4")]


def test_legacy_238_render_edit_update(tmp_path, r238, r205):
    opts = dict(issue=238, root=tmp_path, results=r238, baseline=r205,
                narrative=NARRATIVE_238, repo="acme/research", commit=FAKE_SHA)
    rendered = render_report(PublishTarget(**opts))
    body = rendered.body_path
    text = body.read_text(encoding="utf-8")
    assert text.count(PLACEHOLDER) == 1
    body.write_text(text.replace(PLACEHOLDER, "Full-param collapses too; 38/40 is the number."),
                    encoding="utf-8")
    # results and baseline default to the files the body's binding table records
    plan, written = update_report(PublishTarget(**{k: v for k, v in opts.items()
                                                   if k not in ("results", "baseline")}))
    assert plan.conflicts == [] and plan.kept == ["tldr"] and written
    assert not plan.summary.results_changed and plan.summary.numbers == []
    assert plan.unchanged  # same results, same narrative: the edited body is already current
    assert "38/40 is the number." in body.read_text(encoding="utf-8")
    result = lint_file(body, LintOptions(results=(str(r238), str(r205))))
    wrong = [v for v in result.violations if v.rule in ("PG101", "PG104")]
    assert wrong == []
