"""V106 (the pair sign-flip test decides significance) and V206 (alpha out of reach)."""

from __future__ import annotations

from personageo.verify import verify_run
from tests.builders import as_run, hand_checked


def test_v106_flags_cells_that_rely_on_the_pair_test():
    d = hand_checked()
    for c in d["cells"][:2]:
        c["test"]["kind"] = "pair_signflip"
    result = verify_run(as_run(d))
    (finding,) = result.by_code("V106")
    assert finding.pointer == "/cells/c1/test/kind"
    assert "in 2 of 3 records" in finding.message and finding.severity == "warning"
    assert verify_run(as_run(hand_checked())).by_code("V106") == []


def test_v206_bonferroni_floor_above_alpha():
    d = hand_checked()
    fam = d["families"][0]
    fam.update(correction="bonferroni", alpha=0.01)
    for c in d["cells"]:
        c["test"].update(n_perm=199, b=0, p=0.005)
        c["p_adjusted"], c["significant"] = 0.015, False
    result = verify_run(as_run(d))
    (finding,) = result.by_code("V206")
    assert finding.pointer == "/families/F"
    assert "0.015 > alpha = 0.01" in finding.message and "bonferroni over 3 cells" in finding.message
    assert {f.code for f in result.findings if f.severity == "error"} == set()


def test_v206_exact_two_sided_floor_under_holm_and_lt_rule():
    d = hand_checked()
    d["families"][0].update(correction="holm", alpha=0.0015, reject_rule="lt")
    for c in d["cells"]:
        # an exact two-sided test over 2**10 patterns: floor 2/1024; Holm x3 = 0.00586
        c["test"].update(n_perm=1023, b=1, p=2 / 1024, exact=True, alternative="two-sided")
        c["p_adjusted"], c["significant"] = 6 / 1024, False
    (finding,) = verify_run(as_run(d)).by_code("V206")
    assert "0.00586 >= alpha = 0.0015" in finding.message and "exact two-sided" in finding.message
    # BH keeps the floor: 2/1024 = 0.00195 is still above alpha
    d["families"][0]["correction"] = "bh"
    for c in d["cells"]:
        c["p_adjusted"] = 2 / 1024
    assert len(verify_run(as_run(d)).by_code("V206")) == 1
    d["families"][0]["alpha"] = 0.002
    assert verify_run(as_run(d)).by_code("V206") == []
