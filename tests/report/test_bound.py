"""Bound numbers, derivations and the recorder's placement of numbers in the final body."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from personageo.numfmt import agrees
from personageo.report._bound import (
    Bound,
    ClaimRecorder,
    DerivationError,
    count_where,
    extreme,
    percent_change,
)


def b(value, path="/x", results=0):
    return Bound(value, (path,), results=results)


def test_arithmetic_on_identities_records_the_derivation():
    d = b(0.25, "/a") - b(0.125, "/b")
    assert (d.value, d.paths, d.derivation) == (0.125, ("/a", "/b"), "difference")
    r = b(0.25, "/a") / b(0.125, "/b")
    assert (r.value, r.derivation) == (2.0, "ratio")
    p = percent_change(b(0.11, "/new"), b(0.1, "/old"))
    assert p.derivation == "percent_change" and p.value == pytest.approx(0.1)


@pytest.mark.parametrize("make", [
    lambda: (b(1, "/a") - b(2, "/b")) / b(3, "/c"),   # nested: not one derivation
    lambda: b(1, "/a") - b(2, "/b", results=1),        # across two results files
    lambda: b(1, "/a") / b(0, "/b"),                   # zero denominator
])
def test_unrecordable_derivations_are_refused(make):
    with pytest.raises(DerivationError):
        make()


def test_count_where_records_rule_denominator_and_every_path():
    vals = [b(0.99, "/comparisons/a/ratio"), b(1.2, "/comparisons/b/ratio"),
            b(1.6, "/comparisons/c/ratio")]
    c = count_where(vals, ">=", 1)
    assert (c.value, c.denominator, c.rule) == (2.0, 3, "ratio >= 1")
    assert c.paths == tuple(v.paths[0] for v in vals)
    assert count_where(vals, ">", b(1.5, "/verdicts/v/rule/high")).rule == "ratio > 1.5"


def test_extremes_match_builtins():
    vals = [b(x, f"/v/{i}") for i, x in enumerate([0.3, -0.2, 0.9])]
    assert extreme(vals, "min").value == min(v.value for v in vals)
    assert extreme(vals, "max").value == max(v.value for v in vals)
    assert extreme(vals, "mean").value == pytest.approx(sum(v.value for v in vals) / 3)


def test_a_bound_printed_without_a_filter_raises():
    with pytest.raises(DerivationError):
        str(b(1.0))


def test_unbound_float_cannot_be_recorded():
    with pytest.raises(DerivationError):
        ClaimRecorder().record(0.5, ".2f")


text_chunk = st.text(alphabet=st.sampled_from(list("ab \n|×é")), max_size=12)


@settings(derandomize=True, max_examples=200)
@given(st.lists(st.tuples(text_chunk, st.floats(-10, 10, allow_nan=False)), max_size=8),
       text_chunk)
def test_finalize_places_each_number_at_its_line_and_column(parts, tail):
    rec = ClaimRecorder()
    raw = "".join(chunk + rec.record(b(x), "+.3f") for chunk, x in parts) + tail
    body, claims = rec.finalize(raw)
    lines = body.split("\n")
    assert len(claims) == len(parts)
    for claim, (_chunk, x) in zip(claims, parts, strict=True):
        assert agrees(x, claim.text)  # how it is formatted: tests/test_numfmt.py
        line = lines[claim.line - 1]
        assert line[claim.col - 1:claim.col - 1 + len(claim.text)] == claim.text
    # the body is the raw text with each marker replaced, nothing else
    rebuilt = "".join(chunk + c.text for (chunk, _), c in zip(parts, claims, strict=True)) + tail
    assert body == rebuilt
