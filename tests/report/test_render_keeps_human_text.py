"""``render --overwrite`` never discards a human region, and a body is the same in every clone."""

from __future__ import annotations

import json
import shutil

import pytest

from personageo.cli.main import main
from personageo.errors import InputError
from personageo.report import PublishTarget, render, render_report
from tests.report.conftest import NARRATIVE_238

PLACEHOLDER = "_(Human TL;DR — to be filled in by the user. Leave this line as-is in drafts.)_"
MINE = "Full fine-tuning collapses the geometry; I would not trust L7 yet."


def _fill_tldr(body_path, text: str) -> None:
    body = body_path.read_text(encoding="utf-8")
    assert PLACEHOLDER in body
    body_path.write_text(body.replace(PLACEHOLDER, text), encoding="utf-8")


def test_overwrite_keeps_a_filled_in_human_tldr(toy_root, capsys):
    args = ["report", "render", "--issue", "7", "--root", str(toy_root), "--repo", "a/b"]
    assert main(args) == 0
    body_path = toy_root / "reports" / "issue_7.md"
    _fill_tldr(body_path, MINE)
    results = toy_root / "eval_results" / "issue_7" / "run_result.json"
    doc = json.loads(results.read_text())
    doc["weight_norms"][0]["global_l2"] = 50.0  # a rerun: new numbers and figures
    results.write_text(json.dumps(doc))
    assert main(args + ["--overwrite"]) == 0, capsys.readouterr().err
    body = body_path.read_text(encoding="utf-8")
    assert MINE in body and PLACEHOLDER not in body
    assert "50.0" in body  # and the new numbers are there
    # the bindings the body carries still match its numbers, as in a fresh render
    from personageo.files import sha256_text
    from personageo.schema.bindings import claims_of

    fresh = render(PublishTarget(issue=7, root=toy_root, repo="a/b"))
    assert len(claims_of(body, sha256_text(body)).claims) == len(fresh.sidecar.claims) > 0


def test_a_human_region_with_no_place_stops_the_render(toy_root):
    opts = PublishTarget(issue=7, root=toy_root, repo="a/b")
    render_report(opts, overwrite=True)
    body_path = toy_root / "reports" / "issue_7.md"
    text = body_path.read_text(encoding="utf-8")
    notes = ("<!-- personageo:human begin id=my-notes -->\nkeep me\n"
             "<!-- personageo:human end id=my-notes -->\n")
    body_path.write_text(text + "\n" + notes, encoding="utf-8")
    before = body_path.read_bytes()
    with pytest.raises(InputError) as err:
        render_report(opts, overwrite=True)
    assert "no place in the new render" in str(err.value) and "my-notes" in str(err.value)
    assert body_path.read_bytes() == before


def test_two_clones_render_the_same_body(tmp_path, r238, r205):
    bodies = []
    for clone in ("one", "somewhere/else/two"):
        root = tmp_path / clone
        for issue, src in ((238, r238), (205, r205)):
            target = root / "eval_results" / f"issue_{issue}" / "run_result.json"
            target.parent.mkdir(parents=True)
            shutil.copyfile(src, target)
        bodies.append(render(PublishTarget(
            issue=238, root=root, baseline=root / "eval_results/issue_205/run_result.json",
            narrative=NARRATIVE_238, repo="acme/research")).body)
    assert bodies[0] == bodies[1]
    assert "`eval_results/issue_238/run_result.json` (legacy_results)" in bodies[0]
