"""`analyze` warns when alpha is out of reach or the pair test decides; exact reproduction
reproduces the original's correction, rule and voting learning rate."""

from __future__ import annotations

import copy

import pytest
import yaml

from personageo.cli.main import main
from personageo.config import load_config
from personageo.schema import load_run_result
from tests.analysis.synthetic import CONFIG, build


def _run(tmp_path, capsys, analysis: dict):
    cfg = copy.deepcopy(CONFIG)
    cfg["analysis"].update(analysis)
    _, path = build(tmp_path, cfg)
    out = tmp_path / "r.json"
    rc = main(["analyze", str(path), "--root", str(tmp_path), "-o", str(out)])
    return rc, capsys.readouterr().err, load_run_result(out)


def test_analyze_warns_when_no_cell_can_reach_alpha(tmp_path, capsys):
    # 12 cells, n_perm 199: Bonferroni floor 12/200 = 0.06 > alpha 0.05
    rc, err, run = _run(tmp_path, capsys, {"correction": "bonferroni"})
    assert rc in (0, None) and len(run.cells) == 12
    want = "warning: family 'M1': the smallest attainable adjusted p is 0.06 > alpha = 0.05"
    assert want in err
    assert not any(c.significant for c in run.cells)


def test_analyze_is_quiet_when_alpha_is_reachable(tmp_path, capsys):
    _, err, _ = _run(tmp_path, capsys, {})
    assert "warning" not in err


def test_exact_reproduction_reproduces_the_original(tmp_path, capsys):
    _, err, run = _run(tmp_path, capsys, {"exact_reproduction": True})
    (fam,) = run.families
    assert (fam.correction, fam.reject_rule) == ("bh_running_max", "lt")
    assert {c.test.kind for c in run.cells} == {"pair_signflip"}
    assert {(c.test.alternative, c.test.p_convention, c.test.seed) for c in run.cells} == {
        ("greater", "b_over_n", 42)}
    assert "rely on the pair sign-flip test, which does not hold its level" in err
    for v in run.verdicts:  # only the lr 2e-5 condition votes
        assert all("full_em" in c for c in v.comparisons)


def test_pair_test_outside_exact_reproduction_is_refused(tmp_path):
    cfg = copy.deepcopy(CONFIG)
    cfg["analysis"]["test"] = "pair_signflip"
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(cfg))
    with pytest.raises(Exception, match="does not hold its level"):
        load_config(path)
    cfg["analysis"].update(exact_reproduction=True, correction="bh")
    path.write_text(yaml.safe_dump(cfg))
    a = load_config(path).analysis  # the original's settings override the others
    assert (a.test, a.correction, a.alternative, a.seed, a.verdict.voting_lr) == (
        "pair_signflip", "bh_running_max", "greater", 42, 2e-5)
