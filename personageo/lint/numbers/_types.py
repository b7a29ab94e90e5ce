"""Result objects of the number check (plain dataclasses; the rule layer formats them). Its
findings are the shared :class:`~personageo.findings.Finding`, built by :func:`number_finding`."""

from __future__ import annotations

from dataclasses import dataclass, field

from personageo.errors import Location
from personageo.findings import Finding
from personageo.numfmt import Parsed


@dataclass
class NumberClaim:
    """One number shown in the body, and what became of it."""

    text: str
    """The number exactly as shown."""
    line: int
    col: int
    """1-based line and column of the first character."""
    end_col: int
    """1-based column just after the last character."""
    value: Parsed
    context: str
    """``prose``, ``table``, ``caption``, ``list`` or ``setup`` (the collapsed setup card)."""
    form: str = "single"
    """``single``, ``range``, ``interval``, ``fraction``, ``arrow``, ``pm`` or ``list``."""
    role: str = "value"
    table_row: str | None = None
    """Row header (the row's key cells) when the number is in a table."""
    table_col: str | None = None
    """Column header when the number is in a table."""
    outcome: str = "unbound"
    """``verified``, ``contradicted``, ``unbound``; ``unchecked`` when no results were given."""
    binding: str | None = None
    """Record path(s) or derivation the number was checked against."""
    bound_value: float | None = None
    bound_by: str | None = None
    """``sidecar``, ``table``, ``unit`` (prose such as "the 80-cell family") or ``prose`` (the
    quantity and facets its sentence names)."""


#: The finding code (lint rule id) of each kind of number finding.
KIND_CODE = {"contradicted": "PG101", "unbound": "PG102", "stale": "PG104"}
_CODE_KIND = {code: kind for kind, code in KIND_CODE.items()}


def kind_of(finding: Finding) -> str:
    """``contradicted``, ``unbound`` or ``stale`` for a finding of the number check."""
    return _CODE_KIND[finding.code]


def number_finding(kind: str, severity: str, line: int, col: int, end_col: int, text: str,
                   message: str, bound_value: float | None = None,
                   binding: str | None = None) -> Finding:
    """A finding of the number check: code PG101/PG102/PG104 for ``kind``, the span of the
    number as shown on its line, the number (``extra["text"]``), and for a bound number the
    value it was checked against (``checked_against``, ``extra["bound_value"]``)."""
    extra: dict = {"text": text}
    if bound_value is not None:
        extra["bound_value"] = bound_value
    return Finding(KIND_CODE[kind], message, Location(line=line, col=col, end_line=line,
                                                      end_col=end_col),
                   severity=severity, checked_against=binding, extra=extra)


@dataclass
class NumbersReport:
    checked: bool
    """False when no results were given ("numbers not checked")."""
    claims: list[NumberClaim] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Remarks for the reader (e.g. the sidecar was written for another version of the body)."""

    def count(self, outcome: str) -> int:
        return sum(c.outcome == outcome for c in self.claims)
