"""Sample blocks (chosen deterministically, never invented) and commit-pinned figure URLs."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from personageo.errors import InputError
from personageo.report import RenderOptions, render, render_report
from personageo.report.renderer import choose_samples
from personageo.schema import parse_run_result
from tests.report.conftest import FAKE_SHA, toy_run_dict

FENCED_SAMPLE = re.compile(r"^```text\n\[persona\]: (.+)\n\[prompt\]: (.+)\n"
                           r"\[model\]: checkpoint (.+), Method (.+)\n\[output\]: (.+)\n```$", re.M)


def test_result_section_holds_three_samples_round_robin_over_checkpoints(toy_root):
    body = render(RenderOptions(issue=7, root=toy_root, repo="a/b", commit=FAKE_SHA)).body
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
    doc = toy_run_dict()
    run = parse_run_result(doc)
    doc["samples"].reverse()
    assert choose_samples(parse_run_result(doc), 3) == choose_samples(run, 3)


def test_fence_outgrows_backticks_in_answers():
    doc = toy_run_dict()
    for sample in doc["samples"]:
        sample["answer"] = "use ```code``` here"
    picked = choose_samples(parse_run_result(doc), 1)
    assert picked[0]["fence"] == "````"


def test_without_samples_the_body_says_so(tmp_path):
    f = tmp_path / "eval_results" / "issue_7" / "run_result.json"
    f.parent.mkdir(parents=True)
    f.write_text(json.dumps(toy_run_dict(samples=False)))
    body = render(RenderOptions(issue=7, root=tmp_path, repo="a/b", commit=FAKE_SHA)).body
    assert "[persona]:" not in body.split("### Result 1:", 1)[1]
    assert "none are shown here rather than invented" in body


def _git(root, *args):
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@e", "PATH": "/usr/bin:/bin"})


def test_fresh_render_needs_committed_figures_then_pins_their_commit(toy_root):
    _git(toy_root, "init", "-q")
    _git(toy_root, "remote", "add", "origin", "git@github.com:acme/research.git")
    base = RenderOptions(issue=7, root=toy_root)
    with pytest.raises(InputError) as err:
        render_report(base)
    assert "--figures-only" in str(err.value) and "no commit holds it" in str(err.value)
    assert not (toy_root / "reports").exists()

    render_report(RenderOptions(issue=7, root=toy_root, figures_only=True))
    assert not (toy_root / "reports").exists()  # step 1 writes figures only
    _git(toy_root, "add", "figures")
    _git(toy_root, "commit", "-q", "-m", "figures")
    sha = subprocess.run(["git", "-C", str(toy_root), "rev-parse", "HEAD"], check=True,
                         capture_output=True, text=True).stdout.strip()
    body = render_report(base).body
    assert (f"https://raw.githubusercontent.com/acme/research/{sha}/figures/issue_7/hero.png"
            in body)
    assert "[#205](https://github.com/acme/research/issues/205)" in body

    # a rerun that changes a figure cannot reuse the old commit's URL
    f = toy_root / "eval_results" / "issue_7" / "run_result.json"
    doc = json.loads(f.read_text())
    doc["weight_norms"][0]["global_l2"] = 50.0
    f.write_text(json.dumps(doc))
    with pytest.raises(InputError) as err:
        render_report(RenderOptions(issue=7, root=toy_root, overwrite=True))
    assert "differs from the version committed" in str(err.value)


def test_no_remote_and_no_repo_flag_is_an_error(toy_root):
    with pytest.raises(InputError) as err:
        render(RenderOptions(issue=7, root=toy_root, commit=FAKE_SHA))
    assert "--repo OWNER/NAME" in str(err.value)


def test_a_run_without_baseline_comparisons_still_renders(tmp_path):
    doc = toy_run_dict()
    doc["comparisons"], doc["verdicts"] = [], []
    f = tmp_path / "eval_results" / "issue_7" / "run_result.json"
    f.parent.mkdir(parents=True)
    f.write_text(json.dumps(doc))
    r = render(RenderOptions(issue=7, root=tmp_path, repo="a/b", commit=FAKE_SHA))
    assert "raises M1 in 4/4 tested cells (LOW confidence)" in r.body.split("\n")[1]
    assert "no baseline comparison is recorded" in r.body
    assert not any(p.name.startswith("ratio_by_layer") for p in r.files)
