"""`analyze` with intervals, the direct difference test, undefined ratios, abstaining verdicts,
merged duplicate questions and combined seeds (synthetic stores, no model)."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from personageo.analysis import analyze
from personageo.analysis._uncertainty import stream_seed
from personageo.schema import check_semantics, load_run_result, save_run_result
from personageo.stats import aggregate_seeds, question_test
from personageo.stats.bootstrap import draw_questions
from tests.analysis.synthetic import CONFIG, LAYERS, N_Q, build, vectors_for, write_store
from tests.stats.test_stats_bootstrap import loop_m1

B = 60


def config(**analysis) -> dict:
    cfg = copy.deepcopy(CONFIG)
    cfg["analysis"].update({"intervals": {"n_resamples": B, "level": 0.9}, **analysis})
    return cfg


def single_seed() -> dict:
    cfg = config()
    cfg["conditions"][1]["training"]["seeds"] = [1]
    cfg["analysis"]["verdict"] = {"voting_lr": 2e-5, "min_votes": 2}
    return cfg


@pytest.fixture(scope="module")
def one_seed(tmp_path_factory):
    """One single-seed analysis, shared by the tests that only read it."""
    root = tmp_path_factory.mktemp("one_seed")
    cfg, _ = build(root, single_seed())
    return analyze(cfg, root=root)


def test_intervals_are_percentiles_of_a_brute_force_bootstrap(one_seed):
    run = one_seed
    assert (run.intervals.method, run.intervals.outer_level) == (
        "question_bootstrap_percentile", None)
    assert (run.intervals.level, run.intervals.n_resamples) == (0.9, B)
    li, layer = 1, LAYERS[1]
    rng = np.random.default_rng(stream_seed(42, f"bootstrap:A:L{layer}"))
    idx = draw_questions(rng, B, N_Q)
    base = vectors_for(0.0, 0)[:, :, li, :].astype(np.float64)
    post = vectors_for(1.6, 0)[:, :, li, :].astype(np.float64)
    lora = vectors_for(0.8, 0)[:, :, li, :].astype(np.float64)
    rb = np.array([loop_m1(base, row) for row in idx])
    rp = np.array([loop_m1(post, row) for row in idx])
    rl = np.array([loop_m1(lora, row) for row in idx])
    q = [0.05, 0.95]
    meas = {m.id: m for m in run.measurements}
    assert (meas[f"base/A/L{layer}/M1"].ci.low, meas[f"base/A/L{layer}/M1"].ci.high) == \
        pytest.approx(np.quantile(rb, q), abs=1e-9)
    cell = {c.id: c for c in run.cells}[f"M1_A_L{layer}_full_em-s1"]
    assert (cell.ci.low, cell.ci.high) == pytest.approx(np.quantile(rp - rb, q), abs=1e-9)
    cmp = {c.cell: c for c in run.comparisons}[cell.id]
    assert (cmp.difference_ci.low, cmp.difference_ci.high) == pytest.approx(
        np.quantile(rp - rl, q), abs=1e-9)
    assert (cmp.ratio_ci.low, cmp.ratio_ci.high) == pytest.approx(
        np.quantile((rp - rb) / (rl - rb), q), abs=1e-9)


def test_difference_is_tested_directly_on_the_shared_base(one_seed):
    run = one_seed
    cells = {c.id: c for c in run.cells}
    for cmp in run.comparisons:
        assert cmp.same_base is True
        assert cmp.difference == pytest.approx(cmp.delta - cmp.baseline_delta, abs=1e-12)
        cell = cells[cmp.cell]
        li = LAYERS.index(cell.layer)
        seed = 0 if cell.method == "A" else 1
        direct = question_test(vectors_for(0.8, seed)[:, :, li, :],
                               vectors_for(1.6, seed)[:, :, li, :], n_perm=199,
                               alternative="two-sided",
                               seed=stream_seed(42, f"difference:{cmp.cell}"))
        assert cmp.difference_test.p == direct.p and cmp.difference_test.b == direct.b
        assert direct.statistic == pytest.approx(cmp.difference, abs=1e-6)
        assert cmp.difference_p_adjusted >= cmp.difference_test.p
    assert check_semantics(run) == []


def test_a_baseline_delta_indistinguishable_from_zero_gives_no_ratio(tmp_path):
    cfg, _ = build(tmp_path, single_seed())
    # the baseline: the base shifted along the shared direction by a per-question amount that
    # averages to nearly 0 (+0.01), so its delta is small and its interval straddles 0
    shift = np.random.default_rng(9).normal(scale=0.5, size=N_Q)
    shift += 0.01 - shift.mean()
    for method, seed in (("A", 0), ("B", 1)):
        v = vectors_for(0.0, seed) + shift[None, :, None, None].astype(np.float32)
        write_store(tmp_path, "lora_em-s1", method, v)
    run = analyze(cfg, root=tmp_path)
    for cmp in run.comparisons:
        assert cmp.ratio is None and cmp.ratio_ci is None
        assert "not distinguishable from 0" in cmp.ratio_undefined
        assert cmp.vote == "abstain"
    assert {v.result for v in run.verdicts} == {"undetermined"}
    exact = analyze(type(cfg).model_validate(
        {**cfg.model_dump(), "analysis": {**cfg.analysis.model_dump(),
                                           "exact_reproduction": True}}), root=tmp_path)
    for cmp in exact.comparisons:  # the original divides whatever the baseline delta
        assert cmp.ratio == pytest.approx(cmp.delta / cmp.baseline_delta)
        assert cmp.ratio_undefined is None and cmp.vote is None
    assert {v.rule.name for v in exact.verdicts} == {"ratio_vote"}
    assert {v.result for v in exact.verdicts} <= {"H1", "H2", "H3"}


def test_clear_layers_vote_and_the_verdict_follows(one_seed):
    # pulls 1.6 vs 0.8: the full delta is about twice the baseline's on every layer
    for v in one_seed.verdicts:
        assert v.votes_low == 0
        assert v.votes_high + v.votes_mid + v.abstentions == len(LAYERS)


def test_duplicated_questions_are_merged_and_recorded(tmp_path):
    cfg, _ = build(tmp_path, single_seed())
    lines = [json.dumps({"id": i, "question": f"Question {min(i, 6)}?"}) for i in range(N_Q)]
    (tmp_path / "data/questions.jsonl").write_text("\n".join(lines) + "\n")
    run = analyze(cfg, root=tmp_path)
    assert [(m.kept, m.ids) for m in run.design.questions.merged] == [(6, [6, 7])]
    assert {m.n_questions for m in run.measurements} == {N_Q - 1}
    v = vectors_for(0.0, 0)[:, :, 0, :].astype(np.float64)
    merged = np.concatenate([v[:, :6], v[:, 6:].mean(axis=1, keepdims=True)], axis=1)
    got = {m.id: m.value for m in run.measurements}["base/A/L0/M1"]
    assert got == pytest.approx(loop_m1(merged, range(7)), abs=1e-9)


def test_seeds_combine_into_one_estimate_interval_test_and_verdict(tmp_path):
    cfg, _ = build(tmp_path, config(verdict={"voting_lr": 2e-5, "min_votes": 2}))
    run = analyze(cfg, root=tmp_path)
    assert (run.intervals.method, run.intervals.outer_level) == (
        "question_bootstrap_percentile", "seed")
    cells = {c.id: c for c in run.cells}
    full = [a for a in run.aggregates if a.condition == "full_em"]
    assert len(full) == 2 * len(LAYERS)
    for a in full:
        deltas = [cells[c].delta for c in a.cells]
        ref = aggregate_seeds(deltas, level=0.9)
        assert (a.ci.low, a.ci.high) == pytest.approx(ref.ci)
        assert a.test.p == pytest.approx(ref.p) and a.test.df == 1
        assert a.bootstrap_ci.low <= a.bootstrap_ci.high
        assert a.comparison.difference == pytest.approx(a.mean - a.comparison.baseline_delta)
    verdicts = [v for v in run.verdicts if v.group == "em"]
    assert len(verdicts) == 2  # one per method, not one per seed
    for v in verdicts:
        assert sorted(v.aggregates) == sorted(a.id for a in full if a.method == v.method)
    # per-seed results stay in the file
    posts = {cells[c.cell].post.split("/")[0] for c in run.comparisons}
    assert posts == {"full_em-s1", "full_em-s2"}
    out = tmp_path / "r.json"
    save_run_result(run, out)
    assert load_run_result(out) == run


@pytest.mark.parametrize("seeds", [[1], [1, 2]])
def test_verify_recounts_interval_verdicts_and_accepts_undefined_ratios(tmp_path, seeds):
    from click.testing import CliRunner

    from personageo.cli.main import cli

    cfg_dict = single_seed()
    cfg_dict["conditions"][1]["training"]["seeds"] = seeds
    cfg, _ = build(tmp_path, cfg_dict)
    run = analyze(cfg, root=tmp_path)
    out = tmp_path / "r.json"
    save_run_result(run, out)
    res = CliRunner().invoke(cli, ["verify", str(out), "--format", "json"])
    codes = {f["code"] for f in json.loads(res.output)["findings"]}
    assert not codes & {"V303", "V401", "V402", "V404"}, res.output
    # a tampered vote count is caught
    doc = json.loads(out.read_text())
    doc["verdicts"][0]["abstentions"] += 1
    doc["verdicts"][0]["votes_mid"] = max(0, doc["verdicts"][0]["votes_mid"] - 1)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    res = CliRunner().invoke(cli, ["verify", str(bad), "--format", "json"])
    assert "V401" in {f["code"] for f in json.loads(res.output)["findings"]}


def test_without_resamples_there_are_no_intervals_and_every_layer_abstains(tmp_path):
    cfg_dict = single_seed()
    cfg_dict["analysis"]["intervals"] = {"n_resamples": 0}
    cfg, _ = build(tmp_path, cfg_dict)
    run = analyze(cfg, root=tmp_path)
    assert run.intervals is None
    assert all(m.ci is None for m in run.measurements) and all(c.ci is None for c in run.cells)
    # the baseline's own test decides whether its delta may divide; no interval -> no vote
    for cmp in run.comparisons:
        assert cmp.ratio_ci is None and cmp.vote == "abstain"
        assert cmp.difference_test is not None
    assert {v.result for v in run.verdicts} == {"undetermined"}


def test_exact_reproduction_keeps_duplicated_questions(tmp_path):
    cfg_dict = single_seed()
    cfg_dict["analysis"]["exact_reproduction"] = True
    cfg, _ = build(tmp_path, cfg_dict)
    lines = [json.dumps({"id": i, "question": f"Question {min(i, 6)}?"}) for i in range(N_Q)]
    (tmp_path / "data/questions.jsonl").write_text("\n".join(lines) + "\n")
    run = analyze(cfg, root=tmp_path)
    assert run.design.questions.merged == []
    assert {m.n_questions for m in run.measurements} == {N_Q}
    assert all(c.test.kind == "pair_signflip" for c in run.cells)
