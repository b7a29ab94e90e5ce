"""The v1 ``### Results`` block: takeaways bullets and exactly one Confidence line."""

from __future__ import annotations

import re

from personageo.lint.registry import rule
from personageo.lint.rules._common import CONFIDENCE, LEVELS, at, result_sections
from personageo.lint.violation import Skip, Violation

_TAKEAWAYS = re.compile(r"^\*\*Main takeaways:\*\*|^\*\*Main takeaways\*\*:", re.I)
_DASH = re.compile(r"^\*\*Confidence:[^*]*\*\*\s*[—–-]")


def confidence_paragraphs(doc, section):
    """Top-level paragraphs of ``section`` that start with ``**Confidence:``."""
    return [p for p in doc.in_section(doc.paragraphs, section)
            if not p.in_list and CONFIDENCE.match(p.raw)]


@rule(id="PG208", name="results-block-shape", severity="error", check="Results block shape",
      layouts=("v1",), tags=("structure",))
def results_block_shape(doc, ctx):
    """v1 ``### Results`` has ``**Main takeaways:**`` bullets, then one Confidence line.

    What it does
    ------------
    In the v1 ``### Results`` section: a ``**Main takeaways:**`` label followed by at least one
    bullet, then a line ``**Confidence: LEVEL** — <sentence>`` with LEVEL one of HIGH,
    MODERATE, LOW. v2 bodies put the Confidence bullet in the AI TL;DR instead and are skipped.

    Why it matters
    --------------
    The takeaways and the confidence level are what readers quote; tools read the level.

    Example
    -------
    ``**Confidence: MEDIUM** — ...`` or takeaways written as a paragraph.

    Use instead
    -----------
    ``**Main takeaways:**``, bullets, then ``**Confidence: MODERATE** — <binding constraint>``.
    """
    sections = result_sections(doc, ctx.layout)
    if not sections:
        yield Skip("no `### Results` section (see PG201)")
        return
    results = sections[0]
    label = next((p for p in doc.in_section(doc.paragraphs, results) if _TAKEAWAYS.match(p.raw)), None)
    if label is None:
        yield at(results, "`### Results` has no `**Main takeaways:**` label")
    elif not [i for i in doc.in_section(doc.list_items, results) if i.line > label.line]:
        yield Violation("`**Main takeaways:**` is not followed by `- ` bullets", label.line, 1)
    lines = confidence_paragraphs(doc, results)
    if not lines:
        yield at(results, "`### Results` has no `**Confidence: LEVEL** — <sentence>` line")
    for p in lines:
        level = CONFIDENCE.match(p.raw).group(1)
        if level.upper() not in LEVELS or level != level.upper():
            yield Violation(f"confidence level `{level}` is not one of HIGH, MODERATE, LOW",
                            p.line, 1)
        elif not _DASH.match(p.raw):
            yield Violation("Confidence line needs ` — <one sentence>` after the level", p.line, 1)
        if label is not None and p.line < label.line:
            yield Violation("Confidence line comes before `**Main takeaways:**`", p.line, 1)


@rule(id="PG209", name="duplicate-confidence-line", severity="warning",
      check="Single Confidence line", layouts=("v1",), tags=("structure",))
def duplicate_confidence_line(doc, ctx):
    """v1 ``### Results`` has exactly one Confidence line.

    What it does
    ------------
    Warns on every ``**Confidence: ...**`` paragraph after the first in ``### Results``.

    Why it matters
    --------------
    Two confidence lines can disagree; the title marker is matched against one of them.

    Example
    -------
    ``**Confidence: LOW** — ...`` followed later by ``**Confidence: MODERATE** — ...``.

    Use instead
    -----------
    One Confidence line naming the binding constraint.
    """
    sections = result_sections(doc, ctx.layout)
    if not sections:
        yield Skip("no `### Results` section (see PG201)")
        return
    for p in confidence_paragraphs(doc, sections[0])[1:]:
        yield Violation("second Confidence line in `### Results`", p.line, 1)
