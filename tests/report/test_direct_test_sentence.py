"""The write-up states the direct test of delta = baseline delta with its recorded numbers."""

from __future__ import annotations

import json
import shutil

from personageo.report import PublishTarget, render
from tests.reference import REPO

DEMO = REPO / "eval_results" / "issue_1" / "run_result.json"


def test_rendered_demo_states_each_flagship_difference_test(tmp_path):
    (tmp_path / "eval_results" / "issue_1").mkdir(parents=True)
    shutil.copy(DEMO, tmp_path / "eval_results" / "issue_1" / "run_result.json")
    body = render(PublishTarget(issue=1, root=tmp_path, repo="example/persona-research")).body
    line = next(ln for ln in body.splitlines() if ln.startswith("Direct test of Δ = baseline Δ"))
    doc = json.loads(DEMO.read_text())
    tested = [c for c in doc["comparisons"] if c.get("difference_p_adjusted") is not None]
    assert tested
    shown = line.count("Δ − baseline Δ = ")
    assert 1 <= shown <= len(tested)
    # every stated p is one of the recorded adjusted p-values, at the table's 3 decimals
    stated = [part.split(", p = ")[1].split("<!--")[0] for part in line.split("; ")]
    assert set(stated) <= {f"{c['difference_p_adjusted']:.3f}" for c in tested}
