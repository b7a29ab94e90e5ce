"""The :class:`Finding` value shared by every checker, and its severities."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from personageo.errors import Location

#: A finding's severity. ``error`` fails the check (exit 1); ``warning`` is reported (an error
#: with lint's ``--strict``); ``info`` is only reported.
Severity = Literal["error", "warning", "info"]
#: Severities, most severe first.
SEVERITIES: tuple[str, ...] = ("error", "warning", "info")


def severity_rank(severity: str) -> int:
    """0 for ``error``, 1 for ``warning``, 2 for ``info`` (for sorting, most severe first)."""
    return SEVERITIES.index(severity)


@dataclass(frozen=True)
class Finding:
    """One problem a checker found: what (``code``, ``message``), where (``location``), and
    what was expected.

    ``severity`` and ``name`` default to the registered code's (see
    :data:`personageo.findings.CODES`); a finding given both may carry a code not registered
    yet (a lint rule yields findings without a code, and the engine fills in the rule's).
    Findings sort by file, line, column, pointer and code.
    """

    code: str
    message: str
    location: Location = field(default_factory=Location)
    expected: str | None = None
    """What the checked value should have been (e.g. ``delta = post.value - base.value``)."""
    severity: str = ""
    name: str = ""
    """The code's kebab-case name, e.g. ``unbound-number``."""
    checked_against: str | None = None
    """For a number of a write-up: the results value (JSON pointer / record path) or
    derivation (``ratio(a, b)``) it was compared with."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Checker-specific structured data (e.g. the number as shown and its bound value)."""

    def __post_init__(self) -> None:
        if self.code and (not self.severity or not self.name):
            from personageo.findings._registry import CODES

            info = CODES.find(self.code)
            if info is None and not self.severity:
                raise ValueError(f"unknown finding code {self.code!r}")
            if info is not None:
                if not self.severity:
                    object.__setattr__(self, "severity", info.severity)
                if not self.name:
                    object.__setattr__(self, "name", info.name)
        if not self.severity:
            object.__setattr__(self, "severity", "error")
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}: expected one of {SEVERITIES}")

    # -- where ---------------------------------------------------------------------------------
    @property
    def path(self) -> str | None:
        return self.location.path

    @property
    def line(self) -> int | None:
        return self.location.line

    @property
    def col(self) -> int | None:
        return self.location.col

    @property
    def end_line(self) -> int | None:
        return self.location.end_line

    @property
    def end_col(self) -> int | None:
        return self.location.end_col

    @property
    def pointer(self) -> str | None:
        """JSON pointer (or record path) inside the file, for findings in a JSON file."""
        return self.location.pointer

    def where(self, default_path: str = "") -> str:
        """``path:line[:col]`` for a text position, else ``path#pointer`` (``#pointer`` alone
        without a path and ``default_path``)."""
        out = self.location.path or default_path
        if self.location.line is not None:
            out += f":{self.location.line}"
            if self.location.col is not None:
                out += f":{self.location.col}"
        elif self.location.pointer is not None:
            out += f"#{self.location.pointer}"
        return out

    # -- order and text ------------------------------------------------------------------------
    def sort_key(self) -> tuple:
        loc = self.location
        return (loc.path or "", loc.line or 0, loc.col or 0, loc.pointer or "", self.code)

    def __lt__(self, other: Finding) -> bool:
        if not isinstance(other, Finding):
            return NotImplemented
        return self.sort_key() < other.sort_key()

    @property
    def rule(self) -> str:
        """Compatibility alias of :attr:`code` (lint's findings called their code ``rule``)."""
        return self.code

    def __str__(self) -> str:
        """The one-liner the CLIs print: ``path:line:col: CODE message (name)`` at a position of
        a text file (lint's layout), else ``path#/pointer: severity CODE message (expected
        ...)`` (verify's)."""
        from personageo.findings._formats import rule_line, text_line

        if self.location.line is not None and self.location.col is not None:
            return rule_line(self)
        return text_line(self)

    def to_dict(self) -> dict:
        """Every field, flat (the location's fields inline), JSON-ready."""
        loc = self.location
        out = {"code": self.code, "name": self.name, "severity": self.severity,
               "message": self.message, "expected": self.expected, "path": loc.path,
               "line": loc.line, "col": loc.col, "end_line": loc.end_line,
               "end_col": loc.end_col, "pointer": loc.pointer,
               "checked_against": self.checked_against}
        if self.extra:
            out["extra"] = dict(self.extra)
        return out
