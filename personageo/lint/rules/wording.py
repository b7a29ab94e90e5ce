"""Wording: the confidence phrasebook and p-value-only statistics framing."""

from __future__ import annotations

import re

from personageo.lint.registry import rule
from personageo.lint.rules._common import hit_violation, regex_hits

HEDGES = re.compile(
    r"\b(?:(?:somewhat|fairly|pretty|reasonably|moderately|kind of|sort of)\s+"
    r"(?:high|low|confident|sure|certain)"
    r"|(?:low|medium|moderate|high)[- ]to[- ](?:low|medium|moderate|high)(?:\s+confidence)?"
    r"|medium[- ](?:high|low)|high-?ish|low-?ish)\b",
    re.I,
)
STATS_TERMS = re.compile(
    r"\beffect[- ]sizes?\b|\bCohen['’]?s\s+d\b|\b(?:paired\s+)?t-tests?\b"
    r"|\bFisher['’]?s\s+exact\b|\bMann[- ]Whitney\b|\bWilcoxon\b"
    r"|\bbootstrap(?:ped)?\s+(?:CIs?\b|confidence\s+intervals?\b)"
    r"|\beta[- ]squared\b|η²|\bpower\s+analys[ie]s\b|\bcredence\s+intervals?\b"
    r"|\bminimum\s+detectable\s+effects?\b",
    re.I,
)


@rule(id="PG303", name="confidence-hedge", severity="warning", check="Confidence phrasebook",
      tags=("style", "wording"))
def confidence_hedge(doc, ctx):
    """Confidence is stated with the phrasebook's levels, not ad-hoc hedges.

    What it does
    ------------
    Flags hedges such as "somewhat high", "fairly low", "pretty confident", "medium-high" or
    "low-to-moderate" in prose (code excluded).

    Why it matters
    --------------
    The group uses three levels (HIGH, MODERATE, LOW) so that confidence is comparable across
    results; "fairly confident" cannot be compared with anything.

    Example
    -------
    ``We are fairly confident the effect is real.``

    Use instead
    -----------
    ``**Confidence: MODERATE** — <the one constraint that keeps it from HIGH>``.
    """
    for m, run in regex_hits(doc, HEDGES, 1, doc.end_line):
        yield hit_violation(f"ad-hoc hedge `{m.group(0)}`: use HIGH / MODERATE / LOW", m, run)


@rule(id="PG304", name="stats-framing", severity="error", check="Stats framing (p-values only)",
      tags=("style", "statistics"))
def stats_framing(doc, ctx):
    """Statistics are reported as p-values only, without effect sizes or named tests.

    What it does
    ------------
    Flags "effect size", "Cohen's d", named tests (paired t-test, Fisher's exact, Mann-Whitney,
    Wilcoxon), "bootstrap CI", eta squared, "power analysis", "credence interval" and "minimum
    detectable effect" in prose (code excluded).

    Why it matters
    --------------
    The group's convention is one test family per result, reported as p-values; other framings
    invite comparisons that the analysis did not make.

    Example
    -------
    ``a paired t-test gives p = 0.01 (Cohen's d = 0.4)``

    Use instead
    -----------
    ``p = 0.01 (permutation test, n_perm = 10000)``.
    """
    for m, run in regex_hits(doc, STATS_TERMS, 1, doc.end_line):
        yield hit_violation(f"`{m.group(0)}`: the group reports p-values only", m, run)
