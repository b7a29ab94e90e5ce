"""Sample blocks (chosen deterministically, never invented) and figure links."""

from __future__ import annotations

import json
import re

import pytest

from personageo.errors import InputError
from personageo.report import PublishTarget, render, render_report
from personageo.report.renderer import choose_samples
from personageo.schema import parse_run_result
from tests.builders import toy
from tests.report.conftest import FAKE_SHA
from tests.report.gitrepo import research_repo

FENCED_SAMPLE = re.compile(r"^```text\n\[persona\]: (.+)\n\[prompt\]: (.+)\n"
                           r"\[model\]: checkpoint (.+), Method (.+)\n\[output\]: (.+)\n```$", re.M)


def test_result_section_holds_three_samples_round_robin_over_checkpoints(toy_root):
    body = render(PublishTarget(issue=7, root=toy_root, repo="a/b", commit=FAKE_SHA)).body
    result = body.split("### Result 1:", 1)[1]
    blocks = FENCED_SAMPLE.findall(result)
    # design order of checkpoints, then personas in design order, then question id
    assert [(p, q, a) for p, q, _ck, _m, a in blocks] == [
        ("villain", "Question 1?", "Answer of villain after full_em_lr2e5."),
        ("villain", "Question 1?", "Answer of villain after full_benign_lr2e5."),
        ("villain", "Question 2?", "Answer of villain after full_em_lr2e5."),
    ]
    # each block names the model that answered
    assert [ck for _p, _q, ck, _m, _a in blocks] == ["full_em_lr2e5", "full_benign_lr2e5",
                                                    "full_em_lr2e5"]


def test_sample_choice_ignores_record_order():
    doc = toy()
    run = parse_run_result(doc)
    doc["samples"].reverse()
    assert choose_samples(parse_run_result(doc), 3) == choose_samples(run, 3)


def test_fence_outgrows_backticks_in_answers():
    doc = toy()
    for sample in doc["samples"]:
        sample["answer"] = "use ```code``` here"
    picked = choose_samples(parse_run_result(doc), 1)
    assert picked[0]["fence"] == "````"


def test_without_samples_the_body_says_so(tmp_path):
    f = tmp_path / "eval_results" / "issue_7" / "run_result.json"
    f.parent.mkdir(parents=True)
    f.write_text(json.dumps(toy(samples=False)))
    body = render(PublishTarget(issue=7, root=tmp_path, repo="a/b", commit=FAKE_SHA)).body
    assert "[persona]:" not in body.split("### Result 1:", 1)[1]
    assert "none are shown here rather than invented" in body


def test_fresh_render_is_one_call_with_relative_figure_links(toy_root):
    research_repo(toy_root)
    body = render_report(PublishTarget(issue=7, root=toy_root)).body
    links = re.findall(r"!\[[^\]]*\]\(([^)\s]+)", body)
    assert links and all(not u.startswith("http") for u in links)
    for link in links:  # each resolves, from the body's folder, to the figure just written
        assert (toy_root / "reports" / link).resolve().is_file()
    assert "](../figures/issue_7/hero.png)" in body
    assert "[#205](https://github.com/acme/research/issues/205)" in body  # from the remote


def test_without_a_remote_issue_references_are_plain(toy_root):
    body = render(PublishTarget(issue=7, root=toy_root)).body
    assert "#205" in body and "github.com/" not in body.split("<!-- personageo:render")[1]


def test_pinning_now_needs_a_repository(toy_root):
    with pytest.raises(InputError) as err:
        render(PublishTarget(issue=7, root=toy_root, commit=FAKE_SHA))
    assert "--repo OWNER/NAME" in str(err.value)


def test_a_run_without_baseline_comparisons_still_renders(tmp_path):
    doc = toy()
    doc["comparisons"], doc["verdicts"] = [], []
    f = tmp_path / "eval_results" / "issue_7" / "run_result.json"
    f.parent.mkdir(parents=True)
    f.write_text(json.dumps(doc))
    r = render(PublishTarget(issue=7, root=tmp_path, repo="a/b", commit=FAKE_SHA))
    assert "raises M1 in 4/4 tested cells (LOW confidence)" in r.body.split("\n")[1]
    assert "no baseline comparison is recorded" in r.body
    assert not any(p.name.startswith("ratio_by_layer") for p in r.files)
