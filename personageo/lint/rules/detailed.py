"""The detailed report: the v1 human summary and the reproducibility (setup) card."""

from __future__ import annotations

import re

from personageo.lint.registry import rule
from personageo.lint.rules._common import SENTINELS, at, h2, hit_violation, regex_hits, word_count
from personageo.lint.violation import Detail, Violation

MIN_WORDS = 30
MIN_LETTER_SHARE = 0.6
CARD_PLACEHOLDERS = re.compile(r"\{\{|\bTBD\b|\bsee config\b|\bdefault\b", re.I)


@rule(id="PG214", name="human-summary", severity="error", check="Human summary",
      layouts=("v1",), tags=("content",))
def human_summary(doc, ctx):
    """A v1 body has a ``## Human summary`` of at least 30 words in the researcher's own prose.

    What it does
    ------------
    Requires ``## Human summary`` (top of the detailed report) with at least 30 words, no
    placeholder sentinels, and mostly letters (at least 60% of its non-space characters).

    Why it matters
    --------------
    The v1 format's human summary is the researcher's own statement of the result.

    Example
    -------
    ``## Human summary`` followed by ``TBD``.

    Use instead
    -----------
    A paragraph, in the researcher's voice, saying what was found and how sure they are.
    """
    section = h2(doc, r"^human summary$")
    if section is None:
        yield at(doc.section(1, r"^detailed report$"), "no `## Human summary` section")
        return
    text = " ".join(p.prose for p in doc.paragraphs if section.line < p.line <= section.end_line)
    words = word_count(text)
    if words < MIN_WORDS:
        yield at(section, f"Human summary has {words} words, needs at least {MIN_WORDS}")
    chars = [c for c in text if not c.isspace()]
    if chars and sum(c.isalpha() for c in chars) / len(chars) < MIN_LETTER_SHARE:
        yield at(section, "Human summary is mostly numbers or symbols, not prose")
    for m, run in regex_hits(doc, SENTINELS, section.line + 1, section.end_line):
        yield hit_violation(f"placeholder `{m.group(0)}` in the Human summary", m, run)


def _setup_range(doc, ctx):
    if ctx.layout == "v1":
        section = h2(doc, r"^setup")
        return (section.line, section.end_line) if section else None
    card = next((d for d in doc.details if re.search(r"setup", d.summary_text, re.I)), None)
    if card is None:
        return None
    return card.line, card.end_line or doc.end_line


@rule(id="PG216", name="reproducibility-card", severity="error", check="Reproducibility card",
      tags=("reproducibility",))
def reproducibility_card(doc, ctx):
    """The setup card exists and has no placeholders (``{{``, ``TBD``, ``see config``, ``default``).

    What it does
    ------------
    v1: the ``## Setup & hyper-parameters`` tables; v2: the collapsed ``<details>`` card whose
    summary says "Setup details". Every value (code included) is searched for ``{{``, ``TBD``,
    ``see config`` and ``default``.

    Why it matters
    --------------
    "default" and "see config" are not values: a reader cannot rerun the experiment from them.

    Example
    -------
    ``| LR | default |``

    Use instead
    -----------
    The actual value: ``| LR | 1e-4 (cosine, no warmup) |``.
    """
    span = _setup_range(doc, ctx)
    if span is None:
        want = ("`## Setup & hyper-parameters` section" if ctx.layout == "v1"
                else "`<details><summary><b>Setup details</b>` card in `## AI Summary`")
        yield Violation(f"no {want}", 1, 1)
        return
    start, end = span
    if ctx.layout == "v1":
        runs = [(r, cell) for t in doc.within(doc.tables, start, end)
                for row in [t.header, *t.rows] for cell in row for r in cell.runs]
        for run, _cell in runs:
            for m in CARD_PLACEHOLDERS.finditer(run.text):
                yield hit_violation(f"placeholder `{m.group(0)}` in the setup table", m, run)
    else:
        for m, run in regex_hits(doc, CARD_PLACEHOLDERS, start, end, code=True):
            yield hit_violation(f"placeholder `{m.group(0)}` in the setup card", m, run)
    yield Detail(f"setup card at lines {start}-{end}")
