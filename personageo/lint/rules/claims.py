"""Claims checked against the data: claim markers, headline directions, prose patterns.

A sentence can hold only correct numbers and still say the wrong thing ("moves M1 at least as
much as LoRA in 7/20 cells" when 13/20 say the opposite). These rules re-evaluate what the words
assert: the predicates of the renderer's claim markers (:mod:`personageo.schema.predicates`),
the direction a headline names, and the claims recognised in hand-written prose
(:mod:`personageo.lint.claims_prose`). They need ``--results`` (the first file: the run the body
reports).
"""

from __future__ import annotations

from personageo.lint.claims_prose import ProseClaim, recognise, tied, vocabulary
from personageo.lint.registry import rule
from personageo.lint.violation import Detail, Violation
from personageo.schema.predicates import (
    PredicateError,
    evaluate,
    find_markers,
    records,
    selected,
)


def _data(ctx):
    """(run, records, vocabulary) of the first results file, loaded once per lint run."""
    if "claims_data" not in ctx.cache:
        from personageo.schema import load_run_result

        run = load_run_result(ctx.results[0])
        ctx.cache["claims_data"] = (run, records(run), vocabulary(run))
    return ctx.cache["claims_data"]


def _in_fence(doc, line: int) -> bool:
    return any(f.line <= line <= f.end_line for f in doc.fences)


def _markers(doc, ctx):
    return [m for m in find_markers(ctx.text) if not _in_fence(doc, m.line)]


@rule(id="PG401", name="contradicted-claim", severity="error", check="Claims match results",
      requires=("results",), tags=("claims",), since="0.2.0")
def contradicted_claim(doc, ctx):
    """A claim marker's predicate does not hold on the results.

    What it does
    ------------
    Reads every ``<!-- personageo:claim ... -->`` marker (written by ``report render`` next to
    the title, TL;DR lede, result headings and verdict bullets) and re-evaluates each predicate
    — quantifier, subject, field, threshold, counts — against the first ``--results`` file.
    A marker that cannot be read is reported too.

    Why it matters
    --------------
    A headline's direction and quantifier are claims as much as its numbers are; after a rerun,
    or a copy linted against other results, they must still hold.

    Example
    -------
    ``<!-- personageo:claim most comparisons.direction == more k=15 n=20 -->`` over results
    where 7 of 20 compared cells have a ratio above 1.

    Use instead
    -----------
    Re-render the body (``personageo report render`` / ``report update``) so that the words
    and their markers follow the data.
    """
    _run, recs, _vocab = _data(ctx)
    checked = 0
    for m in _markers(doc, ctx):
        if isinstance(m, PredicateError):
            yield Violation(f"claim marker cannot be read: {m}", m.line, m.col)
            continue
        for pred in m.predicates:
            checked += 1
            ev = evaluate(pred, recs)
            if not ev.holds:
                on = f" (speaks for the {', '.join(m.on)})" if m.on else ""
                yield Violation(f"claim `{pred}` does not hold: {ev.why}{on}", m.line, m.col,
                                extra={"predicate": str(pred)})
    yield Detail(f"{checked} claim predicate(s) evaluated")


def _headline_texts(doc, ctx):
    """(text, line, where) of the statements a reader takes as the result: the title, the
    headings, and the paragraphs of the TL;DR sections."""
    if ctx.title:
        yield ctx.title, ctx.title_line or 1, "title"
    for h in doc.headings:
        yield h.title, h.line, "heading"
    for s in doc.sections:
        if s.heading.level == 2 and "tl;dr" in s.heading.key \
                and not s.heading.key.startswith("human"):
            for p in doc.in_section(doc.paragraphs, s):
                yield p.text, p.line, "TL;DR"


def _col(doc, ctx, line: int, text: str, where: str) -> int:
    """Column of ``text`` on its source line (1 when it is not found there, e.g. --title)."""
    if where == "title" and not ctx.title_line:
        return 1
    i = doc.source.line(line).find(text)
    return i + 1 if i >= 0 else 1


def _direction_counts(recs, pred_where) -> tuple[int, int, int]:
    rows = [r for r in recs.rows["comparisons"]
            if all(str(r.get(k)) == v for k, v in pred_where)]
    return (sum(r["direction"] == "more" for r in rows),
            sum(r["direction"] == "less" for r in rows), len(rows))


@rule(id="PG402", name="headline-direction", severity="error", check="Headline direction",
      requires=("results",), tags=("claims", "title"), since="0.2.0")
def headline_direction(doc, ctx):
    """The title, a heading or the TL;DR names a direction the data do not mostly show.

    What it does
    ------------
    Recognises "A moves M1 more than / less than / at least as much as B [in k/n cells]" in the
    title (``--title`` or the front matter), in headings and in the TL;DR, and counts the
    compared cells each way (by the recorded interval or test of each comparison when there is
    one, else the point ratio). A direction that holds in no more cells than its opposite is
    reported, even when the stated count is right.

    Why it matters
    --------------
    Readers take a headline's direction as the finding. "Moves M1 at least as much as LoRA in
    7/20 cells" has every number right and still misleads when 13/20 cells say the opposite.

    Example
    -------
    Title ``Full-param fine-tuning moves M1 at least as much as LoRA in 7/20 compared cells``
    over results where the ratio is below 1 in 13/20 cells.

    Use instead
    -----------
    ``Full-param vs LoRA fine-tuning: no consistent direction in M1 — Full-param moves it less
    in 13/20 compared cells and more in 7/20`` (what ``report render`` writes).
    """
    _run, recs, vocab = _data(ctx)
    for text, line, where in _headline_texts(doc, ctx):
        for claim in recognise(text, vocab):
            if claim.direction is None:
                continue
            more, less, n = _direction_counts(recs, claim.predicates[0].where)
            if claim.stated is not None and claim.stated[1] != n:
                continue  # a count over some other set of cells: not tied, left alone
            k, opp = (more, less) if claim.direction == "more" else (less, more)
            if n and k <= opp:
                yield Violation(
                    f"the {where} says '{claim.text}' but the compared cells say "
                    f"{claim.direction} in {k}/{n} and the opposite in {opp}/{n}: name the "
                    "direction the data mostly show, or say the result is mixed",
                    line, _col(doc, ctx, line, claim.text, where), extra={"text": claim.text})


def _prose_texts(doc, ctx):
    if ctx.title:
        yield ctx.title, ctx.title_line or 1, "title"
    for h in doc.headings:
        yield h.title, h.line, "heading"
    for p in doc.paragraphs:
        yield p.text, p.line, "prose"


def _headline_only(claim: ProseClaim, line: int, headline_lines: set[int]) -> bool:
    """A direction without a count in a headline is PG402's (one finding per problem)."""
    return claim.direction is not None and claim.stated is None and line in headline_lines


@rule(id="PG403", name="contradicted-prose-claim", severity="error",
      check="Prose claims match results", requires=("results",), tags=("claims",),
      since="0.2.0")
def contradicted_prose_claim(doc, ctx):
    """A hand-written claim about the data ("in all layers", "in k/n cells") is false.

    What it does
    ------------
    Recognises common claim patterns in prose, headings and the title — a direction between the
    two training methods ("A moves M1 more than B [in k/n cells]") and a ratio threshold with a
    quantifier ("the ratio exceeds 1.5 at 2 of 5 layers", "... below 1 in all cells", "no
    layer", "the majority of layers"), significance ("significant in 9/20 cells", "not
    significant at all layers") — and evaluates each against the results when the
    sentence ties it to one set of records (for layers: one method and one data group). An
    unrecognised or ambiguous sentence is left alone.

    Why it matters
    --------------
    Numbers are checked one by one; a quantifier ("all", "none", "most") or a direction word can
    still be wrong around correct numbers.

    Example
    -------
    ``For Method A on EM data the ratio is below 0.5 at all layers`` when it is at 3 of 5.

    Use instead
    -----------
    ``For Method A on EM data the ratio is below 0.5 at 3 of 5 layers``.
    """
    _run, recs, vocab = _data(ctx)
    checked = 0
    headline_lines = {line for _t, line, _w in _headline_texts(doc, ctx)}
    for text, line, where in _prose_texts(doc, ctx):
        for claim in recognise(text, vocab):
            if _headline_only(claim, line, headline_lines):
                continue
            for pred in claim.predicates:
                if not tied(claim, pred, selected(pred, recs)):
                    continue  # not tied to one set of records: left alone
                checked += 1
                ev = evaluate(pred, recs)
                if not ev.holds:
                    yield Violation(f"'{claim.text}' does not hold on the results: {ev.why} "
                                    f"(checked as `{pred}`)", line,
                                    _col(doc, ctx, line, claim.text, where),
                                    extra={"predicate": str(pred), "text": claim.text})
    yield Detail(f"{checked} prose claim(s) recognised and checked")


@rule(id="PG404", name="claim-markers-present", severity="info", check="Claim markers",
      requires=("results",), tags=("claims",), since="0.2.0")
def claim_markers_present(doc, ctx):
    """Says when a rendered body carries no claim markers, so its headline was not re-checked.

    What it does
    ------------
    Reports (as info) a body with a render marker but no ``personageo:claim`` marker: rendered
    before claims were recorded, or with the markers deleted by hand. Its headline is then
    checked only by the prose patterns (PG402, PG403).

    Why it matters
    --------------
    A clean claims check must not be mistaken for one that ran.

    Example
    -------
    A body rendered by personageo 0.1 (no claim markers).

    Use instead
    -----------
    Re-render it (``personageo report update``).
    """
    if "personageo:render" not in ctx.text:
        return
    if not _markers(doc, ctx):
        yield Violation("the body has no claim markers (rendered before they existed, or every "
                        "headline block is the narrative's): its headline is checked by the "
                        "prose patterns only (PG402, PG403)", 1, 1, severity="info")
