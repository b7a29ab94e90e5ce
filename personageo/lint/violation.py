"""What a lint rule reports: :class:`Violation`, plus the two non-finding outcomes a rule may yield.

A rule yields :class:`Violation` objects carrying only what it knows (message, position, and for
number findings the JSON pointer or derivation); the engine fills in the rule id, name, severity
and path. A rule may also yield :class:`Skip` (the check does not apply to this body, with the
reason shown in the report table) or :class:`Detail` (a one-line summary shown when it passes).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

#: Severities, most severe first. ``error`` fails the lint (exit 1); ``warning`` is reported
#: (an error with ``--strict``); ``info`` is only reported.
SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Violation:
    """One finding at a 1-based position of the linted file.

    ``end_line``/``end_col`` point just past the last character (exclusive end column), or are
    ``None`` when the finding is a single point.
    """

    message: str
    line: int = 1
    col: int = 1
    end_line: int | None = None
    end_col: int | None = None
    rule: str = ""
    """Rule id, e.g. ``PG201``."""
    name: str = ""
    """Rule name, e.g. ``summary-structure``."""
    severity: str = "error"
    path: str = ""
    pointer: str | None = None
    """For number findings: the JSON pointer / record path of the value the number was checked against."""
    derivation: str | None = None
    """For number findings: the derivation over values (e.g. ``ratio(a, b)``) it was checked against."""
    extra: dict = field(default_factory=dict)
    """Rule-specific structured data (e.g. the text as shown and the bound value)."""

    def sort_key(self) -> tuple:
        return (self.path, self.line, self.col, self.rule)

    def to_dict(self) -> dict:
        out = asdict(self)
        if not out["extra"]:
            out.pop("extra")
        return out

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.rule} {self.message} ({self.name})"


@dataclass(frozen=True)
class Skip:
    """The rule does not apply to this body (e.g. a v1-only check on a v2 body)."""

    reason: str


@dataclass(frozen=True)
class Detail:
    """A short summary of what a passing rule saw (e.g. ``"202 words"``), shown in the table."""

    text: str
