"""Numbers that know where they came from, and the recorder that turns them into claims.

A :class:`Bound` is a value plus its binding (record paths and derivation). Templates never
format a bare float: they format a ``Bound`` through the ``num`` family of filters, which call
:func:`personageo.numfmt.format_value` and hand the text to a :class:`ClaimRecorder`. The
recorder returns a unique placeholder marker; after the whole body is rendered,
:meth:`ClaimRecorder.finalize` replaces every marker by its text and computes the 1-based line
and column of each number in the final body, which become the claims sidecar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from personageo import numfmt
from personageo.markdown import SourceText
from personageo.schema.claims import Binding, Claim

#: Private-use characters delimit markers; they never occur in rendered text.
_OPEN, _CLOSE = "\ue000", "\ue001"
_MARKER = re.compile(_OPEN + r"(\d+)" + _CLOSE)


class DerivationError(ValueError):
    """A template tried to derive a number that a claims binding cannot describe."""


@dataclass(frozen=True)
class Bound:
    """A number with its provenance: the derived ``value`` and how it follows from the results.

    Parameters
    ----------
    value : float
        The exact value (never rounded).
    paths : tuple of str
        Record paths of the inputs, in derivation order.
    derivation : str
        One of :data:`personageo.schema.claims.Derivation`.
    rule, denominator : optional
        For ``count``: the predicate and the number of records tested.
    results : int
        Index of the results file the paths refer to (0 = this run, 1 = the baseline).
    """

    value: float
    paths: tuple[str, ...] = ()
    derivation: str = "identity"
    rule: str | None = None
    denominator: int | None = None
    results: int = 0

    # Arithmetic on two identities gives the matching derivation; deeper nesting is refused
    # because a claims binding records one derivation over input paths.
    def _combine(self, other: Bound, value: float, derivation: str) -> Bound:
        if not isinstance(other, Bound):
            raise DerivationError(f"cannot combine a bound number with {other!r}")
        if self.derivation != "identity" or other.derivation != "identity":
            raise DerivationError(f"{derivation} of derived numbers cannot be recorded")
        if self.results != other.results:
            raise DerivationError(f"{derivation} across two results files cannot be recorded")
        return Bound(value, self.paths + other.paths, derivation, results=self.results)

    def __sub__(self, other: Bound) -> Bound:
        return self._combine(other, self.value - other.value, "difference")

    def __truediv__(self, other: Bound) -> Bound:
        if other.value == 0:
            raise DerivationError("ratio with a zero denominator")
        return self._combine(other, self.value / other.value, "ratio")

    def __float__(self) -> float:
        return float(self.value)

    # comparisons let templates write {% if cell.ratio > 1 %} without unwrapping
    def _v(self, other):
        return other.value if isinstance(other, Bound) else other

    def __lt__(self, other):
        return self.value < self._v(other)

    def __le__(self, other):
        return self.value <= self._v(other)

    def __gt__(self, other):
        return self.value > self._v(other)

    def __ge__(self, other):
        return self.value >= self._v(other)

    def __str__(self) -> str:  # a bare {{ bound }} must not slip into the body unbound
        raise DerivationError("a bound number must be rendered through a number filter "
                              "(num, signed, pct, times, frac, ...)")


def percent_change(new: Bound, old: Bound) -> Bound:
    """(new - old) / old, recorded as ``percent_change`` over [new, old]."""
    if old.value == 0:
        raise DerivationError("percent change from zero")
    b = new._combine(old, (new.value - old.value) / old.value, "percent_change")
    return b


_OPS = {
    ">": lambda a, b: a > b, ">=": lambda a, b: a >= b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
}


def _field_of(paths: tuple[str, ...]) -> str:
    names = {p.rsplit("/", 1)[-1] for p in paths}
    return names.pop() if len(names) == 1 else "value"


def count_where(values: list[Bound], op: str, threshold: Bound | float) -> Bound:
    """Count of ``values`` satisfying ``value <op> threshold``, shown as k or k/n.

    The rule is recorded as ``"<field> <op> <threshold>"`` where ``field`` is the common last
    path segment of the inputs (e.g. ``ratio > 1.5``); ``paths`` lists every tested value.
    """
    if op not in _OPS:
        raise DerivationError(f"unknown comparison {op!r}; expected one of {sorted(_OPS)}")
    thr = threshold.value if isinstance(threshold, Bound) else float(threshold)
    values = list(values)
    _same_results(values)
    k = sum(1 for v in values if _OPS[op](v.value, thr))
    paths = tuple(p for v in values for p in v.paths)
    return Bound(float(k), paths, "count", rule=f"{_field_of(paths)} {op} {thr:g}",
                 denominator=len(values), results=values[0].results if values else 0)


def count_records(values: list[Bound], rule: str = "records") -> Bound:
    """Number of records (e.g. personas, layers), shown as an integer."""
    values = list(values)
    paths = tuple(p for v in values for p in v.paths)
    return Bound(float(len(values)), paths, "count", rule=rule, denominator=None,
                 results=values[0].results if values else 0)


def _same_results(values: list[Bound]) -> None:
    if len({v.results for v in values}) > 1:
        raise DerivationError("cannot aggregate values from two results files")
    for v in values:
        if v.derivation != "identity":
            raise DerivationError("aggregates are taken over identities only")


def extreme(values: list[Bound], which: str) -> Bound:
    """``min``, ``max`` or ``mean`` over identities, recorded with every input path."""
    values = list(values)
    if not values:
        raise DerivationError(f"{which} of no values")
    _same_results(values)
    nums = [v.value for v in values]
    value = {"min": min, "max": max, "mean": lambda xs: sum(xs) / len(xs)}[which](nums)
    return Bound(value, tuple(p for v in values for p in v.paths), which,
                 results=values[0].results)


@dataclass
class _Pending:
    text: str
    binding: Binding
    key: str | None


@dataclass
class ClaimRecorder:
    """Collects formatted numbers during rendering and locates them afterwards."""

    pending: list[_Pending] = field(default_factory=list)

    def record(self, b: Bound, spec: str, key: str | None = None) -> str:
        """Format ``b`` with ``spec`` and return a placeholder marker for the text."""
        if not isinstance(b, Bound):
            raise DerivationError(
                f"number {b!r} is not bound to the results; look it up with v('/path') "
                "or declare it with literal(...)")
        text = numfmt.format_value(b.value, spec)
        binding = Binding(derivation=b.derivation, paths=list(b.paths), value=b.value,
                          spec=str(numfmt.parse_spec(spec)), rule=b.rule,
                          denominator=b.denominator, results=b.results)
        self.pending.append(_Pending(text, binding, key))
        return f"{_OPEN}{len(self.pending) - 1}{_CLOSE}"

    def record_fraction(self, b: Bound, key: str | None = None) -> str:
        """A count shown as ``k/n`` (one claim whose text is the whole fraction)."""
        if b.derivation != "count" or b.denominator is None:
            raise DerivationError("k/n needs a count with a denominator (count_where)")
        marker = self.record(b, "d", key)
        p = self.pending[-1]
        p.text = f"{int(b.value)}/{b.denominator}"
        return marker

    def finalize(self, body: str) -> tuple[str, list[Claim]]:
        """Replace markers by their text; return the final body and its located claims."""
        out: list[str] = []
        placed: list[tuple[int, _Pending]] = []  # (offset in the final text, number)
        pos, size = 0, 0
        for m in _MARKER.finditer(body):
            chunk = body[pos:m.start()]
            out.append(chunk)
            size += len(chunk)
            p = self.pending[int(m.group(1))]
            placed.append((size, p))
            out.append(p.text)
            size += len(p.text)
            pos = m.end()
        out.append(body[pos:])
        text = "".join(out)
        if _OPEN in text or _CLOSE in text:
            raise DerivationError("a number marker was mangled during rendering")
        source = SourceText(text)
        claims = []
        for at, p in placed:
            line, col = source.position(at)
            claims.append(Claim(text=p.text, line=line, col=col, binding=p.binding, key=p.key))
        return text, claims
