"""Round trips of the one number formatter/parser (personageo.numfmt), for every spec kind."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from personageo.numfmt import (
    MAX_EXTRA_DIGITS,
    Spec,
    agrees,
    format_range,
    format_value,
    parse_number,
    same_format,
)

SPECS = [Spec(kind, digits, signed) for kind in "f%x" for digits in range(0, 6)
         for signed in (False, True)]
SPECS += [Spec("e", d, s) for d in range(0, 4) for s in (False, True)]
SPECS += [Spec("d", 0, s) for s in (False, True)]

values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(spec=st.sampled_from(SPECS), x=values)
def test_round_trip_every_spec(spec, x):
    if spec.kind == "d":
        x = float(round(x))
    if spec.kind == "e" and abs(x) < 1e-300:  # zero and subnormals have no shown exponent
        x = 1.0
    text = format_value(x, spec)
    parsed = parse_number(text)
    if parsed.bound == "<":  # a non-zero value too small for even the extra decimals
        assert 0 < abs(x) < parsed.value and agrees(x, parsed) and same_format(x, parsed)
        return
    # a non-zero value that would show as zero gets the decimals its first digit needs
    digits = spec.digits
    if spec.kind in "f%x" and x != 0:
        scale = 100 if spec.kind == "%" else 1
        while round(abs(x) * scale, digits) == 0 and digits < spec.digits + MAX_EXTRA_DIGITS:
            digits += 1
    kind = "d" if (spec.kind, digits) == ("f", 0) else spec.kind  # ".0f" shows as "d"
    # a "+" spec shows a negative number with its minus, and zero without a sign: the "+"
    # flag is then not visible
    want = Spec(kind, digits if kind != "d" else 0,
                spec.signed and text[0] != "-" and x != 0)
    assert parsed.spec == want, (text, parsed.spec)  # ".0f" shows as an integer
    assert agrees(x, parsed), (x, text)
    assert same_format(x, parsed)
    # one unit of the last displayed digit away no longer agrees
    unit = 2 * parsed.half_ulp
    assert not agrees(parsed.value + 1.01 * unit, parsed)
    assert not agrees(parsed.value - 1.01 * unit, parsed)


@settings(derandomize=True, max_examples=100, deadline=None)
@given(lo=values, hi=values, digits=st.integers(0, 4))
def test_range_round_trip(lo, hi, digits):
    text = format_range(lo, hi, f".{digits}f")
    # the en dash separates; a leading minus of the high end stays attached to it
    left, _, right = text.partition("–")
    assert agrees(lo, left) and agrees(hi, right)


@pytest.mark.parametrize("text,value,spec", [
    ("+0.111", 0.111, Spec("f", 3, True)),
    ("\u22120.02", -0.02, Spec("f", 2, False)),
    ("0.3%", 0.003, Spec("%", 1, False)),
    ("5.07×", 5.07, Spec("x", 2, False)),
    ("5.07x", 5.07, Spec("x", 2, False)),
    ("1e-4", 1e-4, Spec("e", 0, False)),
    ("2e\u22125", 2e-5, Spec("e", 0, False)),
    ("66", 66.0, Spec("d", 0, False)),
    ("7,616,229,376", 7616229376.0, Spec("d", 0, False)),
])
def test_parse_known_texts(text, value, spec):
    p = parse_number(text)
    assert math.isclose(p.value, value, rel_tol=1e-12)
    assert p.spec == spec


def test_negative_zero_is_never_shown():
    assert format_value(-0.0, ".2f") == "0.00"
    assert format_value(-0.0, "+.2f") == "0.00"
    assert format_value(0.0, "+.3f") == "0.000"
    assert format_value(-0.0, ".1%") == "0.0%"


@pytest.mark.parametrize("value,spec,text", [
    (-0.00048, "+.3f", "-0.0005"),   # the demo's "+0.000": now its first digit shows
    (0.00048, "+.3f", "+0.0005"),
    (-0.00001, ".2f", "-0.00001"),
    (-3.2e-5, ".4f", "-0.00003"),
    (4.6e-6, ".4f", "0.000005"),
    (0.00004, ".1%", "0.004%"),
    (0.004, ".2x", "0.004×"),
    (0.3, ".0f", "0.3"),
    (2e-9, ".3f", "0.000000002"),    # plain decimals: what every scanner parses back
    (-2.7e-7, ".2x", "-0.0000003×"),
    (2e-16, ".3f", "< 0.0005"),      # beyond MAX_EXTRA_DIGITS: an upper bound of |x|
    (-2e-16, "+.3f", "< 0.0005"),
    (2e-16, ".1%", "< 0.05%"),
    (0.1234, "+.3f", "+0.123"),      # values that show anyway are unchanged
])
def test_non_zero_values_never_show_as_zero(value, spec, text):
    assert format_value(value, spec) == text
    parsed = parse_number(text)
    assert agrees(value, parsed) and same_format(value, parsed)
    assert not agrees(0.0, parsed)  # zero displays as 0.000, never as these texts


def test_magnitude_bound_parses_back():
    p = parse_number("< 0.0005")
    assert p.bound == "<" and p.value == 0.0005
    assert agrees(3e-9, p) and agrees(-3e-9, p)
    assert not agrees(0.0006, p) and not agrees(0.0, p)
    for bad in ("< -0.0005", "< +0.0005", "<"):
        with pytest.raises(ValueError):
            parse_number(bad)


def test_agreement_at_displayed_precision():
    assert agrees(0.015067516854315177, "0.0151")
    assert not agrees(0.015067516854315177, "0.0152")
    assert agrees(0.1110, "+0.111")
    # both roundings of an exact tie agree; one unit off does not
    assert agrees(0.125, "0.12") and agrees(0.125, "0.13")
    assert not agrees(0.125, "0.14")
    # percent scale: 0.3% is 0.003 +- 0.0005
    assert agrees(0.0028, "0.3%") and not agrees(0.0036, "0.3%")
    # scientific notation: half a unit of the shown mantissa digit
    assert agrees(9.96e-5, "1.0e-4") and not agrees(1.06e-4, "1.0e-4")


def test_bad_texts_raise():
    for bad in ("", "abc", "1.2.3", "--1", "1e"):
        with pytest.raises(ValueError):
            parse_number(bad)


def test_unrepresentable_exponent_is_a_value_error_not_an_overflow():
    import pytest

    from personageo.numfmt import parse_number

    with pytest.raises(ValueError, match="representable"):
        parse_number("9e4813")
