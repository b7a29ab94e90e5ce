"""Numbers bound to the results file: a thin adapter over :mod:`personageo.lint.numbers`.

The number checker (``personageo.lint.numbers.check_numbers``) is built separately; this module
registers its four rule ids, loads the ``--results`` files (legacy layouts imported) and the
bindings the body carries (:mod:`personageo.lint.numbers._inbody`; or a ``--claims`` sidecar of
an older body), calls the checker once per lint run (cached in ``ctx.cache``), and hands on its findings
(codes PG101 / PG102 / PG104 for a contradicted / unbound / stale number).
The checker's :class:`NumbersReport` stays in ``ctx.cache["numbers_report"]`` for the output.
"""

from __future__ import annotations

from personageo.errors import InputError, Location
from personageo.files import read_json
from personageo.findings import Finding
from personageo.lint.registry import rule
from personageo.lint.violation import Detail, Violation


def load_sidecar(path: str):
    """Read and validate a claims sidecar, or raise :class:`InputError` naming the field."""
    from pydantic import ValidationError

    from personageo.schema.claims import ClaimsSidecar

    try:
        return ClaimsSidecar.model_validate(read_json(path))
    except ValidationError as exc:
        first = exc.errors()[0]
        pointer = "/" + "/".join(str(p) for p in first["loc"])
        raise InputError(f"not a claims sidecar: {first['msg']}", Location(path, pointer=pointer),
                         hint="pass the .claims.json written by `personageo report render`") from None


def number_findings(doc, ctx) -> dict[str, list[Finding]] | None:
    """Findings of the number checker by rule id. The checker is part of the package: if it
    cannot be imported, lint fails with that error instead of passing unchecked numbers."""
    if "numbers" not in ctx.cache:
        from personageo.lint.numbers import check_numbers as check
        from personageo.schema import load_run_result

        results = [(p, load_run_result(p)) for p in ctx.results]
        inbody = None
        if ctx.claims:
            sidecar = load_sidecar(ctx.claims)
        else:  # the bindings the body carries (report render writes them into it)
            from personageo.lint.numbers._inbody import read_in_body

            inbody = read_in_body(ctx.text)
            sidecar = inbody.sidecar
        report = check(ctx.body or ctx.text, path=ctx.path, results=results, sidecar=sidecar,
                       strict=ctx.strict)
        out: dict[str, list[Finding]] = {}
        if inbody is not None:
            _in_body_findings(inbody, report, out)
        for f in report.findings:  # already findings with their rule's id as code
            out.setdefault(f.code, []).append(f)
        ctx.cache["numbers"] = out
        ctx.cache["numbers_report"] = report
    return ctx.cache["numbers"]


def _in_body_findings(inbody, report, out: dict[str, list[Finding]]) -> None:
    """What reading the body's own bindings found wrong: a damaged binding table (PG104: the
    numbers cannot be checked as rendered) and keys whose number was deleted (PG101)."""
    report.notes.extend(inbody.notes)
    if inbody.damaged is not None:
        line, message = inbody.damaged
        out.setdefault("PG104", []).append(Violation(
            f"{message}: the numbers cannot be checked as rendered; render the body again "
            "(`personageo report update`)", line, 1))
    for line, col, text in inbody.lost:
        out.setdefault("PG101", []).append(Violation(
            f"the number rendered here ({text}) was removed; its binding comment remains",
            line, col, line, col + 1, extra={"text": text}))


def _rule_findings(rule_id: str, doc, ctx):
    yield from number_findings(doc, ctx).get(rule_id, [])


_DOC = """
    What it does
    ------------
    {what}

    Why it matters
    --------------
    Researchers must publish without a single wrong number; each number is checked against the
    results file at the precision it is shown.

    Example
    -------
    {example}

    Use instead
    -----------
    {instead}
"""


def _numbers_rule(rule_id, name, severity, check, summary, what, example, instead):
    def func(doc, ctx):
        yield from _rule_findings(rule_id, doc, ctx)

    func.__doc__ = summary + "\n" + _DOC.format(what=what, example=example, instead=instead)
    func.__name__ = name.replace("-", "_")
    return rule(id=rule_id, name=name, severity=severity, check=check, requires=("results",),
                tags=("numbers",))(func)


contradicted_number = _numbers_rule(
    "PG101", "contradicted-number", "error", "Numbers match results",
    "A number in the body disagrees with the value it is bound to in the results.",
    "Binds each number (claims sidecar, else every plausible reading its table headers, caption "
    "title or sentence name) and reports one that agrees with none of its readings when one of "
    "them is certain.",
    "``Δ M1 = +0.112`` where the results hold 0.1110.",
    "Re-render the body from the results (``personageo report render``).")
unbound_number = _numbers_rule(
    "PG102", "unbound-number", "warning", "Numbers bound",
    "A number in the body could not be bound to any value or derivation of the results.",
    "Reports numbers of prose, tables and captions that no binding explains, or whose readings "
    "disagree but none is certain (listed in the finding); an error with ``--strict``.",
    "``a 3.4× jump`` that is no ratio of any two results values.",
    "State the number through the renderer (its binding then travels with the body).")
stale_results = _numbers_rule(
    "PG104", "stale-results", "error", "Results up to date",
    "The body was rendered from other results, or the bindings it carries are damaged.",
    "Compares the results file's sha256 with the one the body's render marker (or binding table, "
    "or --claims sidecar) recorded; a binding table that no longer decodes is reported too.",
    "A body rendered before a rerun, linted against the rerun's results.",
    "Re-render the body from the current results.")


@rule(id="PG103", name="numbers-not-checked", severity="info", check="Numbers checked",
      tags=("numbers",))
def numbers_not_checked(doc, ctx):
    """Says so when the body's numbers were not checked against any results file.

    What it does
    ------------
    Reports (as info) that no results file was given (``--results``) or found next to the body
    (``eval_results/issue_N/``, matched by the render marker's hashes), so PG101/PG102/PG104
    did not run. The body's outcome is then UNCHECKED (exit 3), unless ``--structure-only``.

    Why it matters
    --------------
    A clean structural lint must not be mistaken for a verified write-up.

    Example
    -------
    ``personageo lint body.md`` with no ``--results``.

    Use instead
    -----------
    ``personageo lint reports/issue_N.md`` in the research repo (results found), or
    ``--results eval_results/issue_N/run_result.json``.
    """
    if not ctx.results:
        yield Violation("numbers were not checked: no results file given (--results) or found "
                        "next to the body (eval_results/issue_N/)", 1, 1, severity="info")
    else:
        yield Detail(f"checked against {len(ctx.results)} results file(s)")
