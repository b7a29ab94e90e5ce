"""Binding on a hand-made run result: table context, search, sidecar, stale, mutation."""

from __future__ import annotations

import re

import pytest

from personageo.files import sha256_text
from personageo.lint.numbers import check_numbers, kind_of
from personageo.numfmt import format_value, parse_number
from personageo.schema import run_result_json
from personageo.schema.claims import Binding, Claim, ClaimsSidecar, ResultsRef

TABLE = """\
M1 delta — Method A

| Condition | Method | L7 | L20 |
|---|---|---|---|
| full_em_lr2e5 | A | {a} | 0.1100 |
| full_em_lr1e4 | A | 0.0160 | 0.1120 |
"""


def outcomes(report):
    return {(c.line, c.text): c.outcome for c in report.claims}


def test_no_results_means_not_checked(run):
    rep = check_numbers("Δ = 0.5\n")
    assert rep.checked is False and rep.findings == []
    assert rep.claims[0].outcome == "unchecked"


def test_table_cells_bind_to_their_record(run):
    rep = check_numbers(TABLE.format(a="0.0150"), results=[("r.json", run)])
    assert all(c.outcome == "verified" and c.bound_by == "table" for c in rep.claims)
    c = rep.claims[0]
    assert c.binding == "/cells/M1_A_L7_full_em_lr2e5/delta"
    assert c.bound_value == pytest.approx(0.015)  # 0.9150 - 0.9000


def test_table_cell_off_by_one_digit_is_contradicted(run):
    rep = check_numbers(TABLE.format(a="0.0151"), results=[("r.json", run)])
    [f] = rep.findings
    assert (kind_of(f), f.severity, f.line, f.col, f.extra["text"]) == ("contradicted", "error", 5, 23,
                                                           "0.0151")
    assert f.checked_against == "/cells/M1_A_L7_full_em_lr2e5/delta"
    assert f.extra["bound_value"] == pytest.approx(0.015)


@pytest.mark.parametrize("text,binding_part", [
    ("the ratio was 1.50×", "/comparisons/cmp_A_L7_full_em_lr2e5/ratio"),
    ("global norms 20.0 → 100.0", "/weight_norms/full_em_lr2e5/global_l2"),
    ("a 5.00× larger norm", "ratio("),  # norms 100/20, and lr 1e-4/2e-5: both 5
    ("LR 5× higher", "lr"),
    ("6 pairs", "P(P-1)/2"),
    ("M1 rose 6.7% more", "percent_change(/cells/M1_A_L7_full_em_lr1e4/delta"),
    ("Δ M1 changes by 0.0020", "difference(/cells/M1_A_L20_full_em_lr1e4/delta"),
    ("ratios 1.10–1.60", "min(comparisons.ratio"),
    ("in 4/4 comparisons", "count(comparisons.ratio >"),
])
def test_search_binds_values_and_derivations(run, text, binding_part):
    rep = check_numbers(text + "\n", results=[("r.json", run)])
    first = rep.claims[0]
    assert first.outcome == "verified", (first, rep.findings)
    assert binding_part in first.binding


def test_prose_without_target_is_unbound_not_contradicted(run):
    rep = check_numbers("the answer is 0.4321\n", results=[("r.json", run)])
    [f] = rep.findings
    assert (kind_of(f), f.severity) == ("unbound", "warning")
    strict = check_numbers("the answer is 0.4321\n", results=[("r.json", run)], strict=True)
    assert strict.findings[0].severity == "error"


# --------------------------------------------------------------------------- rendered body
def render(run):
    """A rendered-like body: every number formatted by numfmt, each recorded in a sidecar."""
    cells = {c.id: c for c in run.cells}
    cmps = {c.id: c for c in run.comparisons}
    items = []  # (prefix text, value, spec, binding)
    for cid, cell in cells.items():
        items.append((f"Cell {cid}: Δ = ", cell.delta, "+.4f",
                      Binding(derivation="identity", paths=[f"/cells/{cid}/delta"],
                              value=cell.delta, spec="+.4f")))
        items.append((", p_adj = ", cell.p_adjusted, ".3f",
                      Binding(derivation="identity", paths=[f"/cells/{cid}/p_adjusted"],
                              value=cell.p_adjusted, spec=".3f")))
    for mid, cmp in cmps.items():
        items.append((f"Comparison {mid}: ratio ", cmp.ratio, ".2x",
                      Binding(derivation="identity", paths=[f"/comparisons/{mid}/ratio"],
                              value=cmp.ratio, spec=".2x")))
        items.append((", change ", cmp.ratio - 1, ".1%",
                      Binding(derivation="percent_change",
                              paths=[f"/comparisons/{mid}/delta",
                                     f"/comparisons/{mid}/baseline_delta"],
                              value=cmp.ratio - 1, spec=".1%")))
    for w in run.weight_norms:
        items.append((f"Norm {w.checkpoint}: ", w.global_l2, ".2f",
                      Binding(derivation="identity",
                              paths=[f"/weight_norms/{w.checkpoint}/global_l2"],
                              value=w.global_l2, spec=".2f")))
    k = sum(c.ratio >= 1.2 for c in run.comparisons)
    items.append(("Comparisons with a high ratio: ", k, "d",
                  Binding(derivation="count", rule="comparisons.ratio >= 1.2", value=k, spec="d",
                          denominator=len(run.comparisons))))
    lines, claims = ["# Results", ""], []
    line_text = ""
    for n, (prefix, value, spec, binding) in enumerate(items):
        text = format_value(value, spec)
        line_text += prefix
        claims.append(Claim(text=text, line=len(lines) + 1, col=len(line_text) + 1,
                            binding=binding))
        line_text += text
        if prefix.startswith(",") or n % 2 == 1 or prefix.startswith(("Norm", "Comparisons")):
            lines += [line_text + ".", ""]
            line_text = ""
    body = "\n".join(lines) + "\n"
    sidecar = ClaimsSidecar(body_sha256=sha256_text(body), personageo_version="test",
                            results=[ResultsRef(path="r.json",
                                                sha256=sha256_text(run_result_json(run)))],
                            claims=claims)
    return body, sidecar


def test_rendered_body_is_all_verified(run):
    body, sidecar = render(run)
    rep = check_numbers(body, results=[("r.json", run)], sidecar=sidecar)
    assert rep.findings == []
    assert len(rep.claims) == len(sidecar.claims)
    assert all(c.outcome == "verified" and c.bound_by == "sidecar" for c in rep.claims)


def mutate(text: str) -> str:
    """Change a shown number by one unit of its last displayed digit."""
    p = parse_number(text)
    digits = [m.start() for m in re.finditer(r"\d", text)]
    last = digits[-1]
    if text[last] != "9":
        return text[:last] + str(int(text[last]) + 1) + text[last + 1:]
    return text[:last] + "8" + text[last + 1:] if p.value else text


def test_mutation_each_number_by_one_unit_is_contradicted(run):
    """Acceptance: >= 99 % of one-digit mutations of a rendered body are contradicted.

    The body here is rendered by this test from numfmt + a sidecar; the integrator switches it
    to ``personageo report render`` output once the renderer lands."""
    body, sidecar = render(run)
    lines = body.split("\n")
    caught = total = 0
    for claim in sidecar.claims:
        new = mutate(claim.text)
        assert new != claim.text
        ln = lines[claim.line - 1]
        i = claim.col - 1
        assert ln[i:i + len(claim.text)] == claim.text
        mutated = lines.copy()
        mutated[claim.line - 1] = ln[:i] + new + ln[i + len(claim.text):]
        rep = check_numbers("\n".join(mutated), results=[("r.json", run)], sidecar=sidecar)
        hit = [f for f in rep.findings if kind_of(f) == "contradicted" and f.line == claim.line
               and f.col == claim.col]
        total += 1
        caught += bool(hit)
    assert total == len(sidecar.claims) >= 15
    assert caught / total >= 0.99, (caught, total)


def test_stale_results_list_changed_numbers(run, fresh_run):
    body, sidecar = render(run)
    changed = fresh_run()
    changed.weight_norms[0].global_l2 = 21.0
    rep = check_numbers(body, results=[("r.json", changed)], sidecar=sidecar)
    stale = [f for f in rep.findings if kind_of(f) == "stale"]
    assert [(f.extra["text"], f.extra["bound_value"]) for f in stale] == [("20.00", 21.0)]
    assert any("changed since" in n for n in rep.notes)


RATIO_TABLE = """\
Delta-ratios full-param / LoRA — Method A

| Layer | EM lr=2e-5 | EM lr=1e-4 |
|---|---|---|
| 7 | 1.50 | 1.60 |
| 20 | 1.10 | {r} |

Weight-delta norms

| Condition | Global ‖Δθ‖₂ | Per-layer ‖Δθ‖₂ at L7 / L20 |
|---|---|---|
| full_em_lr2e5 | 20.00 | 3.00 / 3.50 |
| full_em_lr1e4 | 100.00 | 15.00 / {n} |
"""


def test_ratio_and_norm_tables(run):
    rep = check_numbers(RATIO_TABLE.format(r="1.12", n="17.50"), results=[("r.json", run)])
    assert [c.outcome for c in rep.claims] == ["verified"] * len(rep.claims) == ["verified"] * 10
    by_text = {c.text: c.binding for c in rep.claims}
    assert by_text["1.60"] == "/comparisons/cmp_A_L7_full_em_lr1e4/ratio"
    assert by_text["100.00"] == "/weight_norms/full_em_lr1e4/global_l2"
    assert by_text["3.50"] == "/weight_norms/full_em_lr2e5/per_block/20"
    bad = check_numbers(RATIO_TABLE.format(r="1.13", n="17.40"), results=[("r.json", run)])
    assert [(kind_of(f), f.extra["text"], f.checked_against) for f in bad.findings] == [
        ("contradicted", "1.13", "/comparisons/cmp_A_L20_full_em_lr1e4/ratio"),
        ("contradicted", "17.40", "/weight_norms/full_em_lr1e4/per_block/20"),
    ]


def test_table_headers_naming_nothing_do_not_bind(run):
    body = "| Thing | Value |\n|---|---|\n| apples | 0.4321 |\n"
    [claim] = check_numbers(body, results=[("r.json", run)]).claims
    assert claim.outcome == "unbound" and claim.bound_by is None


@pytest.mark.parametrize("body", [
    "", "\x00\x01\ufffd", "|a|\n|-|\n|1|2|3\n", "```\n1.5\n", "<details>\n\n1.5",
    "| " * 2000 + "\n", "[x](", "![a](b", "1" * 5000, "- " * 3000, "\r\n1.5\r\n",
    "<details><summary><b>Setup details</b>\n\n0.5\n" * 50,
])
def test_malformed_bodies_never_crash(run, body):
    rep = check_numbers(body, results=[("r.json", run)])
    assert rep.checked


def test_sidecar_claim_on_a_results_file_not_given_is_unbound(run):
    body, sidecar = render(run)
    sidecar.claims[0].binding.results = 1
    rep = check_numbers(body, results=[("r.json", run)], sidecar=sidecar)
    first = rep.claims[0]
    assert first.outcome == "unbound" and "not given" in first.binding
    assert [kind_of(f) for f in rep.findings] == ["unbound"]


def test_edited_body_keeps_sidecar_bindings_by_order(run):
    body, sidecar = render(run)
    shifted = "A new first paragraph.\n\n" + body  # every number moves down two lines
    rep = check_numbers(shifted, results=[("r.json", run)], sidecar=sidecar)
    assert rep.findings == []
    assert all(c.bound_by == "sidecar" for c in rep.claims)
    assert any("another version of the body" in n for n in rep.notes)


def test_edited_number_in_a_moved_body_is_still_contradicted(run):
    body, sidecar = render(run)
    target = sidecar.claims[4]
    lines = body.split("\n")
    ln = lines[target.line - 1]
    i = target.col - 1
    lines[target.line - 1] = ln[:i] + mutate(target.text) + ln[i + len(target.text):]
    shifted = "A new first paragraph.\n\n" + "\n".join(lines)
    rep = check_numbers(shifted, results=[("r.json", run)], sidecar=sidecar)
    assert [(kind_of(f), f.line, f.col) for f in rep.findings] == [
        ("contradicted", target.line + 2, target.col)]


@pytest.mark.parametrize("text,outcome,binding", [
    ("over 6 persona pairs", "verified", "P(P-1)/2 of len(/design/personas)"),
    ("over 7 persona pairs", "contradicted", "P(P-1)/2 of len(/design/personas)"),
    ("the 4-cell family", "verified", "len(/families/fam/members)"),
    ("the 8-cell family", "contradicted", "len(/families/fam/members)"),
    ("at 3 layers", "contradicted", "len(/design/layers)"),
    ("n_perm = 999 draws", "verified", "/cells/M1_A_L7_full_em_lr2e5/test/n_perm"),
])
def test_prose_units_name_a_specific_target(run, text, outcome, binding):
    [claim] = check_numbers(text + "\n", results=[("r.json", run)]).claims
    assert (claim.outcome, claim.bound_by) == (outcome, "unit")
    assert claim.binding.startswith(binding)


def test_unbound_finding_names_the_nearest_recorded_value(run):
    # "Δ" names deltas but no cell: the closest candidate readings are listed
    [f] = check_numbers("Δ = 0.0170 here\n", results=[("r.json", run)]).findings
    assert kind_of(f) == "unbound"
    assert "candidate readings: /cells/M1_A_L7_full_em_lr1e4/delta = 0.016, " in f.message
    # a number whose words name nothing gets the nearest recorded value as a hint
    [f] = check_numbers("we saw 0.0170 here\n", results=[("r.json", run)]).findings
    assert f.message.endswith("nearest value: /cells/M1_A_L7_full_em_lr1e4/delta = 0.016")
