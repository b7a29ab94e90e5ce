"""Tables of a schema-v1.1 run show each delta's and ratio's interval, bound and lint-clean,
and an undefined ratio as undefined (not as a missing baseline)."""

from __future__ import annotations

import re

import numpy as np

from personageo.analysis import analyze
from personageo.cli.main import main
from personageo.numfmt import format_value
from personageo.schema import save_run_result
from tests.analysis.synthetic import N_Q, build, vectors_for, write_store
from tests.analysis.test_analyze_uncertainty import single_seed
from tests.report.conftest import FAKE_SHA


def _render(root, run, capsys) -> str:
    results = root / "eval_results" / "issue_99" / "run_result.json"
    save_run_result(run, results)
    assert main(["report", "render", "--issue", "99", "--root", str(root), "--repo", "a/b",
                 "--commit", FAKE_SHA]) == 0
    capsys.readouterr()
    body = root / "reports" / "issue_99.md"
    code = main(["lint", str(body), "--results", str(results), "--issue", "99", "--strict"])
    out = capsys.readouterr().out
    # the synthetic run has no narrative (background, data links): only the numbers matter here
    assert code in (0, 1), out
    assert re.search(r"Numbers: (\d+) checked — \1 verified, 0 contradicted, 0 unbound", out), out
    # the binding markers (<!--pg:N-->) travel with the body; the reader sees the text without
    return re.sub(r"<!--pg:[^>]*-->", "", body.read_text(encoding="utf-8"))


def test_delta_and_ratio_intervals_are_in_the_tables(tmp_path, capsys):
    cfg, _ = build(tmp_path, single_seed())
    run = analyze(cfg, root=tmp_path)
    body = _render(tmp_path, run, capsys)
    shown = [c for c in run.cells if c.condition == "full_em"
             and f"[{format_value(c.ci.low, '+.4f')}, {format_value(c.ci.high, '+.4f')}]" in body]
    assert shown, "no delta interval in the body"
    cmp = next(c for c in run.comparisons if c.cell == shown[0].id)
    assert (f"{format_value(cmp.ratio, '.2x')} [{format_value(cmp.ratio_ci.low, '.2f')}, "
            f"{format_value(cmp.ratio_ci.high, '.2f')}]") in body
    bci = cmp.baseline_delta_ci
    assert f"[{format_value(bci.low, '+.4f')}, {format_value(bci.high, '+.4f')}]" in body
    assert re.search(r"In brackets: 90% intervals from a bootstrap over questions \(60 resamples",
                     body)


def test_an_undefined_ratio_reads_undefined(tmp_path, capsys):
    cfg, _ = build(tmp_path, single_seed())
    shift = np.random.default_rng(9).normal(scale=0.5, size=N_Q)
    shift += 0.01 - shift.mean()
    for method, seed in (("A", 0), ("B", 1)):
        write_store(tmp_path, "lora_em-s1", method,
                    vectors_for(0.0, seed) + shift[None, :, None, None].astype(np.float32))
    run = analyze(cfg, root=tmp_path)
    body = _render(tmp_path, run, capsys)
    assert "undefined (baseline Δ not distinguishable from 0)" in body


def test_interval_verdicts_show_their_recorded_votes(tmp_path, capsys):
    cfg, _ = build(tmp_path, single_seed())
    run = analyze(cfg, root=tmp_path)
    body = _render(tmp_path, run, capsys)
    assert "otherwise it abstains" in body
    for v in run.verdicts:
        label = v.rule.labels[v.result]
        row = (f"| {v.method} | EM | {label} | {v.votes_low} | {v.votes_high} | {v.votes_mid} | "
               f"{v.abstentions} |")
        assert row in body, row
