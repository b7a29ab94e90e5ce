"""Text and JSON renderings of a :class:`VerifyResult` (the CLI prints them)."""

from __future__ import annotations

import json
from itertools import groupby

from personageo.verify._findings import CODES, SEVERITIES, VerifyResult

_RANK = {s: i for i, s in enumerate(SEVERITIES)}


def _order(f):
    return (_RANK[f.severity], f.code)


def format_text(result: VerifyResult) -> str:
    """Findings grouped by code (errors first), one compact line each:
    ``path#pointer: severity CODE message (expected ...)``, then a summary line."""
    lines: list[str] = []
    for code, group in groupby(sorted(result.findings, key=_order), key=lambda f: f.code):
        items = list(group)
        c = CODES[code]
        lines.append(f"{code} {c.name}: {c.summary} [{len(items)}]")
        lines.extend(f"  {f}" for f in items)
    lines.append(summary(result))
    return "\n".join(lines)


def summary(result: VerifyResult) -> str:
    counts = ", ".join(f"{result.count(s)} {s}{'s' if s != 'info' and result.count(s) != 1 else ''}"
                       for s in SEVERITIES)
    target = result.path or "<results>"
    if result.baseline_path:
        target += f" (baseline {result.baseline_path})"
    return f"{target}: {counts}"


def format_json(result: VerifyResult) -> str:
    """Machine-readable findings with per-severity counts and the code table used."""
    used = sorted({f.code for f in result.findings})
    doc = {
        "results": result.path,
        "baseline": result.baseline_path,
        "questions": result.questions_path,
        "counts": {s: result.count(s) for s in SEVERITIES},
        "findings": [f.to_dict() for f in sorted(result.findings, key=_order)],
        "codes": {c: {"name": CODES[c].name, "severity": CODES[c].severity,
                      "summary": CODES[c].summary} for c in used},
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)
