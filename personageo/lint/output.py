"""Render a :class:`~personageo.lint.engine.LintResult` as text, JSON or GitHub annotations.

* ``text``: a compact check / status / detail table like the tracker's lint comment, then one
  ``path:line:col: PGxxx message (name)`` line per finding (errors, then warnings, then notes)
  and a one-line verdict;
* ``json``: a stable object (``format_version`` 1) with the table and every finding;
* ``github``: one workflow command per finding,
  ``::error file=...,line=...,col=...,title=PGxxx name::message``.
"""

from __future__ import annotations

import json

from personageo.annotations import workflow_command
from personageo.findings import Finding, github_annotation, rule_line
from personageo.lint.engine import LintResult

FORMAT_VERSION = 1
_MARK = {"PASS": "✓ PASS", "FAIL": "✗ FAIL", "WARN": "! WARN", "SKIP": "- SKIP", "INFO": "i INFO"}


def _numbers_summary(result: LintResult) -> dict | None:
    report = result.context.cache.get("numbers_report")
    if report is None:
        return None
    return {
        "checked": report.checked,
        "claims": len(report.claims),
        "verified": report.count("verified"),
        "contradicted": report.count("contradicted"),
        "unbound": report.count("unbound"),
        "notes": list(report.notes),
    }


def _checked_against(v: Finding) -> str:
    return f" [checked against {v.checked_against}]" if v.checked_against else ""


def lint_dict(v: Finding) -> dict:
    """A finding in ``lint --format json``'s layout (``format_version`` 1: its keys predate the
    shared model). The value a number was checked against is a ``derivation`` when it is a
    function of values (``ratio(a, b)``), else a ``pointer``."""
    ca = v.checked_against
    is_derivation = bool(ca) and "(" in ca
    out = {"message": v.message, "line": v.line, "col": v.col, "end_line": v.end_line,
           "end_col": v.end_col, "rule": v.code, "name": v.name, "severity": v.severity,
           "path": v.path, "pointer": None if is_derivation else ca,
           "derivation": ca if is_derivation else None}
    if v.extra:
        out["extra"] = dict(v.extra)
    return out


def verdict(result: LintResult) -> str:
    n_err, n_warn = len(result.errors), len(result.warnings)
    tail = f"; {result.unchecked}" if result.unchecked else ""
    return f"{result.status} — {n_err} error(s), {n_warn} warning(s){tail}"


def format_text(result: LintResult, width: int = 100) -> str:
    """The table, the findings and the verdict, as plain text."""
    rows = [(f"{o.rule.id} {o.rule.check}", _MARK.get(o.status, o.status), o.detail)
            for o in result.outcomes]
    w_check = max([len(r[0]) for r in rows] + [5])
    lines = [f"Clean-result lint — {result.status}: {result.path} "
             f"(layout {result.layout}: {'; '.join(result.context.layout_reasons)})", ""]
    if result.inputs:
        lines += [f"Inputs: {n}" for n in result.inputs] + [""]
    lines.append(f"{'Check':<{w_check}}  {'Status':<7} Detail")
    lines.append("-" * min(width, w_check + 60))
    room = max(20, width - w_check - 10)
    for check, status, detail in rows:
        detail = detail if len(detail) <= room else detail[: room - 1] + "…"
        lines.append(f"{check:<{w_check}}  {status:<7} {detail}".rstrip())
    numbers = _numbers_summary(result)
    if numbers is not None:
        lines += ["", f"Numbers: {numbers['claims']} checked — {numbers['verified']} verified, "
                  f"{numbers['contradicted']} contradicted, {numbers['unbound']} unbound"]
        lines += [f"  note: {n}" for n in numbers["notes"]]
    order = {"error": 0, "warning": 1, "info": 2}
    findings = sorted(result.violations, key=lambda v: (order[v.severity], v.sort_key()))
    if findings:
        lines.append("")
        for v in findings:
            lines.append(rule_line(v) + _checked_against(v))  # path:line:col: PGxxx message (name)
    lines += ["", f"Result: {verdict(result)}"]
    return "\n".join(lines) + "\n"


def to_dict(result: LintResult) -> dict:
    """The JSON-ready form of a result."""
    return {
        "format_version": FORMAT_VERSION,
        "path": result.path,
        "layout": result.layout,
        "layout_reasons": list(result.context.layout_reasons),
        "status": result.status.lower(),
        "unchecked": result.unchecked,
        "inputs": list(result.inputs),
        "context": {"title": result.context.title, "issue": result.context.issue,
                    "created": result.context.created, "labels": list(result.context.labels),
                    "results": list(result.context.results), "claims": result.context.claims,
                    "strict": result.context.strict},
        "counts": {"error": len(result.errors), "warning": len(result.warnings),
                   "info": sum(v.severity == "info" for v in result.violations)},
        "checks": [{"rule": o.rule.id, "name": o.rule.name, "check": o.rule.check,
                    "status": o.status, "detail": o.detail} for o in result.outcomes],
        "numbers": _numbers_summary(result),
        "findings": [lint_dict(v) for v in result.violations],
    }


def format_json(result: LintResult) -> str:
    return json.dumps(to_dict(result), indent=2, ensure_ascii=False) + "\n"


def format_github(result: LintResult) -> str:
    """GitHub Actions workflow commands (errors, warnings and notices), one per finding."""
    out = []
    for v in result.violations:
        out.append(github_annotation(v, v.message + _checked_against(v)))
    if result.unchecked:
        out.append(workflow_command("error", result.unchecked, file=result.path, line=1,
                                    title="numbers not checked"))
    return "\n".join(out) + ("\n" if out else "")


FORMATTERS = {"text": format_text, "json": format_json, "github": format_github}


def render(result: LintResult, fmt: str = "text") -> str:
    """Render ``result`` in format ``fmt`` (``text``, ``json`` or ``github``)."""
    return FORMATTERS[fmt](result)
