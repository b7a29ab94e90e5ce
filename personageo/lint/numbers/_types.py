"""Result objects of the number check (plain dataclasses; the rule layer formats them)."""

from __future__ import annotations

from dataclasses import dataclass, field

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


@dataclass
class NumberFinding:
    kind: str
    """``contradicted``, ``unbound`` or ``stale``."""
    severity: str
    """``error`` or ``warning``."""
    line: int
    col: int
    end_col: int
    text: str
    message: str
    bound_value: float | None = None
    binding: str | None = None


@dataclass
class NumbersReport:
    checked: bool
    """False when no results were given ("numbers not checked")."""
    claims: list[NumberClaim] = field(default_factory=list)
    findings: list[NumberFinding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Remarks for the reader (e.g. the sidecar was written for another version of the body)."""

    def count(self, outcome: str) -> int:
        return sum(c.outcome == outcome for c in self.claims)
