"""``report post`` pins relative figure links to the pushed commit that holds each figure."""

from __future__ import annotations

import json
import shutil

import pytest

from personageo.errors import InputError
from personageo.report import PublishTarget, render_report
from personageo.report import _regions as R
from personageo.report._pin import pin_figures, relative_images
from tests.report.gitrepo import git, research_repo

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _render(root):
    return render_report(PublishTarget(issue=7, root=root), overwrite=True)


def _pin(root, body):
    return pin_figures(body, root / "reports" / "issue_7.md", ("acme", "research"), 7)


def test_unpushed_figures_are_refused_with_the_commands_then_pinned(toy_root):
    research_repo(toy_root)
    body = _render(toy_root).body
    with pytest.raises(InputError) as err:
        _pin(toy_root, body)
    text = str(err.value)
    assert "no commit holds it yet" in text and "reports/issue_7.md:" in text
    assert 'git add figures/issue_7  &&  git commit -m "Figures for issue 7"  &&  git push' \
        in text

    git(toy_root, "add", "-A")
    git(toy_root, "commit", "-qm", "write-up")
    with pytest.raises(InputError) as err:
        _pin(toy_root, body)
    assert "is not pushed" in str(err.value) and "run  git push  then post again" in str(err.value)

    git(toy_root, "push", "-q")
    sha = git(toy_root, "rev-parse", "HEAD")
    pinned_body, pinned = _pin(toy_root, body)
    assert {f.path for f in pinned} >= {"figures/issue_7/hero.png"}
    assert f"](https://raw.githubusercontent.com/acme/research/{sha}/figures/issue_7/hero.png)" \
        in pinned_body
    assert relative_images(pinned_body) == []
    assert len(pinned_body.split("\n")) == len(body.split("\n"))


def _pushed_render(toy_root) -> str:
    """The toy body rendered in a research repo whose figures are committed and pushed."""
    research_repo(toy_root)
    body = _render(toy_root).body
    git(toy_root, "add", "-A")
    git(toy_root, "commit", "-qm", "write-up")
    git(toy_root, "push", "-q")
    return body


def test_pinned_body_keeps_region_digests_valid_and_hand_edits_detectable(toy_root):
    body = _pushed_render(toy_root)
    pinned = R.parse(_pin(toy_root, body)[0])
    assert pinned.gens and all(r.digest == pinned.digest_of(r) for r in pinned.gens)

    # a hand edit in the region holding the hero figure stays an edit after pinning
    lines = body.split("\n")
    i = next(n for n, ln in enumerate(lines) if "../figures/issue_7/hero.png" in ln)
    lines[i + 1] = lines[i + 1] + " Edited by hand."
    edited = R.parse(_pin(toy_root, "\n".join(lines))[0])
    region = edited.region_at(i)
    assert region is not None and region.digest != edited.digest_of(region)


def test_a_changed_figure_cannot_reuse_its_old_commit(toy_root):
    body = _pushed_render(toy_root)
    f = toy_root / "eval_results" / "issue_7" / "run_result.json"
    doc = json.loads(f.read_text())
    doc["weight_norms"][0]["global_l2"] = 50.0
    f.write_text(json.dumps(doc))
    body = _render(toy_root).body
    with pytest.raises(InputError) as err:
        _pin(toy_root, body)
    assert "differs from the version committed" in str(err.value)


def test_missing_figure_and_no_repository(toy_root, tmp_path):
    body = "## Result\n\n![hero](../figures/issue_7/nothing.png)\n"
    with pytest.raises(InputError, match="not in a git repository"):
        _pin(toy_root, body)
    research_repo(toy_root)
    with pytest.raises(InputError) as err:
        _pin(toy_root, body)
    assert "no such file (figures/issue_7/nothing.png)" in str(err.value)


def test_absolute_links_are_left_alone(toy_root):
    body = "![a](https://example.org/a.png) ![b](data:image/png;base64,AAAA)\n"
    assert relative_images(body) == []
    assert _pin(toy_root, body) == (body, [])
