"""The 238 ratios on a common base, recounted by hand from the raw legacy files (issue 13).

Issue 238 divides its full-parameter deltas (measured from its own base extraction) by issue
205's LoRA deltas (measured from 205's base extraction). 205 records its post values for the EM
cells (``em_mean``) but only deltas for the benign ones; its single base per method/layer
(``base_mean``) stands for the benign base too. On 238's base the LoRA delta is ``post' - base``.
This file recomputes that with plain ``json`` and arithmetic, a second implementation beside
``verify``'s V315, and checks that both give the same counts.
"""

from __future__ import annotations

import json

import pytest

from personageo.verify import verify_files

HIGH, LOW = 1.5, 0.5


def _rebased_ratios(path_238, path_205) -> dict[str, tuple[float, float]]:
    """ratio key -> (published ratio, ratio with 205's delta rebased onto 238's base)."""
    r238, r205 = json.loads(path_238.read_text()), json.loads(path_205.read_text())["results"]
    out = {}
    for key, r in r238["delta_ratios"].items():
        m, layer = r["method"], r["layer"]
        base_238 = r238["base_m1"][f"M{m}_L{layer}"]
        em = r205[f"M1_{m}_L{layer}_E0_assistant"]
        if r["data_type"] == "em":
            post_205 = em["em_mean"]
        else:  # benign: 205's only base at this method/layer plus its benign delta
            post_205 = em["base_mean"] + r205[f"M1_{m}_L{layer}_benign_sft_375"]["delta_mean_offdiag"]
        out[key] = (r["ratio"], r["delta_full"] / (post_205 - base_238))
    return out


def test_one_ratio_by_hand(r238, r205):
    # A / L7 / em / lr 2e-5, numbers as the two files have them
    delta_full, base_238 = 0.015067516854315177, 0.9812723723324862
    base_205, post_205 = 0.9874667525291443, 0.995346188545227
    assert delta_full / (post_205 - base_205) == pytest.approx(1.9122582915275634)  # published
    assert delta_full / (post_205 - base_238) == pytest.approx(1.07061, abs=1e-5)  # common base
    assert _rebased_ratios(r238, r205)["ratio_A_L7_em_2e5"][1] == pytest.approx(1.07061, abs=1e-5)


def test_counts_on_a_common_base_match_verify(r238, r205):
    ratios = _rebased_ratios(r238, r205)
    published = [p for p, _ in ratios.values()]
    rebased = [r for _, r in ratios.values()]
    assert len(ratios) == 40
    assert (sum(p > HIGH for p in published), sum(p < 1 for p in published)) == (6, 2)
    assert (sum(r > HIGH for r in rebased), sum(r < 1 for r in rebased)) == (0, 8)
    recount = verify_files(r238, baseline=r205).by_code("V315")[0]
    assert "ratio > 1.5 goes from 6/40 to 0/40, ratio < 1 from 2/40 to 8/40" in recount.message


def test_verdict_votes_on_a_common_base_match_verify(r238, r205):
    """The original votes at lr 2e-5 only: a layer votes high above 1.5, low below 0.5."""
    ratios = _rebased_ratios(r238, r205)
    deltas = json.loads(r238.read_text())["delta_ratios"]
    votes = {}
    for key, (_, rebased) in ratios.items():
        r = deltas[key]
        if r["lr"] == 2e-5:
            v = votes.setdefault((r["method"], r["data_type"]), [0, 0])
            v[0] += rebased < LOW
            v[1] += rebased > HIGH
    # published: A/em 1 high vote, A/benign 2 high votes; on a common base no layer votes
    assert votes == {("A", "em"): [0, 0], ("A", "benign"): [0, 0],
                     ("B", "em"): [0, 0], ("B", "benign"): [0, 0]}
    found = {f.pointer: f.message for f in verify_files(r238, baseline=r205).by_code("V315")}
    assert "(0 low, 1 high votes); on a common base it stays H2 with 0 low, 0 high votes" in (
        found["/verdicts/verdict_A_em"])
    assert "(0 low, 2 high votes); on a common base it stays H2 with 0 low, 0 high votes" in (
        found["/verdicts/verdict_A_benign"])
