import json

import numpy as np
import pytest
from click.testing import CliRunner

from personageo.analysis import analyze
from personageo.cli.main import cli
from personageo.schema import check_semantics, load_run_result
from tests.analysis.synthetic import CONFIG, LAYERS, PULLS, build, vectors_for


def brute_m1(vectors: np.ndarray) -> float:
    """Mean over persona pairs i<j of the cosine of question-mean centroids, by loops."""
    c = vectors.astype(np.float64).mean(axis=1)
    vals = []
    for i in range(len(c)):
        for j in range(i + 1, len(c)):
            vals.append(c[i] @ c[j] / np.linalg.norm(c[i]) / np.linalg.norm(c[j]))
    return float(np.mean(vals))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One analysis of the synthetic stores, shared by the tests that only read it."""
    root = tmp_path_factory.mktemp("analyzed")
    cfg, path = build(root)
    return analyze(cfg, root=root, config_path=str(path))


def test_measurements_match_brute_force(run):
    got = {m.id: m.value for m in run.measurements}
    for ck, pull in PULLS.items():
        for method, seed in (("A", 0), ("B", 1)):
            vec = vectors_for(pull, seed)
            for li, layer in enumerate(LAYERS):
                assert got[f"{ck}/{method}/L{layer}/M1"] == pytest.approx(
                    brute_m1(vec[:, :, li, :]), abs=1e-6)


def test_cells_tests_and_family_are_consistent(run):
    assert check_semantics(run) == []
    assert len(run.cells) == 3 * 2 * 2  # 3 trained checkpoints x 2 methods x 2 layers
    for cell in run.cells:
        assert cell.delta > 0  # the synthetic pull raises M1
        assert cell.test.kind == "question" and cell.test.p_convention == "plus_one"
        assert cell.test.p >= 1 / (cell.test.n_perm + 1)
    fam = run.families[0]
    assert sorted(fam.members) == sorted(c.id for c in run.cells)


def test_comparisons_use_the_same_base_and_the_baseline_cell(run):
    cells = {c.id: c for c in run.cells}
    assert len(run.comparisons) == 2 * 2 * 2  # full_em x 2 seeds x 2 methods x 2 layers
    for cmp in run.comparisons:
        mine, theirs = cells[cmp.cell], cells[cmp.baseline.cell]
        assert theirs.condition == "lora_em"
        assert cmp.baseline.base_measurement == mine.base
        assert cmp.ratio == pytest.approx(mine.delta / theirs.delta)


def test_verdicts_vote_per_layer_from_ratio_intervals(run):
    """Outside exact reproduction: full_em has 2 seeds, so its seeds are combined and each
    layer's combined ratio interval votes (or abstains)."""
    from personageo.stats.verdicts import interval_vote

    assert run.verdicts, "full_em votes at lr 2e-5"
    aggs = {a.id: a for a in run.aggregates}
    for v in run.verdicts:
        assert v.rule.name == "ratio_interval_vote" and v.comparisons == []
        votes = []
        for aid in v.aggregates:
            cmp = aggs[aid].comparison
            ci = None if cmp.ratio_ci is None else (cmp.ratio_ci.low, cmp.ratio_ci.high)
            votes.append(interval_vote(ci, low=v.rule.low, high=v.rule.high))
            assert cmp.vote == votes[-1]
        assert v.votes_high == votes.count("high") and v.votes_low == votes.count("low")
        assert v.votes_mid == votes.count("mid") and v.abstentions == votes.count("abstain")


def test_seed_aggregates(run):
    aggs = {a.id: a for a in run.aggregates}
    cells = {c.id: c for c in run.cells}
    a = aggs["agg_A_L0_full_em"]
    deltas = [cells[c].delta for c in a.cells]
    assert a.n == 2 and a.mean == pytest.approx(np.mean(deltas))
    assert a.sd == pytest.approx(np.std(deltas, ddof=1))


def test_samples_come_from_stored_answers(run):
    assert run.samples
    for s in run.samples:
        assert s.answer == f"Answer of {s.persona} to {s.question_id}."


def test_provenance_records_versions_and_hash(run):
    p = run.provenance
    assert p.personageo_version and p.config_hash and len(p.config_hash) == 64
    assert "numpy" in p.packages and p.packages["numpy"]


@pytest.mark.parametrize("device, gpus", [("cpu", []), ("cuda", None), (None, None)])
def test_extraction_device_tells_a_cpu_run(tmp_path, device, gpus):
    cfg, path = build(tmp_path, device=device)
    run = analyze(cfg, root=tmp_path, config_path=str(path))
    assert run.provenance.hardware.gpus == gpus
    from personageo.verify import verify_run

    asked = " ".join(f.message for f in verify_run(run).findings if f.code in ("V501", "V507"))
    if device == "cpu":
        assert "cuda" not in asked  # no CUDA asked of a CPU run


def test_cli_writes_atomically_and_refuses_to_overwrite(tmp_path):
    cfg, path = build(tmp_path)
    runner = CliRunner()
    out = tmp_path / "r.json"
    res = runner.invoke(cli, ["analyze", str(path), "--root", str(tmp_path), "-o", str(out)])
    assert res.exit_code == 0, res.output
    first = load_run_result(out)
    assert len(first.cells) == 12
    # a changed config (different alpha) must not silently replace the file
    changed = dict(CONFIG, analysis={"n_perm": 199, "alpha": 0.01})
    import yaml
    path.write_text(yaml.safe_dump(changed))
    res = runner.invoke(cli, ["analyze", str(path), "--root", str(tmp_path), "-o", str(out)])
    assert res.exit_code != 0 and "overwrite" in str(res.exception)
    assert json.loads(out.read_text())["families"][0]["alpha"] == 0.05


def test_missing_store_is_a_clear_error(tmp_path):
    cfg, path = build(tmp_path)
    import shutil
    shutil.rmtree(tmp_path / "activations" / "full_em-s2")
    from personageo.errors import InputError
    with pytest.raises(InputError, match="manifest"):
        analyze(cfg, root=tmp_path)
