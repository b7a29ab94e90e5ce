"""Each planted inconsistency gives exactly the expected finding code at the expected pointer."""

from __future__ import annotations

import pytest

from personageo.verify import CODES, verify_run
from tests.builders import as_run, hand_checked, hand_checked_baseline


def findings(d: dict, **kw) -> list[tuple[str, str]]:
    result = verify_run(as_run(d), path="r.json", **kw)
    return [(f.code, f.pointer) for f in result.findings]


def cell(d: dict, cid: str) -> dict:
    return next(c for c in d["cells"] if c["id"] == cid)


def test_clean_run_has_no_findings():
    assert findings(hand_checked()) == []
    assert findings(hand_checked(), baseline=as_run(hand_checked_baseline())) == []


def test_every_code_has_a_known_severity_and_unique_name():
    assert len({c.name for c in CODES.values()}) == len(CODES)
    assert {c.severity for c in CODES.values()} <= {"error", "warning", "info"}


# ------------------------------------------------------------------ V1xx tests and p-values
def test_v101_p_below_floor_replaces_the_schema_issue():
    d = hand_checked()
    cell(d, "c1")["test"].update(p=0.0, b=None)
    cell(d, "c1")["p_adjusted"] = 0.0  # BH of (0, 0.01, 0.1) keeps 0
    assert findings(d) == [("V101", "/cells/c1/test/p"), ("V503", "/cells/c1/test/b")]


def test_v101_also_under_b_over_n():
    d = hand_checked()
    cell(d, "c1")["test"].update(p=0.0, b=0, p_convention="b_over_n")
    cell(d, "c1")["p_adjusted"] = 0.0
    got = findings(d)
    assert ("V101", "/cells/c1/test/p") in got
    assert not any(code == "V001" for code, _ in got)


def test_v102_b_over_n_convention_above_floor():
    d = hand_checked()
    cell(d, "c3")["test"].update(b=100, p=0.1001001001001001, p_convention="b_over_n")
    cell(d, "c3")["p_adjusted"] = 0.1001001001001001
    assert findings(d) == [("V102", "/cells/c3/test/p")]


def test_v103_p_does_not_follow_from_b():
    d = hand_checked()
    cell(d, "c3")["test"]["b"] = 98
    assert findings(d) == [("V103", "/cells/c3/test/p")]


def test_v104_b_exceeds_n_perm():
    d = hand_checked()
    cell(d, "c3")["test"].update(b=1000, p=1.0)
    d["cells"][2]["p_adjusted"] = 1.0
    got = findings(d)
    assert ("V104", "/cells/c3/test/b") in got


def test_v105_significance_changes_with_valid_p():
    d = hand_checked()
    d["families"][0].update(alpha=0.01, reject_rule="lt")
    for cid in ("c1", "c2", "c3"):
        cell(d, cid).update(p_adjusted=0.0, significant=True)
        cell(d, cid)["test"].update(b=0, p=0.0, n_perm=99, p_convention="b_over_n")
    got = findings(d)
    # valid p = 1/100 for all three; BH keeps 0.01, which is not < 0.01
    assert [x for x in got if x[0] == "V105"] == [
        ("V105", "/cells/c1/significant"), ("V105", "/cells/c2/significant"),
        ("V105", "/cells/c3/significant")]
    assert [x for x in got if x[0] == "V101"] == [
        ("V101", f"/cells/c{i}/test/p") for i in (1, 2, 3)]


# ------------------------------------------------------------------ V2xx families
def test_v201_adjusted_p_does_not_follow():
    d = hand_checked()
    cell(d, "c2")["p_adjusted"] = 0.02
    assert findings(d) == [("V201", "/cells/c2/p_adjusted")]


def test_v201_detects_running_max_declared_as_bh():
    d = hand_checked()
    for cid, (p, adj) in zip(("c1", "c2"), ((0.010, 0.020), (0.011, 0.020)), strict=True):
        c = cell(d, cid)
        c["test"].update(b=None, p=p)
        c["p_adjusted"], c["significant"] = adj, True
    cell(d, "c3")["p_adjusted"] = 0.1
    got = [x for x in findings(d) if x[0] == "V201"]
    assert got == [("V201", "/cells/c1/p_adjusted"), ("V201", "/cells/c2/p_adjusted")]


def test_v202_significance_flag_does_not_follow():
    d = hand_checked()
    cell(d, "c3")["significant"] = True
    assert findings(d) == [("V202", "/cells/c3/significant")]


def test_v203_recorded_holm_does_not_follow():
    d = hand_checked()
    holm = {"c1": 0.003, "c2": 0.02, "c3": 0.1}  # Holm of 0.001, 0.01, 0.1 -> .003, .02, .1
    for cid, p in holm.items():
        cell(d, cid)["extra"] = {"p_holm": p, "sig_holm": p <= 0.05}
    assert findings(d) == []
    cell(d, "c2")["extra"]["p_holm"] = 0.03
    cell(d, "c3")["extra"]["sig_holm"] = True
    assert findings(d) == [("V203", "/cells/c2/extra/p_holm"), ("V203", "/cells/c3/extra/sig_holm")]


def test_v204_running_max_family_reports_what_standard_bh_changes():
    d = hand_checked()
    d["families"][0]["correction"] = "bh_running_max"
    # running max over 0.001, 0.01, 0.1 (x3 / rank) = 0.003, 0.015, 0.1: same as BH here
    result = verify_run(as_run(d))
    [f] = result.findings
    assert (f.code, f.pointer) == ("V204", "/families/F/correction")
    assert "changes 0 of 3 adjusted p-values" in f.message


def test_v205_family_mixing_metrics():
    d = hand_checked()
    d["measurements"] += [
        {"id": f"{ck}/A/L3/M2", "checkpoint": ck, "method": "A", "layer": 3, "metric": "M2",
         "value": v} for ck, v in (("base", 1.0), ("full", 1.125))]
    c3 = cell(d, "c3")
    c3.update(metric="M2", base="base/A/L3/M2", post="full/A/L3/M2")
    d["comparisons"], d["verdicts"] = d["comparisons"][:2], []
    assert findings(d) == [("V205", "/families/F/members")]


# ------------------------------------------------------------------ V3xx deltas, comparisons
def test_v301_delta_is_not_post_minus_base():
    d = hand_checked()
    cell(d, "c3")["delta"] = 0.126
    got = findings(d)
    assert ("V301", "/cells/c3/delta") in got
    assert ("V302", "/comparisons/x3/delta") in got  # the comparison now disagrees too
    assert not any(code == "V001" for code, _ in got)


def test_v302_v303_comparison_delta_and_ratio():
    d = hand_checked()
    d["comparisons"][0]["delta"] = 0.3
    d["comparisons"][0]["ratio"] = 0.3 / 0.125
    d["comparisons"][1]["ratio"] = 1.7
    # both changed ratios stay > 1.5, so the verdict still follows
    assert findings(d) == [("V302", "/comparisons/x1/delta"), ("V303", "/comparisons/x2/ratio")]


def test_v303_ratio_with_zero_baseline_delta():
    d = hand_checked()
    d["comparisons"][2].update(baseline_delta=0.0, ratio=1.0)
    assert findings(d)[0] == ("V303", "/comparisons/x3/ratio")


def test_v304_in_file_base_value_differs():
    d = hand_checked()
    d["comparisons"][1]["baseline"]["base_value"] = 0.26
    assert findings(d) == [("V304", "/comparisons/x2/baseline/base_value")]


def test_v304_in_file_base_measurement_differs():
    d = hand_checked()
    d["measurements"].append({"id": "base2/A/L2/M1", "checkpoint": "base", "method": "A",
                              "layer": 2, "metric": "M1", "value": 0.3})
    d["comparisons"][1]["baseline"] = {"base_measurement": "base2/A/L2/M1"}
    got = findings(d)
    assert ("V304", "/comparisons/x2/baseline/base_measurement") in got
    assert ("V311", "/measurements/base2~1A~1L2~1M1/value") in got


def test_v305_base_of_baseline_not_recorded():
    d = hand_checked()
    for c in d["comparisons"][1:]:
        c["baseline"].update(base_measurement=None, base_value=None)
    result = verify_run(as_run(d))
    [f] = result.findings
    assert (f.code, f.pointer) == ("V305", "/comparisons/x2/baseline/base_measurement")
    assert "in 2 of 3 records" in f.message


def test_v313_seed_aggregate():
    d = hand_checked()
    d["aggregates"] = [{"id": "g", "condition": "full", "method": "A", "layer": 1,
                        "metric": "M1", "cells": ["c1", "c2"], "n": 2, "mean": 0.25,
                        "sd": 0.0}]
    assert findings(d) == []
    d["aggregates"][0]["mean"] = 0.3
    assert findings(d) == [("V313", "/aggregates/g/mean")]


# ------------------------------------------------------------------ across two files
def test_v308_deltas_from_different_base_extractions():
    d, other = hand_checked(), hand_checked_baseline()
    for c in d["comparisons"]:
        c["baseline"].update(base_measurement=None, base_value=None)
    for m in other["measurements"]:
        if m["id"] == "base/A/L2/M1":
            m["value"] = 0.2  # the baseline's own base extraction differs at layer 2
    lora2 = next(c for c in other["cells"] if c["id"] == "lora2")
    lora2["delta"] = other["measurements"][4]["value"] - 0.2
    d["comparisons"][1]["baseline_delta"] = lora2["delta"]
    d["comparisons"][1]["ratio"] = 0.25 / lora2["delta"]
    d["verdicts"][0].update(votes_high=1, result="H2")
    result = verify_run(as_run(d), baseline=as_run(other), baseline_path="b.json")
    assert [(f.code, f.pointer) for f in result.findings] == [
        ("V308", "/comparisons/x2/baseline"), ("V315", "/comparisons"),
        ("V315", "/verdicts/v")]
    assert "0.25" in result.findings[0].message and "0.2 " in result.findings[0].message
    # rebased onto this file's base 0.25, the layer-2 baseline delta is LORA[2] again: ratio
    # 0.25 / 0.13889 = 1.8 > 1.5, so 2 of 3 ratios are high (1 before) and the verdict is H3
    assert "ratio > 1.5 goes from 1/3 to 2/3" in result.findings[1].message
    assert "becomes H3 with 0 low, 2 high votes" in result.findings[2].message


def test_v306_v307_v312_baseline_cell_missing_delta_differs_source_wrong():
    d = hand_checked()
    d["comparisons"][0]["baseline"]["cell"] = "nope"
    d["comparisons"][1]["baseline_delta"] = 0.125
    d["comparisons"][1]["ratio"] = 2.0
    d["comparisons"][2]["baseline"]["source"] = "issue_10"
    got = findings(d, baseline=as_run(hand_checked_baseline()))
    assert got == [("V306", "/comparisons/x1/baseline/cell"),
                   ("V307", "/comparisons/x2/baseline_delta"),
                   ("V312", "/comparisons/x3/baseline/source")]


def test_v309_v310_baseline_without_base_and_other_personas():
    other = hand_checked_baseline()
    other["design"]["personas"] = [{"name": n} for n in ("a", "b", "z")]
    for c in other["cells"]:
        c["base"] = c["post"] = None
    got = findings(hand_checked(), baseline=as_run(other))
    assert got == [("V310", "/design/personas"), ("V309", "/comparisons/x1/baseline/cell")]


# ------------------------------------------------------------------ V4xx verdicts
def test_v401_v402_votes_and_result():
    d = hand_checked()
    d["verdicts"][0].update(votes_low=1, result="H2")
    assert findings(d) == [("V401", "/verdicts/v/votes_low"), ("V402", "/verdicts/v/result")]


def test_v403_comparisons_of_another_method_or_repeated_layer():
    d = hand_checked()
    d["verdicts"][0]["method"] = "B"
    d["design"]["methods"].append({"id": "B", "token_rule": "mean_answer_tokens"})
    d["verdicts"][0]["comparisons"] = ["x1", "x1"]
    d["verdicts"][0].update(votes_high=2, rule={"low": 0.5, "high": 1.5, "min_votes": 2})
    got = findings(d)
    assert got.count(("V403", "/verdicts/v/comparisons")) == 3  # 2 x method + repeated layer


def test_v404_rule_that_cannot_decide():
    d = hand_checked()
    d["verdicts"][0]["rule"]["min_votes"] = 1
    assert findings(d) == [("V404", "/verdicts/v/rule")]


def test_v405_voting_comparison_without_ratio():
    d = hand_checked()
    d["comparisons"][2].update(baseline_delta=0.0, ratio=None)
    assert findings(d) == [("V405", "/verdicts/v/comparisons")]


# ------------------------------------------------------------------ V5xx provenance, V001
@pytest.mark.parametrize("edit, expected", [
    (lambda d: d["provenance"]["packages"].pop("torch"), ("V501", "/provenance/packages")),
    (lambda d: d["provenance"].update(cuda=None), ("V507", "/provenance")),
    (lambda d: d["cells"][1]["test"].update(alternative=None),
     ("V502", "/cells/c2/test/alternative")),
    (lambda d: d["design"].update(questions={}), ("V508", "/design/questions")),
    (lambda d: d["design"]["questions"].update(distinct_count=2),
     ("V605", "/design/questions/distinct_count")),
    (lambda d: d["provenance"].update(unknown=["design.questions"]),
     ("V506", "/provenance/unknown")),
    (lambda d: d["provenance"].update(documented={"families.correction": "docs"}),
     ("V504", "/families/F/correction")),
    (lambda d: d["provenance"].update(documented={"cells.test.kind": "docs"}),
     ("V505", "/provenance/documented")),
])
def test_missing_provenance(edit, expected):
    d = hand_checked()
    edit(d)
    assert findings(d) == [expected]


def test_v001_semantic_issue_at_record_path():
    d = hand_checked()
    cell(d, "c2")["post"] = "missing"
    assert findings(d) == [("V001", "/cells/c2/post")]
