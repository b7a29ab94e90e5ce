"""The one table of finding codes, shared by every checker.

Each checker registers its codes here when its module is imported: lint rules (``PGnnn``, from
:mod:`personageo.lint.registry`), ``verify`` (``Vnnn``), the schema's semantic checks (``Snnn``)
and this package (``X001``, an internal error). An id is registered once across all of them
(a second registration of an id is a programming error), and a name once per source.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from personageo.errors import Location
from personageo.findings._model import SEVERITIES, Finding

#: Which checker owns which id prefix.
SOURCES = {"lint": "PG", "verify": "V", "schema": "S", "findings": "X"}
_ID = re.compile(r"^(PG|V|S|X)\d{3}$")


class CodeRegistryError(RuntimeError):
    """A programming error in a code declaration (duplicate id, bad id or severity)."""


@dataclass(frozen=True)
class Code:
    """A registered finding code."""

    code: str
    name: str
    severity: str
    """Default severity (lint's can be changed per rule in ``pyproject.toml``)."""
    summary: str
    """One line: what a finding of this code means."""
    source: str = ""
    """The checker that owns the code: ``lint``, ``verify``, ``schema`` or ``findings``."""
    doc: str = ""
    """The long description (lint: the rule's docstring)."""


class CodeRegistry:
    """Codes by id; see the module docstring. Use the module-level :data:`CODES`."""

    def __init__(self) -> None:
        self._codes: dict[str, Code] = {}

    def register(self, code: Code) -> Code:
        if not _ID.match(code.code):
            raise CodeRegistryError(f"bad finding code {code.code!r}: expected PG, V, S or X "
                                    "and three digits")
        if code.source not in SOURCES or not code.code.startswith(SOURCES[code.source]):
            raise CodeRegistryError(f"{code.code}: source {code.source!r} does not own the "
                                    f"prefix (owners: {SOURCES})")
        if code.severity not in SEVERITIES:
            raise CodeRegistryError(f"{code.code}: severity {code.severity!r} not in {SEVERITIES}")
        old = self._codes.get(code.code)
        if old is not None:
            raise CodeRegistryError(f"duplicate finding code {code.code} ({old.source} "
                                    f"{old.name} and {code.source} {code.name})")
        same = [c for c in self._codes.values() if c.source == code.source and c.name == code.name]
        if same:
            raise CodeRegistryError(f"duplicate {code.source} code name {code.name} "
                                    f"({same[0].code} and {code.code})")
        self._codes[code.code] = code
        return code

    def find(self, code: str) -> Code | None:
        return self._codes.get(code)

    def __getitem__(self, code: str) -> Code:
        return self._codes[code]

    def __contains__(self, code: object) -> bool:
        return code in self._codes

    def __iter__(self) -> Iterator[Code]:
        return iter(sorted(self._codes.values(), key=lambda c: c.code))

    def __len__(self) -> int:
        return len(self._codes)

    def of(self, source: str) -> dict[str, Code]:
        """The codes of one source, by id, in registration order."""
        return {c.code: c for c in self._codes.values() if c.source == source}


#: Every finding code of personageo.
CODES = CodeRegistry()

INTERNAL_ERROR = CODES.register(Code(
    "X001", "internal-error", "error",
    "a part of a checker could not run (a missing module or an exception inside a check): "
    "reported as an error, never as a pass", "findings",
    "A check that cannot run is an error, never a pass. The finding names the part that "
    "failed and the exception; report it as a bug in personageo."))


def internal_error(what: str, exc: BaseException, location: Location | None = None) -> Finding:
    """The :data:`INTERNAL_ERROR` finding for ``what`` (a check, a rule) that raised ``exc``."""
    return Finding(INTERNAL_ERROR.code, f"internal error in {what}: {type(exc).__name__}: {exc}",
                   location or Location(), expected="the check to run (a bug in personageo)")
