"""The published issue-238 write-up checked against its own legacy results file.

The text is scraped from the tracker (markdown syntax partly lost: no blank lines between
tables, code spans flattened), so some provenance numbers of the setup card stay unbound.
"""

from __future__ import annotations

import pytest

from personageo.lint.numbers import check_numbers, kind_of


@pytest.fixture(scope="module")
def report(reference_dir):
    from personageo.schema import load_run_result

    path = reference_dir / "issue_238" / "run_result.json"
    run = load_run_result(path)
    body = (reference_dir / "issue_238" / "published_writeup.txt").read_text(encoding="utf-8")
    return check_numbers(body, results=[(str(path), run)])


def at(report, line, text):
    return [c for c in report.claims if c.line == line and c.text == text]


def test_counts(report):
    n = {o: report.count(o) for o in ("verified", "contradicted", "unbound")}
    # every table value of the six tables agrees with the JSON; what stays unbound is
    # provenance the JSON does not record (6000 examples, 375 steps, 240 questions, ...) and
    # prose whose words name no recorded quantity (no free search over the whole file)
    assert n["contradicted"] == 6  # the 80-cell family twice, the [0.988, 0.999] band 4 times
    assert n["verified"] >= 300
    assert n["unbound"] <= 180
    assert {c.bound_by for c in report.claims if c.outcome == "verified"} <= {
        "table", "prose", "unit"}


def test_the_80_cell_family_is_contradicted(report):
    # "BH-FDR at α = 0.01 across the 80-cell family": the JSON's one family has the 40 M1
    # cells (pipeline.md §4: BH over the 40 M1 p-values)
    bad = [f for f in report.findings if kind_of(f) == "contradicted" and f.extra["text"] == "80"]
    assert [(f.line, f.extra["text"], f.extra["bound_value"]) for f in bad] == [(18, "80", 40.0), (29, "80", 40.0)]
    assert all(f.checked_against == "len(/families/geometry_fullparam_pre_post/members)" for f in bad)


def test_the_post_train_band_is_contradicted(report):
    # "all 40 post-train means land in [0.988, 0.999]": the largest of the 40 post_mean values
    # is M1_B_L27_full_benign_lr1e4 0.9995188 (hand-read from the JSON), which shows as 1.000
    bad = [f for f in report.findings if kind_of(f) == "contradicted" and f.extra["text"] != "80"]
    assert [(f.line, f.extra["text"]) for f in bad] == [(6, "0.999"), (10, "0.999"), (41, "0.999"),
                                               (150, "0.999")]
    assert all(f.checked_against == "max(measurements.value (post))" for f in bad)
    assert all(f.extra["bound_value"] == pytest.approx(0.9995188117027283) for f in bad)
    lows = [c for c in report.claims if c.text == "0.988"]
    assert len(lows) == 4 and {c.outcome for c in lows} == {"verified"}  # min 0.988193


def test_grid_cell_binds_to_its_record(report):
    # "| full_em_lr2e5 | A | 0.0151 | ..." -> delta 0.015067516854315177 (hand-read from JSON)
    [c] = at(report, 117, "0.0151")
    assert c.outcome == "verified" and c.bound_by == "table"
    assert c.binding == "/cells/M1_A_L7_full_em_lr2e5/delta"
    assert c.bound_value == pytest.approx(0.015067516854315177)


def test_lr_difference_is_a_declared_difference(report):
    # "L20 Method A Δ M1 changes by 0.0003": 0.11132567 - 0.11098719 = 0.00033848
    [c] = at(report, 10, "0.0003")
    assert c.outcome == "verified"
    assert c.binding.startswith("difference(/cells/M1_A_L20_full_em_lr1e4/delta")


def test_ratio_range_binds_to_min_and_max(report):
    lo, hi = at(report, 39, "1.10")[0], at(report, 39, "2.63")[0]
    assert (lo.outcome, hi.outcome) == ("verified", "verified")
    assert lo.bound_value == pytest.approx(1.0955805755622614)
    assert hi.bound_value == pytest.approx(2.633235560431425)


def test_unrecorded_provenance_is_unbound(report):
    assert all(c.outcome == "unbound" for c in at(report, 28, "6000"))


def test_mutating_a_grid_cell_is_contradicted(reference_dir):
    from personageo.schema import load_run_result

    path = reference_dir / "issue_238" / "run_result.json"
    body = (reference_dir / "issue_238" / "published_writeup.txt").read_text(encoding="utf-8")
    lines = body.split("\n")
    lines[116] = lines[116].replace("0.0151", "0.0152", 1)
    rep = check_numbers("\n".join(lines), results=[(str(path), load_run_result(path))])
    [f] = [f for f in rep.findings if kind_of(f) == "contradicted" and f.line == 117]
    assert (f.extra["text"], f.checked_against) == ("0.0152", "/cells/M1_A_L7_full_em_lr2e5/delta")
