"""What a lint rule yields: a :class:`~personageo.findings.Finding`, or one of the two
non-finding outcomes :class:`Skip` and :class:`Detail`.

A rule yields findings carrying only what it knows (message, position, and for number findings
the results value it was checked against); the engine fills in the code (the rule id), name,
severity and path. A rule may also yield :class:`Skip` (the check does not apply to this body,
with the reason shown in the report table) or :class:`Detail` (a one-line summary shown when it
passes).
"""

from __future__ import annotations

from dataclasses import dataclass

from personageo.errors import Location
from personageo.findings import SEVERITIES, Finding

__all__ = ["SEVERITIES", "Detail", "Finding", "Skip", "Violation"]


def Violation(message: str, line: int = 1, col: int = 1, end_line: int | None = None,  # noqa: N802
              end_col: int | None = None, *, rule: str = "", name: str = "",
              severity: str = "error", path: str = "", pointer: str | None = None,
              derivation: str | None = None, extra: dict | None = None) -> Finding:
    """A :class:`Finding` at a 1-based position of the linted file.

    Compatibility constructor: lint rules have always built their findings as
    ``Violation(message, line, col, end_line, end_col, ...)``; it now returns the shared
    :class:`Finding` (``rule`` is its code; ``pointer``/``derivation``, the results value a
    number was checked against, become ``checked_against``). ``end_line``/``end_col`` point
    just past the last character (exclusive end column), or are ``None`` for a single point.
    """
    return Finding(rule, message, Location(path, line, col, end_line=end_line, end_col=end_col),
                   severity=severity, name=name, checked_against=pointer or derivation,
                   extra=dict(extra or {}))


@dataclass(frozen=True)
class Skip:
    """The rule does not apply to this body (e.g. a v1-only check on a v2 body)."""

    reason: str


@dataclass(frozen=True)
class Detail:
    """A short summary of what a passing rule saw (e.g. ``"202 words"``), shown in the table."""

    text: str
