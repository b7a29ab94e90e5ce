"""The table of ``personageo verify``'s stable codes, and the result of one run.

Findings are :class:`personageo.findings.Finding` values (re-exported here as ``Finding``);
the codes below are registered in the shared :data:`personageo.findings.CODES`.

Codes are grouped by family (ruff-style, never reused): V0xx schema consistency, V1xx tests and
p-values, V2xx multiple-testing families, V3xx deltas, comparisons and baselines, V4xx verdicts,
V5xx provenance, V6xx inputs.
"""

from __future__ import annotations

from dataclasses import dataclass

from personageo.findings import CODES as ALL_CODES
from personageo.findings import SEVERITIES, Code, Finding

__all__ = ["CODES", "SEVERITIES", "Code", "Finding", "VerifyResult", "verify_dict"]

_TABLE = [
    ("V001", "schema-consistency", "error", "a semantic check of the results schema fails"),
    ("V101", "p-below-floor", "error",
     "p below the Monte-Carlo resolution floor 1/(n_perm+1) (e.g. p = 0)"),
    ("V102", "p-b-over-n", "warning",
     "p computed as b/n_perm, biased low; the valid p is (b+1)/(n_perm+1)"),
    ("V103", "p-b-mismatch", "error", "p does not follow from the exceedance count b"),
    ("V104", "b-exceeds-n", "error", "exceedance count b larger than n_perm"),
    ("V105", "significance-with-valid-p", "warning",
     "significance changes when p is recomputed as (b+1)/(n_perm+1) and re-adjusted"),
    ("V106", "pair-test-level", "warning",
     "the cell relies on the pair sign-flip test, which does not hold its level (its pairs share "
     "personas); it is valid only to reproduce the original"),
    ("V201", "adjusted-p-mismatch", "error",
     "adjusted p does not follow from the raw p-values within the declared family"),
    ("V202", "significance-mismatch", "error",
     "significance flag does not follow from adjusted p, alpha and the rule"),
    ("V203", "alt-adjusted-p-mismatch", "error",
     "a recorded alternative correction (extra.p_holm, ...) does not follow from the raw p"),
    ("V204", "nonstandard-correction", "warning",
     "family corrected with the original non-standard running-max BH"),
    ("V205", "family-mixes-metrics", "info", "a family corrects cells of several metrics"),
    ("V206", "alpha-unreachable", "warning",
     "no cell of the family can reach alpha: the smallest attainable adjusted p (test floor, "
     "n_perm, correction, family size) is above it"),
    ("V301", "delta-mismatch", "error", "delta != post - base"),
    ("V302", "comparison-delta-mismatch", "error", "comparison delta != its cell's delta"),
    ("V303", "ratio-mismatch", "error", "ratio != delta / baseline_delta"),
    ("V304", "base-mismatch", "error",
     "the two deltas of a comparison were measured from different base measurements"),
    ("V305", "baseline-base-unrecorded", "warning",
     "which base measurement the baseline delta came from is not recorded"),
    ("V306", "baseline-cell-missing", "error", "the baseline cell is not in the baseline file"),
    ("V307", "baseline-delta-mismatch", "error",
     "baseline_delta != the baseline file's delta for that cell"),
    ("V308", "baseline-base-mismatch", "error",
     "the delta and the baseline delta come from different base extractions (across files)"),
    ("V309", "baseline-base-missing", "warning",
     "the baseline file records no base measurement for the baseline cell"),
    ("V310", "baseline-design-differs", "warning",
     "the baseline file's design differs (base model, personas, layers, methods)"),
    ("V311", "duplicate-measurement", "warning",
     "two measurements of one checkpoint/method/layer/metric with different values"),
    ("V312", "baseline-source-mismatch", "warning",
     "comparison.baseline.source does not name the --baseline file's experiment"),
    ("V313", "aggregate-mismatch", "error",
     "a seed aggregate's n, mean or sd does not follow from its cells' deltas"),
    ("V314", "baseline-base-inferred", "warning",
     "the baseline cell records no base, and the baseline file's only base measurement for its "
     "method/layer differs from this file's: the ratio mixes bases unless another base was used"),
    ("V315", "mixed-base-recount", "warning",
     "ratio counts and verdicts recomputed with the baseline deltas rebased onto this file's "
     "base measurements"),
    ("V316", "rebased-baseline-mismatch", "error",
     "a baseline delta rebased onto this file's base does not follow from the baseline file's "
     "post measurement and this file's base measurement"),
    ("V401", "votes-mismatch", "error", "verdict vote counts do not follow from the ratios"),
    ("V402", "verdict-mismatch", "error", "verdict result does not follow from its rule"),
    ("V403", "verdict-comparisons", "error",
     "a verdict's comparisons do not match its method/group or repeat a layer"),
    ("V404", "verdict-rule-invalid", "error", "the verdict rule cannot decide (thresholds)"),
    ("V405", "verdict-ratio-missing", "warning", "a voting comparison has no ratio"),
    ("V501", "packages-unrecorded", "warning", "package versions not recorded"),
    ("V502", "sidedness-unrecorded", "warning", "test sidedness (alternative) not recorded"),
    ("V503", "b-unrecorded", "warning", "exceedance count b not recorded"),
    ("V504", "correction-from-docs", "warning",
     "family correction not recorded by the source; taken from documentation"),
    ("V505", "documented-not-recorded", "info",
     "values the legacy import took from documentation, not from the file"),
    ("V506", "fields-unknown", "info", "fields the source did not record"),
    ("V507", "environment-unrecorded", "warning",
     "git commit, CUDA, hardware or python version not recorded"),
    ("V508", "questions-unrecorded", "warning", "question count / distinct count not recorded"),
    ("V601", "duplicate-question", "warning", "a question occurs more than once in the input"),
    ("V602", "question-count-mismatch", "error",
     "the recorded question counts disagree with the questions file"),
    ("V603", "duplicate-question-id", "error", "a question id occurs more than once"),
    ("V604", "questions-hash-mismatch", "error", "the questions file's sha256 differs"),
    ("V605", "questions-recorded-duplicates", "warning",
     "the recorded question set has fewer distinct questions than questions"),
]
for _row in _TABLE:
    ALL_CODES.register(Code(*_row, source="verify"))
#: verify's codes (registered in :data:`personageo.findings.CODES`), by id, in table order.
CODES: dict[str, Code] = ALL_CODES.of("verify")


def verify_dict(f: Finding) -> dict:
    """A finding in ``verify --format json``'s layout (its keys predate the shared model)."""
    return {"code": f.code, "pointer": f.pointer, "message": f.message, "expected": f.expected,
            "path": f.path, "line": f.line, "severity": f.severity, "name": f.name}


@dataclass
class VerifyResult:
    """All findings of one ``verify`` run, in check order."""

    findings: list[Finding]
    path: str | None = None
    baseline_path: str | None = None
    questions_path: str | None = None

    def count(self, severity: str) -> int:
        return sum(f.severity == severity for f in self.findings)

    @property
    def has_errors(self) -> bool:
        return self.count("error") > 0

    def by_code(self, code: str) -> list[Finding]:
        return [f for f in self.findings if f.code == code]
