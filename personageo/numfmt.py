"""How a number is shown, and how shown text is read back: one module, used both ways.

The renderer formats every number through :func:`format_value`; the linter parses numbers with
:func:`parse_number` and checks them with :func:`agrees`. A round trip
``parse_number(format_value(x, spec))`` recovers the spec and a value that :func:`agrees` with x.

Spec mini-language (a subset of Python's format spec plus a unit suffix)::

    [+][.N](f|%|x|d|e)

* ``f`` fixed decimals (``.4f`` -> ``0.1110``), ``+`` forces a sign (``+0.1110``);
* ``%`` percent of a fraction (``.1%``: 0.0031 -> ``0.3%``);
* ``x`` multiplier (``.2x``: 1.1719 -> ``1.17×``);
* ``d`` integer (``d``: 66 -> ``66``);
* ``e`` scientific (``.0e``: 1e-4 -> ``1e-4``).

Negative numbers use the ASCII hyphen-minus; the parser also accepts the Unicode minus (U+2212).

A non-zero value never shows as zero: where ``f``, ``%`` or ``x`` would round it to ``0.000``
the formatter adds decimals until its first significant digit shows (``+.3f``: -0.00048 ->
``-0.0005``; 2e-9 -> ``0.000000002``), at most :data:`MAX_EXTRA_DIGITS` of them: plain decimals,
which every reader of the body (and the linter's scanners) parse back as they are. A value
smaller still is shown as an upper bound of its magnitude at the spec's own precision
(``< 0.0005``), which :func:`parse_number` reads back as a :class:`Parsed` with ``bound="<"``
(the form people also write by hand). Zero itself is shown without a sign (``0.000``, also for
``+`` specs).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

TIMES = "×"
MINUS_CHARS = "\\-\u2212\u2013"  # hyphen-minus, Unicode minus, en dash (regex class)
RANGE_SEP = "–"
LESS_THAN = "< "
MAX_EXTRA_DIGITS = 10
"""Decimals the formatter may add so that a non-zero value does not show as zero (beyond them
only float noise is left: ``.3f`` shows down to 5e-14)."""
_EPS = 2.0**-52

_SPEC = re.compile(r"^(?P<sign>\+)?(?:\.(?P<digits>\d+))?(?P<kind>[f%xde])$")


@dataclass(frozen=True)
class Spec:
    kind: str
    """``f``, ``%``, ``x``, ``d`` or ``e``."""
    digits: int = 0
    signed: bool = False

    def __str__(self) -> str:
        out = "+" if self.signed else ""
        if self.kind != "d":
            out += f".{self.digits}"
        return out + self.kind


def parse_spec(spec: str | Spec) -> Spec:
    if isinstance(spec, Spec):
        return spec
    m = _SPEC.match(spec)
    if not m:
        raise ValueError(f"bad number spec {spec!r}: expected [+][.N](f|%|x|d|e)")
    digits = int(m["digits"]) if m["digits"] is not None else (0 if m["kind"] == "d" else 2)
    return Spec(m["kind"], digits, bool(m["sign"]))


def _format_plain(value: float, s: Spec) -> str:
    sign = "+" if s.signed else ""
    if s.kind == "f":
        text = f"{value:{sign}.{s.digits}f}"
    elif s.kind == "%":
        text = f"{value * 100:{sign}.{s.digits}f}%"
    elif s.kind == "x":
        text = f"{value:{sign}.{s.digits}f}{TIMES}"
    elif s.kind == "d":
        if value != int(value):
            raise ValueError(f"integer spec for non-integer value {value!r}")
        text = f"{int(value):{sign}d}"
    else:  # "e": compact exponent, 1e-4 rather than 1e-04
        mant, exp = f"{value:{sign}.{s.digits}e}".split("e")
        text = f"{mant}e{int(exp)}"
    return text


def _shows_zero(text: str) -> bool:
    return text.lstrip("+-").split("e")[0].strip("0.%×") == ""


def format_value(value: float, spec: str | Spec) -> str:
    """Format ``value`` according to ``spec`` (see the module docstring).

    A non-zero value that would show as zero gets up to :data:`MAX_EXTRA_DIGITS` more decimals,
    else it is shown as ``< HALF-UNIT`` of the spec's precision; zero shows without a sign.
    """
    s = parse_spec(spec)
    if not math.isfinite(value):
        raise ValueError(f"cannot format non-finite value {value!r}")
    if value == 0:
        return _format_plain(0.0, Spec(s.kind, s.digits, False))  # never "+0.000" or "-0.000"
    text = _format_plain(value, s)
    if not _shows_zero(text) or s.kind in ("d", "e"):
        return text
    for extra in range(1, MAX_EXTRA_DIGITS + 1):
        text = _format_plain(value, Spec(s.kind, s.digits + extra, s.signed))
        if not _shows_zero(text):
            return text
    half = 0.5 * 10.0 ** (-s.digits)  # half a unit of the spec's last digit, as shown
    unit = {"%": "%", "x": TIMES}.get(s.kind, "")
    return f"{LESS_THAN}{half:.{s.digits + 1}f}{unit}"


def format_range(lo: float, hi: float, spec: str | Spec, sep: str = RANGE_SEP) -> str:
    return f"{format_value(lo, spec)}{sep}{format_value(hi, spec)}"


@dataclass(frozen=True)
class Parsed:
    """A number as read from text: its value in the unit shown and how precisely it is shown."""

    value: float
    """The value as a plain number (percent already divided by 100)."""
    spec: Spec
    text: str
    bound: str | None = None
    """``"<"`` for an upper bound of the magnitude (``< 0.0005``): ``value`` is that bound."""

    @property
    def half_ulp(self) -> float:
        """Half a unit of the last displayed digit, in the value's own scale."""
        if self.spec.kind == "e":
            m = re.search(r"[eE]([+\-\u2212]?\d+)", self.text)
            if m:  # the exponent as shown ("10.0e-5" has a unit of 1e-6)
                exp = int(m[1].replace("\u2212", "-"))
            else:
                exp = math.floor(math.log10(abs(self.value))) if self.value else 0
            return 0.5 * 10.0 ** (exp - self.spec.digits)
        unit = 10.0 ** (-self.spec.digits)
        return 0.5 * unit / (100.0 if self.spec.kind == "%" else 1.0)


_NUMBER = re.compile(
    r"^(?P<sign>[+" + MINUS_CHARS + r"])?(?P<int>\d+)(?:\.(?P<frac>\d+))?"
    r"(?:[eE](?P<exp>[+\-\u2212]?\d+))?(?P<unit>%|×|x)?$"
)


def parse_number(text: str) -> Parsed:
    """Read a shown number (``+0.111``, ``−0.02``, ``0.3%``, ``5.07×``, ``1e-4``, ``66``,
    ``< 0.0005``)."""
    t = text.strip().replace(",", "")
    if t.startswith("<"):
        inner = parse_number(t[1:])
        if inner.value <= 0 or inner.spec.signed:
            raise ValueError(f"not a magnitude bound: {text!r}")
        return Parsed(inner.value, inner.spec, text, bound="<")
    m = _NUMBER.match(t)
    if not m:
        raise ValueError(f"not a number: {text!r}")
    frac = m["frac"] or ""
    neg = m["sign"] is not None and m["sign"] != "+"  # any minus character
    signed = m["sign"] == "+"  # the spec's "+" flag: a plus sign is shown
    mag = float(f"{m['int']}.{frac}" if frac else m["int"])
    if m["exp"] is not None:
        exp = int(m["exp"].replace("\u2212", "-"))
        try:
            value = mag * 10.0**exp
        except OverflowError:  # "9e4813" inside a hash, not a number anyone wrote
            raise ValueError(f"not a representable number: {text!r}") from None
        spec = Spec("e", len(frac), signed)
    elif m["unit"] == "%":
        value = mag / 100.0
        spec = Spec("%", len(frac), signed)
    elif m["unit"] in ("×", "x"):
        value = mag
        spec = Spec("x", len(frac), signed)
    elif frac:
        value = mag
        spec = Spec("f", len(frac), signed)
    else:
        value = mag
        spec = Spec("d", 0, signed)
    return Parsed(-value if neg else value, spec, text)


def agrees(value: float, shown: Parsed | str) -> bool:
    """True when ``value`` displays as ``shown`` at its precision (round half either way).

    The comparison allows exactly half a unit of the last digit (plus float noise), so both
    correct roundings of a tie agree and a number off by one unit of its last digit does not.
    """
    p = parse_number(shown) if isinstance(shown, str) else shown
    if p.bound == "<":
        return 0 < abs(value) < p.value
    tol = p.half_ulp * (1 + 1e-9) + 8 * _EPS * max(abs(value), abs(p.value))  # float noise
    return abs(value - p.value) <= tol


def same_format(value: float, shown: Parsed | str) -> bool:
    """True when formatting ``value`` with the shown spec reproduces the shown text exactly."""
    p = parse_number(shown) if isinstance(shown, str) else shown
    want = p.text.strip().replace("\u2212", "-").replace("x", TIMES)
    spec = Spec("f", 0, p.spec.signed) if p.spec.kind == "d" else p.spec  # "2" shows 1.5 too
    if p.bound == "<":  # "< 0.0005" is what a ".3f" spec shows for a tinier value
        spec = Spec(p.spec.kind, max(p.spec.digits - 1, 0), False)
    try:
        return format_value(value, spec) == want
    except ValueError:
        return False
