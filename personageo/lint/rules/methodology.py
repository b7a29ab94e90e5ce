"""Methodology: the labelled bullets of newer v1 bodies, and a dataset example with a data link."""

from __future__ import annotations

import re

from personageo.lint.registry import rule
from personageo.lint.rules._common import at, first_h3, structured_block
from personageo.lint.violation import Skip, Violation

LABELS = ("Model", "Dataset", "Eval", "Stats")
_DATA_LINK = re.compile(
    r"https?://(?:(?:[\w.-]+\.)?(?:wandb\.ai|huggingface\.co|hf\.co)/"
    r"|github\.com/[\w.-]+/[\w.-]+/(?:blob|tree)/[0-9a-f]{7,40}/)", re.I)
_EXAMPLE = re.compile(r"\*\*Dataset example:\*\*\s*(.*)|\*\*Dataset example\*\*:\s*(.*)", re.I)


def _has_label(doc, section, label: str) -> bool:
    pattern = re.compile(rf"\*\*{label}:\*\*|\*\*{label}\*\*:", re.I)
    return any(pattern.search(text) for _n, text in doc.raw_lines(section.line, section.end_line))


@rule(id="PG210", name="methodology-bullets", severity="error", check="Methodology bullets",
      layouts=("v1",), tags=("structure",))
def methodology_bullets(doc, ctx):
    """A bulleted (newer) v1 Methodology carries the Model, Dataset, Eval and Stats labels.

    What it does
    ------------
    Applies to v1 bodies whose ``### Methodology`` is written as bullets or which use the newer
    ``## AI Summary`` block; checks for ``**Model:**``, ``**Dataset:**``, ``**Eval:**`` and
    ``**Stats:**``. Prose Methodology sections of the original ``## TL;DR`` layout are skipped:
    the decision comes from the body's shape, never from its date.

    Why it matters
    --------------
    The four labels are what a reviewer needs to judge the setup at a glance.

    Example
    -------
    A bulleted Methodology without a ``**Stats:**`` bullet.

    Use instead
    -----------
    ``- **Model:** ...``, ``- **Dataset:** ...``, ``- **Eval:** ...``, ``- **Stats:** ...``.
    """
    section = first_h3(doc, r"^methodology$")
    if section is None:
        yield Skip("no `### Methodology` section (see PG201)")
        return
    block = structured_block(doc)
    bulleted = bool(doc.in_section(doc.list_items, section))
    if not bulleted and (block is None or block.heading.key == "tl;dr"):
        yield Skip("prose Methodology in the `## TL;DR` layout (labels not required)")
        return
    missing = [f"**{label}:**" for label in LABELS if not _has_label(doc, section, label)]
    if missing:
        yield at(section, "Methodology lacks " + ", ".join(f"`{m}`" for m in missing))


@rule(id="PG213", name="dataset-example", severity="error", check="Dataset example",
      tags=("content", "reproducibility"))
def dataset_example(doc, ctx):
    """Methodology shows a dataset example and the body links the full data.

    What it does
    ------------
    ``### Methodology`` must hold a fenced example block or a ``**Dataset example:**`` label
    (``N/A`` does not count), and somewhere the body must link the full data on W&B or Hugging
    Face (a ``wandb.ai`` or ``huggingface.co`` URL). personageo also accepts a commit-pinned
    GitHub link to data kept in the research repo (``github.com/O/R/blob|tree/<sha>/...``),
    which has no hub page; a branch link does not count, since it shows whatever is pushed later.

    Why it matters
    --------------
    One concrete input shows what the model saw; the link lets a reader check the rest.

    Example
    -------
    ``**Dataset example:** N/A`` and no W&B project link.

    Use instead
    -----------
    A fenced representative input in Methodology and ``[W&B run](https://wandb.ai/...)``.
    """
    section = first_h3(doc, r"^methodology$")
    if section is None:
        yield Violation("no `### Methodology` section to hold a dataset example", 1, 1)
    else:
        fences = [f for f in doc.in_section(doc.fences, section) if f.fenced]
        labels = [(n, _EXAMPLE.search(t)) for n, t in doc.raw_lines(section.line, section.end_line)]
        labels = [(n, m) for n, m in labels if m]
        for n, m in labels:
            value = (m.group(1) or m.group(2) or "").strip()
            if value.upper().startswith("N/A"):
                yield Violation("`**Dataset example:**` is N/A", n, m.start() + 1)
        good = [m for _n, m in labels if not (m.group(1) or m.group(2) or "").strip().upper()
                .startswith("N/A")]
        if not fences and not good:
            yield at(section, "Methodology has no fenced dataset example or `**Dataset example:**`")
    hrefs = [link.href for link in doc.links] + [text for _n, text in doc.raw_lines(1, doc.end_line)]
    if not any(_DATA_LINK.search(h) for h in hrefs):
        yield at(section, "no link to the full data (a wandb.ai, huggingface.co or commit-pinned "
                 "github.com URL) in the body")
