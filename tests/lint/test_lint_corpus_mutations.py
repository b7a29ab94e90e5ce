"""Recall and precision of the number check on the hand-written corpus, by mutation.

Every number a corpus body states about the results (its case file says ``verified``) is edited
four ways: its last digit, ×10, its sign, and swapped with another number of the body shown the
same way. Each edit must be reported as contradicted at that number (recall >= 95 %), and no
edit may make any other number contradicted that its case file does not expect (no false
contradictions). Deterministic: the edits are derived from the text alone.
"""

from __future__ import annotations

import re

import pytest

from personageo.lint.numbers import kind_of
from personageo.numfmt import parse_number
from tests.lint._corpus import case_names, checker, load_case

pytestmark = pytest.mark.slow  # many full lint runs (mutation campaigns)


_NUMBER = re.compile(r"(?P<sign>[+\-\u2212]?)(?P<int>\d+)(?:\.(?P<frac>\d+))?(?P<unit>[%×x]?)")
RECALL_TARGET = 0.95


def last_digit(text: str) -> str:
    k = max(i for i, ch in enumerate(text) if ch.isdigit())
    return text[:k] + str((int(text[k]) + 1) % 10) + text[k + 1:]


def times_ten(text: str) -> str | None:
    m = _NUMBER.fullmatch(text)
    if m is None:
        return None
    frac = m["frac"] or ""
    digits = (m["int"] + frac).lstrip("0") or "0"
    scaled = int(digits) * 10
    if scaled == 0:
        return None
    body = str(scaled).rjust(len(frac) + 1, "0")
    whole, part = (body[:-len(frac)], body[-len(frac):]) if frac else (body, "")
    return m["sign"] + whole + ("." + part if frac else "") + m["unit"]


def flip_sign(text: str) -> str | None:
    m = _NUMBER.fullmatch(text)
    if m is None or not m["frac"] or parse_number(text).value == 0:
        return None  # counts and design integers have no sign to flip
    return ("+" if m["sign"] in ("-", "\u2212") else "-") + text.lstrip("+-\u2212")


def swap(text: str, others: list[str]) -> str | None:
    """The next number of the body (in order) shown the same way with another value."""
    spec = parse_number(text).spec
    value = parse_number(text).value
    for other in others:
        p = parse_number(other)
        if p.spec.kind == spec.kind and p.spec.digits == spec.digits and p.value != value:
            return other
    return None


def edits(case):
    verified = [n for n in case.numbers if n.outcome == "verified" and n.scope != "no-quantity"]
    texts = [n.text for n in verified]
    for i, n in enumerate(verified):
        rotated = texts[i + 1:] + texts[:i]
        for kind, new in (("last digit", last_digit(n.text)), ("x10", times_ten(n.text)),
                          ("sign", flip_sign(n.text)), ("swap", swap(n.text, rotated))):
            if new is not None and new != n.text:
                yield n, kind, new


def run_case(name, reference_dir):
    case = load_case(name)
    check = checker(case.results, reference_dir)
    lines = case.body.split("\n")
    caught, missed, false = 0, [], []
    for n, kind, new in edits(case):
        line = lines[n.line - 1]
        edited = lines[:n.line - 1] + [line[:n.col - 1] + new + line[n.col - 1 + len(n.text):]] \
            + lines[n.line:]
        report = check.check("\n".join(edited), path=name)
        bad = {(f.line, f.col) for f in report.findings if kind_of(f) == "contradicted"}
        shift = len(new) - len(n.text)  # numbers after the edit on its line moved
        expected_bad = {(e.line, e.col + (shift if e.line == n.line and e.col > n.col else 0))
                        for e in case.numbers if e.outcome == "contradicted"}
        if (n.line, n.col) in bad:
            caught += 1
        else:
            missed.append(f"{name} {n.line}:{n.col} {n.text} -> {new} ({kind})")
        for line_no, col in bad - expected_bad - {(n.line, n.col)}:
            if line_no == n.line and abs(col - n.col) <= len(new) + 4:
                continue  # the other end of the edited k/n or range
            false.append(f"{name} {n.line}:{n.col} {n.text} -> {new} ({kind}) made "
                         f"{line_no}:{col} contradicted")
    return caught, missed, false


@pytest.fixture(scope="module")
def totals(reference_dir):
    caught, missed, false = 0, [], []
    for name in case_names():
        c, m, f = run_case(name, reference_dir)
        caught += c
        missed += m
        false += f
    return caught, missed, false


def test_no_false_contradictions_under_mutation(totals):
    _, _, false = totals
    assert not false, "\n".join(false)


def test_recall_of_hand_written_numbers(totals):
    caught, missed, _ = totals
    recall = caught / (caught + len(missed))
    print(f"\ncorpus mutations: {caught + len(missed)}, contradicted {caught}, "
          f"recall {recall:.1%}\n" + "\n".join(missed))
    assert recall >= RECALL_TARGET, "\n".join(missed)


@pytest.mark.parametrize("text,want", [
    ("0.0151", ("0.0152", "0.1510", "-0.0151")), ("+0.111", ("+0.112", "+1.110", "-0.111")),
    ("1.17×", ("1.18×", "11.70×", "-1.17×")), ("49%", ("40%", "490%", None)),
    ("38", ("39", "380", None)), ("0", ("1", None, None)), ("-0.0027", ("-0.0028", "-0.0270",
                                                                     "+0.0027")),
])
def test_the_edits_themselves(text, want):
    assert (last_digit(text), times_ten(text), flip_sign(text)) == want
