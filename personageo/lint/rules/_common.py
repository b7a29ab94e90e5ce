"""Helpers shared by the rule modules: section lookup per layout, word and sentence counts."""

from __future__ import annotations

import re

from personageo.lint.document import Document, Section
from personageo.lint.violation import Violation

#: Placeholder sentinels that must not survive into a published body.
SENTINELS = re.compile(r"\{\{|\bTBD\b|\.\.\.|…|<TODO>|\bXXX\b|\bFIXME\b|\bN/A\b")
#: ``**Confidence: LEVEL**`` at the start of a paragraph or bullet (level group 1).
CONFIDENCE = re.compile(r"^\*\*Confidence:\s*\**\s*([A-Za-z]+)\s*\**")
LEVELS = ("HIGH", "MODERATE", "LOW")
_WORD = re.compile(r"[^\W_]", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?][\"”’)\]*_]*(?=\s+|$)")


def word_count(text: str) -> int:
    """Whitespace-separated tokens that contain at least one letter or digit."""
    return sum(1 for w in text.split() if _WORD.search(w))


def sentence_count(text: str) -> int:
    """Sentences ending in ``.``, ``!`` or ``?`` (a trailing fragment counts as one)."""
    text = text.strip()
    if not text:
        return 0
    ends = len(_SENTENCE_END.findall(text))
    return ends + (0 if _SENTENCE_END.search(text[-3:]) else 1)


def structured_block(doc: Document) -> Section | None:
    """The H2 holding the summary H3s: ``## AI Summary`` (v2 and renamed v1) or ``## TL;DR``."""
    return doc.section(2, r"^ai summary$") or doc.section(2, r"^tl;dr$")


def summary_h3(doc: Document, match: str) -> list[Section]:
    """H3 sections of the structured block whose title matches ``match`` (whole doc if no block)."""
    return doc.find_sections(3, match, within=structured_block(doc))


def first_h3(doc: Document, match: str) -> Section | None:
    found = summary_h3(doc, match)
    return found[0] if found else None


def result_sections(doc: Document, layout: str) -> list[Section]:
    """v1: the ``### Results`` H3; v2: every ``### Result...`` H3 of the structured block."""
    return summary_h3(doc, r"^results$" if layout == "v1" else r"^result")


def at(section: Section | None, message: str, **extra) -> Violation:
    """A violation at a section's heading (or at 1:1 when there is no section)."""
    if section is None:
        return Violation(message, 1, 1, **extra)
    return Violation(message, section.heading.line, 1, **extra)


def h2(doc: Document, match: str) -> Section | None:
    return doc.section(2, match)


def regex_hits(doc: Document, pattern: re.Pattern, start: int, end: int, code: bool = False,
               links: bool = True):
    """``(match, run)`` for every hit of ``pattern`` in the inline runs of lines ``[start, end]``."""
    for run in doc.runs_between(start, end, code=code):
        if not links and run.href is not None:
            continue
        for m in pattern.finditer(run.text):
            yield m, run


def hit_violation(message: str, m: re.Match, run) -> Violation:
    return Violation(message, run.line, run.col + m.start(), run.line, run.col + m.end())
