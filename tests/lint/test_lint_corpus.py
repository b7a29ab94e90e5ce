"""Every number of every hand-written corpus body has the outcome its case file states.

The case files were written from the results JSON by hand (see the comments in each); a number
missing from the case file, or found where none is expected, fails too.
"""

from __future__ import annotations

import pytest

from tests.lint._corpus import case_names, checker, load_case


@pytest.mark.parametrize("name", case_names())
def test_corpus_body(name, reference_dir):
    case = load_case(name)
    lines = case.body.split("\n")
    for n in case.numbers:  # the case file's positions are those of the body
        assert lines[n.line - 1][n.col - 1:].startswith(n.text), (name, n)
    report = checker(case.results, reference_dir).check(case.body, path=name)
    got = {(c.line, c.col): c for c in report.claims}
    problems = []
    for n in case.numbers:
        claim = got.pop((n.line, n.col), None)
        outcome = "ignored" if claim is None else claim.outcome
        if outcome != n.outcome:
            why = "" if claim is None else f" ({claim.binding} = {claim.bound_value})"
            problems.append(f"{n.line}:{n.col} {n.text!r}: expected {n.outcome}, got "
                            f"{outcome}{why}")
    for (line, col), claim in sorted(got.items()):
        problems.append(f"{line}:{col} {claim.text!r}: {claim.outcome}, not in the case file")
    assert not problems, "\n".join(problems)


def test_corpus_is_big_and_varied():
    cases = [load_case(n) for n in case_names()]
    assert len(cases) >= 8
    outcomes = [n.outcome for c in cases for n in c.numbers]
    for outcome in ("verified", "contradicted", "unbound", "ignored"):
        assert outcomes.count(outcome) >= 5, outcome
