"""Rendering twice gives identical bytes: body, claims sidecar, PNG, PDF and figure sidecars."""

from __future__ import annotations

import json

from personageo.report import PublishTarget, render, render_report
from tests.report.conftest import FAKE_SHA, render_238, snapshot


def test_issue_238_renders_to_identical_bytes_twice(tmp_path, r238, r205):
    first, second = ({p.relative_to(tmp_path): b
                      for p, b in render_238(tmp_path, r238, r205).files.items()}
                     for _ in range(2))
    assert set(first) == set(second)
    assert len([p for p in first if p.suffix == ".png"]) == 3
    for name in first:
        assert first[name] == second[name], f"{name} differs between two renders"


def test_written_outputs_are_stable_and_rerender_needs_no_overwrite(toy_root):
    opts = PublishTarget(issue=7, root=toy_root, repo="acme/research", commit=FAKE_SHA)
    render_report(opts)
    before = snapshot(toy_root)
    render_report(opts)  # identical content: no --overwrite needed, nothing changes
    assert snapshot(toy_root) == before
    figs = sorted(p for p in before if p.startswith("figures/issue_7/"))
    assert {p.rsplit(".", 1)[1] for p in figs} == {"png", "pdf", "json"}
    side = json.loads(before["figures/issue_7/hero.json"])
    assert side["commit"] == "0123456789abcdef"
    assert side["source_results"][0]["path"] == "eval_results/issue_7/run_result.json"
    assert side["figsize"] == [5.2, 4.6]  # one panel: the flagship layer is the last one


def test_png_and_pdf_carry_no_timestamp_or_software_tag(toy_root):
    r = render(PublishTarget(issue=7, root=toy_root, repo="acme/research", commit=FAKE_SHA))
    for path, data in r.files.items():
        if path.suffix == ".pdf":
            assert b"/CreationDate" not in data and b"/Producer" not in data
        if path.suffix == ".png":
            assert b"Software" not in data and b"matplotlib" not in data.lower()
