"""Text, JSON and GitHub-annotation renderings of a :class:`VerifyResult` (the CLI prints them).

Repeated findings (one code, one file) are collapsed by default into one line with the count and
the first few locations (``collapse=False`` lists every finding); JSON always lists all.
"""

from __future__ import annotations

import json
from itertools import groupby
from pathlib import Path

from personageo.findings import CODES, SEVERITIES, Finding, github_annotation, text_line
from personageo.verify._findings import VerifyResult, verify_dict

#: Where a finding of a run given without a file is said to be.
NO_PATH = "<results>"

_RANK = {s: i for i, s in enumerate(SEVERITIES)}
#: Locations shown on a collapsed line.
SHOWN = 3


def _order(f: Finding):
    return (_RANK[f.severity], f.code)


def _groups(result: VerifyResult) -> list[list[Finding]]:
    """Findings by severity, code and file (check order kept inside a group)."""
    ordered = sorted(result.findings, key=lambda f: (*_order(f), f.path or ""))
    return [list(g) for _, g in groupby(ordered, key=lambda f: (f.code, f.path))]


def _locations(group: list[Finding]) -> str:
    where = [f":{f.line}" if f.line is not None else f"#{f.pointer}" if f.pointer is not None
             else "(the whole file)" for f in group[:SHOWN]]
    more = f" and {len(group) - SHOWN} more" if len(group) > SHOWN else ""
    return ", ".join(where) + more


def collapsed_line(group: list[Finding]) -> str:
    """``path: severity CODE ×N summary: #ptr1, #ptr2, #ptr3 and N-3 more``."""
    first = group[0]
    return (f"{first.path or NO_PATH}: {first.severity} {first.code} ×{len(group)} "
            f"{CODES[first.code].summary}: {_locations(group)}")


def format_text(result: VerifyResult, collapse: bool = True) -> str:
    """One line per finding, or per repeated finding with ``collapse`` (then a hint), then a
    summary line. Without ``collapse``: findings grouped under a header per code."""
    lines: list[str] = []
    if collapse:
        groups = _groups(result)
        lines += [text_line(g[0], NO_PATH) if len(g) == 1 else collapsed_line(g)
                  for g in groups]
        if any(len(g) > 1 for g in groups):
            lines.append("(repeated findings collapsed: --no-collapse or --format json lists "
                         "every one)")
    else:
        for code, group in groupby(sorted(result.findings, key=_order), key=lambda f: f.code):
            items = list(group)
            c = CODES[code]
            lines.append(f"{code} {c.name}: {c.summary} [{len(items)}]")
            lines.extend("  " + text_line(f, NO_PATH) for f in items)
    lines.append(summary(result))
    return "\n".join(lines)


def summary(result: VerifyResult) -> str:
    counts = ", ".join(f"{result.count(s)} {s}{'s' if s != 'info' and result.count(s) != 1 else ''}"
                       for s in SEVERITIES)
    target = result.path or NO_PATH
    if result.baseline_path:
        target += f" (baseline {result.baseline_path})"
    return f"{target}: {counts}"


def format_json(result: VerifyResult) -> str:
    """Machine-readable findings (every one) with per-severity counts and the code table used."""
    used = sorted({f.code for f in result.findings})
    doc = {
        "results": result.path,
        "baseline": result.baseline_path,
        "questions": result.questions_path,
        "counts": {s: result.count(s) for s in SEVERITIES},
        "findings": [verify_dict(f) for f in sorted(result.findings, key=_order)],
        "codes": {c: {"name": CODES[c].name, "severity": CODES[c].severity,
                      "summary": CODES[c].summary} for c in used},
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)


def format_github(result: VerifyResult, collapse: bool = True) -> str:
    """GitHub Actions annotations: one per finding, or per repeated finding with ``collapse``.
    A record path is placed at the line of the results file that holds it (line 1 when the file
    does not spell it out, e.g. a legacy layout)."""
    texts: dict[str, str | None] = {}
    out = []
    groups = _groups(result) if collapse else [[f] for f in sorted(result.findings, key=_order)]
    for group in groups:
        first = group[0]
        path = first.path or NO_PATH
        if first.line is not None:
            line = first.line
        else:
            if path not in texts:
                texts[path] = _read(path)
            line = pointer_line(texts[path], first.pointer or "")
        if len(group) == 1:
            tail = f" (expected {first.expected})" if first.expected else ""
            where = "" if first.line is not None or first.pointer is None else \
                f"#{first.pointer}: "
            message = f"{where}{first.message}{tail}"
        else:
            message = f"×{len(group)} {CODES[first.code].summary}: {_locations(group)}"
        out.append(github_annotation(first, message, file=path, line=line))
    return "\n".join(out)


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def pointer_line(text: str | None, pointer: str) -> int:
    """1-based line of the JSON ``text`` where record path ``pointer`` is written: each part
    (key or record id) is looked for as a JSON string after the previous one; line 1 when the
    first part is not found."""
    if not text:
        return 1
    pos = -1
    for raw in pointer.split("/")[1:]:
        part = raw.replace("~1", "/").replace("~0", "~")
        if part.isdigit():
            continue
        hit = text.find(json.dumps(part, ensure_ascii=False), pos + 1)
        if hit < 0:
            break
        pos = hit
    return text.count("\n", 0, max(pos, 0)) + 1


FORMATS = ("text", "json", "github")
