"""Legacy import: layout detection, exact field mapping, nothing invented, nothing lost."""

from __future__ import annotations

import copy
import json

import pytest

from personageo.errors import InputError
from personageo.schema import check_semantics, load_run_result, parse_run_result
from personageo.schema.legacy import detect_layout, import_legacy, recover_b
from personageo.schema.paths import iter_numbers


def mini_238() -> dict:
    """Smallest issue-238-layout file: one condition, one method, one layer."""
    cell = {"metric": "M1_cos_collapse", "method": "A", "layer": 7, "condition": "full_em_lr2e5",
            "data_type": "em", "lr": 2e-05, "training_method": "full_parameter",
            "base_mean": 0.75, "post_mean": 0.875, "delta_mean_offdiag": 0.125, "p_raw": 0.0,
            "family": "fam", "p_bh_fdr": 0.0, "sig_bh_fdr": True}
    cross = {"metric": "fullparam_vs_lora_delta", "method": "A", "layer": 7,
             "condition": "full_em_lr2e5", "data_type": "em", "lr": 2e-05,
             "delta_full": 0.12500000000000003, "delta_lora": 0.0625, "delta_ratio": 2.0000000000000004}
    return {
        "issue": 238, "experiment": "x", "git_commit": "abc", "timestamp": "2026-05-06T04:16:10",
        "seed": 42, "wall_time_seconds": 1.5, "base_model": "Qwen/Qwen2.5-7B-Instruct",
        "eval_personas": ["a", "b"], "layers": [7], "methods": ["A"], "n_permutations": 10000,
        "fdr_alpha": 0.01, "full_param_conditions": ["full_em_lr2e5"],
        "lora_baseline_source": "issue_205", "lora_baseline_map": {"em": "E0_assistant"},
        "base_m1": {"MA_L7": 0.75},
        "results": {"M1_A_L7_full_em_lr2e5": cell, "cross_A_L7_full_em_lr2e5_vs_lora": cross},
        "delta_ratios": {"ratio_A_L7_em_2e5": {"method": "A", "layer": 7, "data_type": "em",
                                               "lr": 2e-05, "delta_full": 0.125,
                                               "delta_lora": 0.0625, "ratio": 2.0}},
        "hypothesis_verdicts": {"verdict_A_em": {
            "method": "A", "data_type": "em", "verdict": "H3", "description": "Full-param worse",
            "h1_layers": 0, "h3_layers": 1, "total_layers": 1}},
        "weight_delta_norms": {"full_em_lr2e5": {"global_l2": 19.5, "per_layer": {"7": 3.25}}},
        "lora_deltas_from_205": {"MA_L7_em": 0.0625},
    }


def mini_205() -> dict:
    common = {"method": "A", "layer": 7, "p_raw": 0.0, "p_bh_fdr": 0.0, "p_holm": 0.0,
              "sig_bh_fdr": True, "sig_holm": True}
    return {
        "issue": 205, "experiment": "y", "git_commit": "def", "seed": 42,
        "wall_time_seconds": 3.0, "em_conditions": ["E0_assistant"], "eval_personas": ["a"],
        "layers": [7], "methods": ["A"], "n_permutations": 10000, "fdr_alpha": 0.01,
        "cos_to_assistant": {"E0_assistant": 1.0},
        "results": {
            "M1_A_L7_E0_assistant": {**common, "metric": "M1_cos_collapse",
                                     "condition": "E0_assistant", "base_mean": 0.5,
                                     "em_mean": 0.625, "delta_mean_offdiag": 0.125,
                                     "ci_95": [0.6, 0.65], "family": "geometry_em_pre_post"},
            "M1_A_L7_benign_sft_375": {**common, "metric": "M1_cos_collapse",
                                       "condition": "benign_sft_375",
                                       "delta_mean_offdiag": 0.0375,
                                       "family": "geometry_benign_pre_post"},
            "M1_A_L7_E0_assistant_vs_benign": {**common, "metric": "M1_em_vs_benign",
                                               "condition": "E0_assistant", "p_raw": 0.28,
                                               "p_bh_fdr": 0.28, "p_holm": 0.28,
                                               "sig_bh_fdr": False, "sig_holm": False,
                                               "family": "geometry_em_vs_benign"},
            "M2_primary_A_L7_E0_assistant": {**common, "metric": "M2_em_axis_projection",
                                             "variant": "primary", "condition": "E0_assistant",
                                             "obs_delta": 0.5, "family": "geometry_em_pre_post"},
            "M3_A_L7_E0_assistant": {**common, "metric": "M3_separability",
                                     "condition": "E0_assistant", "acc_base": 0.0,
                                     "acc_em": 0.0, "delta_acc": 0.0, "p_raw": 1.0,
                                     "p_bh_fdr": 1.0, "p_holm": 1.0, "sig_bh_fdr": False,
                                     "sig_holm": False, "family": "geometry_em_pre_post"},
            "H2": {"metric": "H2_induction_invariant", "means": {"E0_assistant": 0.45},
                   "range_pp": 8.03, "p_raw": 0.0028},
        },
    }


def numbers_preserved(legacy: dict, run) -> list[tuple[str, float]]:
    """Legacy (path, value) pairs whose value occurs nowhere in the imported run."""
    have = {v for _, v in iter_numbers(run.model_dump(mode="json"))}
    return [(p, v) for p, v in iter_numbers(legacy) if v not in have]


# ---------------------------------------------------------------- detection and errors
def test_detects_both_layouts():
    assert detect_layout(mini_238()) == "issue_238"
    assert detect_layout(mini_205()) == "issue_205"


def test_unknown_shape_names_file_and_expected_keys():
    with pytest.raises(InputError) as exc:
        import_legacy({"results": {}, "layers": [7]}, path="odd.json")
    text = str(exc.value)
    assert text.startswith("odd.json#: ")
    assert "base_m1" in text and "em_conditions" in text


def test_bad_value_reports_json_pointer():
    obj = mini_238()
    obj["results"]["M1_A_L7_full_em_lr2e5"]["p_raw"] = "0"
    with pytest.raises(InputError) as exc:
        import_legacy(obj, path="r.json")
    assert exc.value.location.pointer == "/results/M1_A_L7_full_em_lr2e5/p_raw"
    assert "expected int or float" in exc.value.message


def test_recover_b_only_when_exact():
    assert recover_b(0.0, 10000) == 0
    assert recover_b(0.0036, 10000) == 36
    assert recover_b(0.28, 10000) == 2800
    assert recover_b(1 / 3, 10000) is None


# ---------------------------------------------------------------- issue-238 layout
def test_238_mapping_is_exact():
    run = import_legacy(mini_238(), path="r.json")
    assert check_semantics(run) == []
    cell = run.cells[0]
    assert (cell.id, cell.base, cell.post) == (
        "M1_A_L7_full_em_lr2e5", "base/A/L7/M1", "full_em_lr2e5/A/L7/M1")
    assert cell.delta == 0.125 and cell.metric == "M1"
    t = cell.test
    assert (t.kind, t.alternative, t.n_perm, t.seed, t.b, t.p, t.p_convention) == (
        "pair_signflip", None, 10000, 42, 0, 0.0, "b_over_n")
    fam = run.families[0]
    assert (fam.correction, fam.alpha, fam.reject_rule, fam.members) == (
        "bh_running_max", 0.01, "lt", ["M1_A_L7_full_em_lr2e5"])
    cond = run.design.conditions[0]
    assert (cond.training.method, cond.training.lr, cond.training.steps,
            cond.training.seeds, cond.data.data_type) == ("full", 2e-05, None, [42], "em")
    cmp = run.comparisons[0]
    assert cmp.id == "cross_A_L7_full_em_lr2e5_vs_lora" and cmp.cell == cell.id
    assert (cmp.delta, cmp.baseline_delta, cmp.ratio) == (0.125, 0.0625, 2.0)
    assert cmp.extra["cross_entry"]["delta_ratio"] == 2.0000000000000004
    assert cmp.baseline.cell == "M1_A_L7_E0_assistant" and cmp.baseline.source == "issue_205"
    assert cmp.baseline.base_measurement is None and cmp.baseline.base_value is None
    v = run.verdicts[0]
    assert (v.id, v.votes_low, v.votes_high, v.result, v.comparisons) == (
        "verdict_A_em", 0, 1, "H3", [cmp.id])
    assert run.weight_norms[0].per_block == {7: 3.25}
    assert run.legacy["top_level"]["timestamp"] == "2026-05-06T04:16:10"
    unknown = set(run.provenance.unknown)
    for name in ("design.conditions.training.steps", "cells.test.alternative",
                 "provenance.packages.torch", "comparisons.baseline.base_value"):
        assert name in unknown
    assert "families.correction" in run.provenance.documented
    assert run.provenance.packages["torch"] is None


def test_238_conflicting_base_value_is_kept_not_dropped():
    obj = mini_238()
    obj["base_m1"]["MA_L7"] = 0.7500001
    run = import_legacy(obj)
    values = {m.id: m.value for m in run.measurements}
    assert values["base/A/L7/M1"] == 0.75
    assert values["base/A/L7/M1@base_m1.MA_L7"] == 0.7500001
    assert any("0.7500001" in n for n in run.notes)


def test_p_zero_is_valid_only_under_b_over_n():
    run = import_legacy(mini_238())
    doc = run.model_dump(mode="json")
    doc["cells"][0]["test"]["p_convention"] = "plus_one"
    doc["cells"][0]["test"]["b"] = None
    with pytest.raises(InputError) as exc:
        parse_run_result(doc)
    assert "/cells/0/test/p" in str(exc.value) and "resolution floor" in str(exc.value)


@pytest.mark.parametrize("make", [mini_238, mini_205])
def test_minimal_imports_keep_every_number_and_round_trip(make):
    obj = make()
    run = import_legacy(copy.deepcopy(obj))
    assert numbers_preserved(obj, run) == []
    again = parse_run_result(json.loads(run.model_dump_json()))
    assert again == run


# ---------------------------------------------------------------- issue-205 layout
def test_205_mapping_of_each_cell_kind():
    run = import_legacy(mini_205())
    assert check_semantics(run) == []
    cells = {c.id: c for c in run.cells}
    em = cells["M1_A_L7_E0_assistant"]
    assert (em.base, em.post, em.delta, em.test.kind) == (
        "base/A/L7/M1", "E0_assistant/A/L7/M1", 0.125, "pair_signflip")
    assert em.extra == {"legacy_metric": "M1_cos_collapse", "ci_95": [0.6, 0.65],
                        "p_holm": 0.0, "sig_holm": True}
    benign = cells["M1_A_L7_benign_sft_375"]
    assert (benign.base, benign.post, benign.delta) == (None, None, 0.0375)
    vs = cells["M1_A_L7_E0_assistant_vs_benign"]
    assert (vs.metric, vs.delta, vs.test.kind, vs.test.b) == (
        "M1_em_vs_benign", None, "unknown", 2800)
    m2 = cells["M2_primary_A_L7_E0_assistant"]
    assert (m2.metric, m2.delta, m2.extra["variant"]) == ("M2", 0.5, "primary")
    m3 = cells["M3_A_L7_E0_assistant"]
    assert (m3.base, m3.post, m3.delta) == ("base/A/L7/M3", "E0_assistant/A/L7/M3", 0.0)
    conds = {c.id: c for c in run.design.conditions}
    assert conds["benign_sft_375"].data.data_type == "benign"
    assert conds["E0_assistant"].training.method == "unknown"
    assert run.design.base_model == "unknown" and "design.base_model" in run.provenance.unknown
    assert run.legacy["results"]["H2"]["range_pp"] == 8.03
    assert {f.id: f.members for f in run.families}["geometry_em_pre_post"] == [
        "M1_A_L7_E0_assistant", "M2_primary_A_L7_E0_assistant", "M3_A_L7_E0_assistant"]


# ---------------------------------------------------------------- the real files
@pytest.mark.parametrize("issue", [238, 205])
def test_real_files_import_losslessly(issue, reference_dir):
    path = reference_dir / f"issue_{issue}" / "run_result.json"
    legacy = json.loads(path.read_text())
    run = load_run_result(path)
    assert check_semantics(run) == []
    assert numbers_preserved(legacy, run) == []
    assert parse_run_result(json.loads(run.model_dump_json())) == run


def test_real_238_counts_and_key_values(r238):
    run = load_run_result(r238)
    assert (len(run.cells), len(run.comparisons), len(run.verdicts)) == (40, 40, 4)
    assert [c.id for c in run.design.conditions] == [
        "full_em_lr2e5", "full_benign_lr2e5", "full_em_lr1e4", "full_benign_lr1e4"]
    values = {m.id: m.value for m in run.measurements}
    assert values["base/A/L7/M1"] == 0.9812723723324862
    assert sum(c.test.p == 0.0 for c in run.cells) == 40
    v = {x.id: x for x in run.verdicts}["verdict_A_benign"]
    assert (v.votes_low, v.votes_high, v.result, len(v.comparisons)) == (0, 2, "H2", 5)
    assert all("lr2e5" in c for c in v.comparisons)


def test_real_205_counts(r205):
    run = load_run_result(r205)
    fam = {f.id: len(f.members) for f in run.families}
    assert fam == {"geometry_em_pre_post": 150, "geometry_benign_pre_post": 10,
                   "geometry_em_vs_benign": 50}
    assert len(run.legacy["results"]) == 60 + 4 + 1 + 1 + 1 + 1
    base = {m.id: m.value for m in run.measurements}["base/A/L7/M1"]
    assert base == 0.9874667525291443
