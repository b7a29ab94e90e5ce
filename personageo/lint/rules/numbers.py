"""Numbers bound to the results file: a thin adapter over :mod:`personageo.lint.numbers`.

The number checker (``personageo.lint.numbers.check_numbers``) is built separately; this module
only registers its four rule ids and maps its findings onto them. It calls the checker once per
lint run (cached in ``ctx.cache``) with the keyword arguments the checker's signature accepts
among ``document``/``doc``, ``text``/``body``, ``path``, ``results``, ``claims`` and ``strict``.

A finding may be a :class:`~personageo.lint.violation.Violation` whose ``rule`` is one of the
ids below, or any object with ``outcome`` (``contradicted``, ``unbound``, ``stale``,
``verified``), ``line``, ``col`` and optionally ``end_line``, ``end_col``, ``message``, ``text``,
``pointer`` and ``derivation`` attributes.
"""

from __future__ import annotations

import inspect
from dataclasses import replace

from personageo.lint.registry import rule
from personageo.lint.violation import Detail, Skip, Violation

OUTCOME_RULE = {"contradicted": "PG101", "unbound": "PG102", "stale": "PG104"}
_OFFERED = ("document", "doc", "text", "body", "path", "results", "claims", "strict")


def _checker():
    try:
        from personageo.lint.numbers import check_numbers
    except ImportError:
        return None
    return check_numbers


def _as_violation(f) -> tuple[str, Violation] | None:
    if isinstance(f, Violation):
        return (f.rule, f) if f.rule else None
    outcome = str(getattr(f, "outcome", getattr(f, "status", ""))).lower()
    rid = OUTCOME_RULE.get(outcome)
    if rid is None:
        return None
    text = getattr(f, "text", "")
    message = getattr(f, "message", None) or f"number `{text}` is {outcome}"
    v = Violation(message, int(getattr(f, "line", 1) or 1), int(getattr(f, "col", 1) or 1),
                  getattr(f, "end_line", None), getattr(f, "end_col", None),
                  pointer=getattr(f, "pointer", None), derivation=getattr(f, "derivation", None))
    return rid, v


def number_findings(doc, ctx) -> dict[str, list[Violation]] | None:
    """Findings of the number checker by rule id (``None`` when it is not installed)."""
    if "numbers" not in ctx.cache:
        check = _checker()
        if check is None:
            ctx.cache["numbers"] = None
        else:
            values = {"document": doc, "doc": doc, "text": ctx.text, "body": ctx.text,
                      "path": ctx.path, "results": list(ctx.results), "claims": ctx.claims,
                      "strict": ctx.strict}
            params = inspect.signature(check).parameters
            kwargs = {k: values[k] for k in _OFFERED if k in params}
            raw = check(**kwargs)
            raw = getattr(raw, "findings", raw)
            out: dict[str, list[Violation]] = {}
            for f in raw or ():
                mapped = _as_violation(f)
                if mapped:
                    out.setdefault(mapped[0], []).append(replace(mapped[1], rule=""))
            ctx.cache["numbers"] = out
    return ctx.cache["numbers"]


def _rule_findings(rule_id: str, doc, ctx):
    found = number_findings(doc, ctx)
    if found is None:
        yield Skip("number checker not installed (personageo.lint.numbers)")
        return
    yield from found.get(rule_id, [])


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
    "Binds each number (sidecar, table context, then a search over values and derivations) and "
    "reports one whose bound value does not display as the shown text.",
    "``Δ M1 = +0.112`` where the results hold 0.1110.",
    "Re-render the body from the results (``personageo report render``).")
unbound_number = _numbers_rule(
    "PG102", "unbound-number", "warning", "Numbers bound",
    "A number in the body could not be bound to any value or derivation of the results.",
    "Reports numbers of prose, tables and captions that no binding explains (an error with "
    "``--strict``).",
    "``a 3.4× jump`` that is no ratio of any two results values.",
    "State the number through the renderer, or declare its derivation in the claims sidecar.")
stale_results = _numbers_rule(
    "PG104", "stale-results", "error", "Results up to date",
    "The claims sidecar was rendered from a different version of the results file.",
    "Compares the results file's sha256 with the one the claims sidecar recorded.",
    "A body rendered before a rerun, linted against the rerun's results.",
    "Re-render the body from the current results.")


@rule(id="PG103", name="numbers-not-checked", severity="info", check="Numbers checked",
      tags=("numbers",))
def numbers_not_checked(doc, ctx):
    """Says so when the body's numbers were not checked against any results file.

    What it does
    ------------
    Reports (as info) that no ``--results`` file was given, or that the number checker is not
    installed, so PG101/PG102/PG104 did not run.

    Why it matters
    --------------
    A clean structural lint must not be mistaken for a verified write-up.

    Example
    -------
    ``personageo lint body.md`` with no ``--results``.

    Use instead
    -----------
    ``personageo lint body.md --results eval_results/issue_N/run_result.json``.
    """
    if not ctx.results:
        yield Violation("numbers were not checked: no --results file given", 1, 1, severity="info")
    elif _checker() is None:
        yield Violation("numbers were not checked: personageo.lint.numbers is not installed",
                        1, 1, severity="info")
    else:
        yield Detail(f"checked against {len(ctx.results)} results file(s)")
