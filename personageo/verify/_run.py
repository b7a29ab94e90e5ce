"""Run every check on a results file (and optionally its baseline file and questions)."""

from __future__ import annotations

import os
from dataclasses import replace

from personageo.errors import Location, PersonageoError
from personageo.findings import INTERNAL_ERROR, Finding, internal_error
from personageo.schema import RunResult, check_semantics, load_run_result
from personageo.schema.invariants import VERIFY_CODE
from personageo.verify._baseline import check_against_baseline, check_baseline_unrecorded
from personageo.verify._context import Context
from personageo.verify._findings import VerifyResult
from personageo.verify._provenance import check_provenance
from personageo.verify._questions import Question, check_questions, read_questions
from personageo.verify._records import check_comparisons, check_deltas, check_verdicts
from personageo.verify._tests import check_families, check_tests


def verify_run(
    run: RunResult,
    *,
    path: str | None = None,
    baseline: RunResult | None = None,
    baseline_path: str | None = None,
    questions: list[Question] | None = None,
    questions_path: str | None = None,
) -> VerifyResult:
    """Recompute everything recomputable in ``run`` and return every inconsistency.

    Parameters
    ----------
    run
        The results to audit (any schema-v1 run, including one that fails semantic checks).
    path
        Its file, shown in each finding.
    baseline, baseline_path
        The results file the comparisons' baseline deltas come from; enables the cross-file
        checks (V306-V312), above all V308 (deltas from different base extractions).
    questions, questions_path
        The extraction questions (see :func:`read_questions`); enables V601-V604.

    Returns
    -------
    VerifyResult
        Findings in check order; ``has_errors`` decides the exit code.
    """
    ctx = Context(run, path)
    invariants = _run_step(ctx, "the schema's semantic checks", check_semantics, ctx.run) or []
    _schema_findings(ctx, invariants, specific=True)
    _run_step(ctx, "the permutation-test checks", check_tests, ctx)
    _run_step(ctx, "the family checks", check_families, ctx)
    _run_step(ctx, "the delta checks", check_deltas, ctx)
    _run_step(ctx, "the comparison checks", check_comparisons, ctx)
    resolved: set[str] = set()
    if baseline is not None:
        resolved = _run_step(ctx, "the baseline checks", check_against_baseline, ctx, baseline,
                             baseline_path) or set()
    _run_step(ctx, "the baseline checks", check_baseline_unrecorded, ctx, resolved)
    _run_step(ctx, "the verdict checks", check_verdicts, ctx)
    _run_step(ctx, "the provenance checks", check_provenance, ctx,
              with_questions=questions is not None)
    if questions is not None:
        _run_step(ctx, "the question checks", check_questions, ctx, questions,
                  questions_path or "<questions>")
    _schema_findings(ctx, invariants, specific=False)
    return VerifyResult(ctx.findings, path, baseline_path, questions_path)


def verify_files(
    results: str | os.PathLike,
    baseline: str | os.PathLike | None = None,
    questions: str | os.PathLike | None = None,
) -> VerifyResult:
    """Load the files (legacy layouts are imported) and :func:`verify_run` them.

    Raises
    ------
    InputError
        A file is unreadable, not JSON, or not a results file of a known layout.
    """
    run = load_run_result(results, semantic=False)
    other = load_run_result(baseline, semantic=False) if baseline is not None else None
    qs = read_questions(questions) if questions is not None else None
    return verify_run(run, path=str(results), baseline=other,
                      baseline_path=None if baseline is None else str(baseline),
                      questions=qs, questions_path=None if questions is None else str(questions))


def _run_step(ctx: Context, what: str, check, *args, **kw):
    """Run one check; one that raises (a bug, not the user's input) becomes the internal-error
    finding X001, an error: a check that could not run is never a pass."""
    try:
        return check(*args, **kw)
    except PersonageoError:
        raise  # an unreadable input is the user's error (exit 2)
    except Exception as exc:
        ctx.findings.append(internal_error(what, exc, Location(ctx.path)))
        return None


def _schema_findings(ctx: Context, invariants: list[Finding], specific: bool) -> None:
    """The schema's semantic findings at record paths (index pointers turned into record
    paths): with ``specific``, those verify has its own code for (V101, V103, V104, V202,
    V301-V303); else the rest as V001, each unless a finding already sits at its record path.
    An internal error of the schema's checks is kept as it is."""
    doc = ctx.run.model_dump(mode="json")
    taken = {f.pointer for f in ctx.findings}
    for issue in invariants:
        code = VERIFY_CODE.get(issue.code, "V001")
        if issue.code == INTERNAL_ERROR.code:
            if not specific:
                ctx.findings.append(replace(issue, location=Location(ctx.path)))
            continue
        if specific != (code != "V001"):
            continue
        parts = to_record_parts(doc, issue.pointer or "")
        if not specific:
            finding_ptr = "/" + "/".join(_escape(str(p)) for p in parts) if parts else ""
            if finding_ptr in taken:
                continue
            taken.add(finding_ptr)
        ctx.add(code, tuple(parts), issue.message, issue.expected)


def to_record_parts(doc, pointer: str) -> list:
    """Parts of a record path for an index-based JSON ``pointer`` into ``doc``: list items that
    have an ``id`` (or ``checkpoint``) are named by it."""
    parts: list = []
    cur = doc
    for raw in [p for p in pointer.split("/")[1:]]:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            item = cur[int(part)]
            key = next((item[k] for k in ("id", "checkpoint") if isinstance(item, dict)
                        and isinstance(item.get(k), str)), None)
            parts.append(key if key is not None else int(part))
            cur = item
        elif isinstance(cur, dict) and part in cur:
            parts.append(part)
            cur = cur[part]
        else:
            parts.append(part)
            cur = None
    return parts


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")
