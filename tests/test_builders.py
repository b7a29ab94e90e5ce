"""The one run builder writes derived fields the one way the schema defines (checked here on
values computed by hand, not by the code under test)."""

from __future__ import annotations

import pytest

from tests.builders import hand_checked, perm_test, tiny, toy, two_lrs, with_post


@pytest.mark.parametrize("preset", [tiny, toy, two_lrs, hand_checked])
def test_every_preset_is_a_valid_consistent_run(preset):
    from personageo.schema import check_semantics, parse_run_result

    assert check_semantics(parse_run_result(preset())) == []


def test_plus_one_p_and_derived_cell_and_comparison():
    assert perm_test("question", 9, 999)["p"] == 0.01 and perm_test("persona", 0)["p"] == 0.001
    doc = hand_checked()
    c2 = next(c for c in doc["cells"] if c["id"] == "c2")
    assert (c2["layer"], c2["condition"], c2["delta"]) == (2, "full", 0.25)  # 0.5 - 0.25
    x1 = next(x for x in doc["comparisons"] if x["id"] == "x1")
    assert (x1["delta"], x1["ratio"]) == (0.25, 2.0)  # 0.25 / 0.125
    assert doc["families"][0]["members"] == ["c1", "c2", "c3"]
    [v] = doc["verdicts"]  # ratios 2.0, 1.8, 1.0: two above 1.5, min_votes 2
    assert (v["votes_low"], v["votes_high"], v["result"]) == (0, 2, "H3")


def test_with_post_follows_one_change_through_and_leaves_other_verdicts():
    doc = with_post(toy(), "full_em_lr2e5/A/L20", 0.90)  # delta 0.90 - 0.875 = 0.025
    cell = next(c for c in doc["cells"] if c["post"] == "full_em_lr2e5/A/L20")
    cmp = next(x for x in doc["comparisons"] if x["cell"] == cell["id"])
    assert cell["delta"] == cmp["delta"] == pytest.approx(0.025)
    assert cmp["ratio"] == pytest.approx(0.025 / 0.09375)
    em, benign = doc["verdicts"]
    assert (em["votes_low"], em["votes_high"], em["result"]) == (1, 1, "H2")
    assert benign["result"] == "H2"  # untouched: as typed by hand
