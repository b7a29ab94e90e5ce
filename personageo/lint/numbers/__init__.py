"""The number check: every number of a write-up bound to the results and compared at its
shown precision.

Public API::

    check_numbers(source, *, path="<body>", results=(), sidecar=None, strict=False)
        -> NumbersReport(checked, claims: list[NumberClaim], findings: list[Finding], notes)
    kind_of(finding) -> "contradicted" | "unbound" | "stale"   # its code PG101 / PG102 / PG104
    NumberChecker(results).check(source, *, path=..., sidecar=..., strict=...)
        the same, with the results' facts built once for many bodies

See :mod:`personageo.lint.numbers._scan` for what counts as a number (and the exclusion rules),
:mod:`._bind` for the binding (sidecar, then the number's plausible readings: table headers
and caption title, the quantity and facets its sentence names; no free search).
"""

from personageo.lint.numbers._bind import NumberChecker, check_numbers
from personageo.lint.numbers._extract import extract
from personageo.lint.numbers._types import KIND_CODE, NumberClaim, NumbersReport, kind_of

__all__ = ["KIND_CODE", "check_numbers", "NumberChecker", "extract", "NumberClaim", "NumbersReport",
           "kind_of"]
