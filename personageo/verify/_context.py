"""What every check needs: the run, id indexes, and a sink for findings at record paths."""

from __future__ import annotations

from personageo.errors import Location
from personageo.schema import RunResult
from personageo.schema.invariants import close, fmt
from personageo.schema.paths import record_path
from personageo.verify._findings import Finding

__all__ = ["Context", "close", "fmt"]


class Context:
    """A run with id indexes and the findings collected so far."""

    def __init__(self, run: RunResult, path: str | None = None) -> None:
        self.run = run
        self.path = path
        self.findings: list[Finding] = []
        self.measurements = {m.id: m for m in run.measurements}
        self.cells = {c.id: c for c in run.cells}
        self.families = {f.id: f for f in run.families}
        self.comparisons = {c.id: c for c in run.comparisons}
        self.conditions = {c.id: c for c in run.design.conditions}

    def add(self, code: str, parts: tuple, message: str, expected: str | None = None,
            **kw) -> Finding:
        where = Location(kw.pop("path", self.path), kw.pop("line", None),
                         pointer=record_path(*parts))
        finding = Finding(code, message, where, expected, **kw)
        self.findings.append(finding)
        return finding

    def add_many(self, code: str, pointers: list[tuple], what: str, total: int,
                 expected: str | None = None) -> None:
        """One finding for a field missing in many records: first pointer, counted message."""
        if not pointers:
            return
        more = f" (first shown; {len(pointers) - 1} more)" if len(pointers) > 1 else ""
        self.add(code, pointers[0], f"{what} in {len(pointers)} of {total} records{more}",
                 expected)

    def value(self, measurement_id: str | None) -> float | None:
        m = self.measurements.get(measurement_id) if measurement_id is not None else None
        return None if m is None else m.value
