"""The schema's semantic codes, the one tolerance of recomputed arithmetic, and small helpers
shared by :mod:`personageo.schema._semantics` and ``personageo verify``.

The codes (``Snnn``) are registered in :data:`personageo.findings.CODES`; ``verify`` reports a
schema finding under its own code where it has one (:data:`VERIFY_CODE`, e.g. S007 delta-mismatch
as V301), else as V001.
"""

from __future__ import annotations

import math

from personageo.findings import CODES, Code

#: Tolerance of every recomputed value stored as float64 (delta = post - base, ratio, p from b,
#: adjusted p, seed aggregates), used by the schema's checks and by ``verify`` alike:
#: ``math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL)``. A relative 1e-9 is a million times
#: float64's rounding (so a value written by another numerically sound implementation passes)
#: and far below any shown precision; the absolute 1e-12 only decides values near 0, where a
#: delta of 1e-10 against 0 is a real difference, not noise.
REL_TOL = 1e-9
ABS_TOL = 1e-12

#: Metrics whose values are cosines (bounded in [-1, 1]).
COSINE_METRICS = {"M1"}


def close(a: float, b: float) -> bool:
    """``a`` equals recomputed ``b`` within :data:`REL_TOL` / :data:`ABS_TOL`."""
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def fmt(x: float | None) -> str:
    """Compact number for messages: 6 significant digits (``null`` for None)."""
    return "null" if x is None else f"{x:.6g}"


def is_significant(p_adjusted: float, alpha: float, rule: str) -> bool:
    return p_adjusted < alpha if rule == "lt" else p_adjusted <= alpha


_TABLE = [
    ("S001", "duplicate-entry", "an id (or a layer) occurs twice in its list"),
    ("S002", "unknown-reference", "a reference names no record of the file (or a layer not in "
     "design.layers)"),
    ("S003", "cosine-out-of-range", "a cosine metric outside [-1, 1]"),
    ("S004", "measurement-mismatch", "a cell's base/post measurement is of another method, layer "
     "or metric"),
    ("S005", "delta-missing", "a cell with both measurements has no delta"),
    ("S006", "delta-mismatch", "delta != post - base"),
    ("S007", "p-below-floor", "a (b+1)/(n_perm+1) p below the resolution floor 1/(n_perm+1)"),
    ("S008", "p-b-mismatch", "p does not follow from the exceedance count b"),
    ("S009", "b-exceeds-n", "exceedance count b larger than n_perm"),
    ("S010", "adjusted-below-raw", "an adjusted p below its raw p"),
    ("S011", "family-membership", "a cell and its family disagree about membership"),
    ("S012", "significance-mismatch", "significance flag does not follow from adjusted p, alpha "
     "and the family's rule"),
    ("S013", "comparison-delta-mismatch", "comparison delta != its cell's delta"),
    ("S014", "ratio-mismatch", "ratio != delta / baseline_delta (or given for a zero baseline "
     "delta, or missing without a reason)"),
    ("S015", "ratio-fields", "ratio, its interval, its vote and ratio_undefined contradict each "
     "other"),
    ("S016", "difference-mismatch", "difference != delta - baseline_delta"),
    ("S017", "verdict-votes", "more votes than voters, or undetermined under the point rule"),
    ("S018", "interval-order", "an interval with low > high"),
    ("S019", "aggregate-size", "a seed aggregate's n differs from its number of cells"),
]
for _code, _name, _summary in _TABLE:
    CODES.register(Code(_code, _name, "error", _summary, "schema"))

#: The ``verify`` code a schema finding is reported under (the rest are V001).
VERIFY_CODE = {"S006": "V301", "S007": "V101", "S008": "V103", "S009": "V104",
               "S012": "V202", "S013": "V302", "S014": "V303"}
