"""Background: enough context, and the prior issue that motivated the experiment."""

from __future__ import annotations

import re

from personageo.lint.registry import rule
from personageo.lint.rules._common import at, first_h3, word_count
from personageo.lint.violation import Detail, Skip

MIN_WORDS = 30
_REF = re.compile(r"(?<![\w&])#(\d+)\b")
_ISSUE_URL = re.compile(r"/(?:issues|pull)/(\d+)\b")


def issue_refs(doc, start: int, end: int) -> list[int]:
    """Issue numbers referenced in lines ``[start, end]``: ``#N`` text and ``/issues/N`` links."""
    found: list[int] = []
    for run in doc.runs_between(start, end):
        found += [int(n) for n in _REF.findall(run.text)]
    for link in doc.within(doc.links, start, end):
        found += [int(n) for n in _ISSUE_URL.findall(link.href)]
    return list(dict.fromkeys(found))


@rule(id="PG211", name="background-context", severity="warning", check="Background context",
      tags=("content",))
def background_context(doc, ctx):
    """Background has at least 30 words.

    What it does
    ------------
    Counts the words of ``### Background`` (headings and code excluded).

    Why it matters
    --------------
    A reader arriving from a link needs the open question and what earlier work found.

    Example
    -------
    ``### Background`` followed by ``See #84.``

    Use instead
    -----------
    Two or three sentences: the question, what prior issues found, why this experiment.
    """
    section = first_h3(doc, r"^background$")
    if section is None:
        yield Skip("no `### Background` section (see PG201)")
        return
    words = sum(word_count(p.prose) for p in doc.paragraphs if section.line < p.line <= section.end_line)
    if words < MIN_WORDS:
        yield at(section, f"Background has {words} words, at least {MIN_WORDS} expected")
    yield Detail(f"Background has {words} words")


@rule(id="PG212", name="background-motivation", severity="error", check="Background motivation",
      tags=("content", "references"))
def background_motivation(doc, ctx):
    """Background cites at least one prior issue other than this one.

    What it does
    ------------
    Collects ``#N`` references and ``/issues/N`` links in ``### Background`` (code excluded) and
    requires one whose number differs from this issue's (``--issue`` or the frontmatter).

    Why it matters
    --------------
    A result is read against the evidence that motivated it; the link makes that evidence one
    click away.

    Example
    -------
    A Background that only describes the current experiment.

    Use instead
    -----------
    ``[#121](https://github.com/<owner>/<repo>/issues/121) found that ...``.
    """
    section = first_h3(doc, r"^background$")
    if section is None:
        yield at(None, "no `### Background` section to cite the motivating prior issue")
        return
    refs = [n for n in issue_refs(doc, section.line + 1, section.end_line) if n != ctx.issue]
    if not refs:
        this = f" other than #{ctx.issue}" if ctx.issue is not None else ""
        yield at(section, f"Background cites no prior issue{this} (`#N` or `[#N](url)`)")
    else:
        yield Detail("cites " + ", ".join(f"#{n}" for n in refs))


@rule(id="PG225", name="source-issues", severity="warning", check="Source issues",
      layouts=("v2",), status="preview", tags=("content", "references"))
def source_issues(doc, ctx):
    """When Background cites two or more prior issues, ``## Source issues`` lists each of them.

    What it does
    ------------
    Collects the prior issues cited in ``### Background`` (this issue excluded); with two or
    more, requires a ``## Source issues`` section whose bullets reference every one of them.

    Why it matters
    --------------
    The section says what each prior issue contributed, so a reader can weigh the evidence chain
    without opening every issue.

    Example
    -------
    A Background citing #205 and #237 with no ``## Source issues`` section.

    Use instead
    -----------
    ``- **[#205](url)** — supplies the LoRA baseline deltas`` for each cited issue.
    """
    background = first_h3(doc, r"^background$")
    if background is None:
        yield Skip("no `### Background` section (see PG201)")
        return
    cited = [n for n in issue_refs(doc, background.line + 1, background.end_line) if n != ctx.issue]
    if len(cited) < 2:
        yield Detail(f"Background cites {len(cited)} prior issue(s): section optional")
        return
    section = doc.section(2, r"^source issues$")
    if section is None:
        yield at(background, "Background cites " + ", ".join(f"#{n}" for n in cited)
                 + ": add `## Source issues` with a `- **[#N](url)** — contribution` bullet each")
        return
    listed = set()
    for item in doc.in_section(doc.list_items, section):
        listed |= set(issue_refs(doc, item.line, item.end_line))
    missing = [n for n in cited if n not in listed]
    if missing:
        yield at(section, "`## Source issues` does not list " + ", ".join(f"#{n}" for n in missing))
