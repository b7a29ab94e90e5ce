"""References in prose: issue links instead of bare ``#N``, and defined hypothesis labels."""

from __future__ import annotations

import re

from personageo.lint.registry import rule
from personageo.lint.rules._common import hit_violation
from personageo.lint.violation import Detail

_BARE = re.compile(r"(?<![\w&#/])#(\d+)\b")
_LABEL = re.compile(r"(?<![\w-])([HP]\d{1,2})(?![\w-])")
_SUMMARY_H2 = re.compile(r"^(human tl;dr|ai tl;dr|ai summary|tl;dr)")


def _summary_ranges(doc):
    ranges = [(s.line, s.end_line) for s in doc.find_sections(2) if _SUMMARY_H2.match(s.heading.key)]
    return ranges or [(1, doc.end_line)]


@rule(id="PG301", name="bare-issue-reference", severity="error", check="Bare #N references",
      layouts=("v2",), tags=("style", "references"))
def bare_issue_reference(doc, ctx):
    """In the TL;DRs and the AI Summary, issue references are links, not bare ``#N``.

    What it does
    ------------
    Flags every ``#N`` outside a link in ``## Human TL;DR``, ``## AI TL;DR`` and ``## AI
    Summary`` (code excluded). v2 only: v1 bodies were written for the tracker's auto-linking.

    Why it matters
    --------------
    Bodies are mirrored outside the tracker, where a bare ``#205`` links nowhere.

    Example
    -------
    ``compared to LoRA from #205``

    Use instead
    -----------
    ``compared to LoRA from [#205](https://github.com/<owner>/<repo>/issues/205)``
    """
    for start, end in _summary_ranges(doc):
        for run in doc.runs_between(start, end):
            if run.href is not None:
                continue
            for m in _BARE.finditer(run.text):
                yield hit_violation(f"bare issue reference `{m.group(0)}`: write "
                                    f"`[{m.group(0)}](<issue url>)`", m, run)


@rule(id="PG302", name="undefined-acronym", severity="error", check="Acronyms defined",
      tags=("style", "readability"))
def undefined_acronym(doc, ctx):
    """Hypothesis labels (H1, H2, P1, ...) used in prose are defined somewhere in the body.

    What it does
    ------------
    Finds labels ``H<n>`` / ``P<n>`` in prose (code excluded) and requires, for each, a definition
    in prose: ``H1 =``, ``H1 (`` or ``H1:``. Reports the first use of each undefined label.

    Why it matters
    --------------
    Labels come from the experiment's plan, which the reader of the result has not seen.

    Example
    -------
    ``closes the H2/H3 asymmetry`` with no ``H2:`` anywhere.

    Use instead
    -----------
    ``H2 (trait descriptors shift leakage less than nouns) ...`` at first use.
    """
    owners = {id(o): o for _run, o in doc.runs}
    defined = set()
    for owner in owners.values():
        defined |= set(re.findall(r"(?<![\w-])([HP]\d{1,2})\s*(?:=|\(|:)", owner.prose))
    first_use: dict[str, tuple] = {}
    for run in doc.runs_between(1, doc.end_line):
        for m in _LABEL.finditer(run.text):
            first_use.setdefault(m.group(1), (m, run))
    for label, (m, run) in sorted(first_use.items(), key=lambda kv: (kv[1][1].line, kv[1][1].col)):
        if label not in defined:
            yield hit_violation(f"hypothesis label `{label}` is used but never defined "
                                f"(`{label}: ...`, `{label} = ...` or `{label} (...)`)", m, run)
    if first_use:
        yield Detail("labels used: " + ", ".join(sorted(first_use)))
