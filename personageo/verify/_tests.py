"""Checks of permutation tests (V1xx) and multiple-testing families (V2xx).

V106 flags the pair sign-flip test; V206 a family in which no cell can reach alpha. The file's
own invariants (p versus b and its floor, significance versus adjusted p) are the schema's
checks, reported by :mod:`personageo.verify._run` as V101/V103/V104/V202.

Adjusted p-values are recomputed with :mod:`personageo.stats` from the raw
p-values of every member of the declared family, with the family's own correction and rule.
"""

from __future__ import annotations

from personageo.stats import adjust_pvalues, reject, unreachable_alpha
from personageo.verify._context import Context, close, fmt

#: Alternative corrections a (legacy) cell may record in ``extra`` as ``p_<name>``/``sig_<name>``.
ALT_CORRECTIONS = ("holm", "bh", "bonferroni")
#: The standard procedure that a non-standard correction stands in for.
STANDARD = {"bh_running_max": "bh"}


def check_tests(ctx: Context) -> None:
    """V101 and V102 for a p computed as b/n_perm (the schema's checks report a (b+1)/(n_perm+1)
    p below its floor, and p versus b, as V101/V103/V104); V106: the pair test."""
    pair = [("cells", c.id, "test", "kind") for c in ctx.run.cells
            if c.test.kind == "pair_signflip"]
    ctx.add_many("V106", pair, "the pair sign-flip test (units share personas: it rejects true "
                 "nulls far more often than alpha, see bench/RESULTS.md) decides significance",
                 len(ctx.run.cells), "a question-level (or persona-level) permutation test; the "
                 "pair test only to reproduce the original")
    for cell in ctx.run.cells:
        t = cell.test
        if t.p_convention != "b_over_n":
            continue
        at = ("cells", cell.id, "test")
        floor = 1.0 / (t.n_perm + 1)
        valid = None if t.b is None else (t.b + 1) / (t.n_perm + 1)
        if t.p < floor and not close(t.p, floor):
            tail = f"; (b+1)/(n_perm+1) = {fmt(valid)}" if valid is not None else ""
            ctx.add("V101", at + ("p",), f"p = {fmt(t.p)} is below the resolution floor of "
                    f"{t.n_perm} permutations", f"p >= 1/(n_perm+1) = {fmt(floor)}{tail}")
        else:
            ctx.add("V102", at + ("p",), f"p = {fmt(t.p)} uses the b/n_perm convention",
                    f"(b+1)/(n_perm+1) = {fmt(valid)}" if valid is not None
                    else "(b+1)/(n_perm+1)")


def check_families(ctx: Context) -> None:
    """V201, V203-V206 and V105 for every family whose members resolve."""
    for fam in ctx.run.families:
        members = [ctx.cells[m] for m in fam.members if m in ctx.cells]
        if not members:
            continue
        raw = [c.test.p for c in members]
        adjusted = adjust_pvalues(raw, fam.correction)
        n = len(members)
        for cell, want in zip(members, adjusted, strict=True):
            if not close(cell.p_adjusted, float(want)):
                ctx.add("V201", ("cells", cell.id, "p_adjusted"),
                        f"adjusted p = {fmt(cell.p_adjusted)} does not follow from the raw p",
                        f"{fam.correction} over the {n} raw p-values of family {fam.id!r} = "
                        f"{fmt(float(want))}")
        _alternative_corrections(ctx, fam, members, raw)
        if fam.correction in STANDARD:
            _nonstandard(ctx, fam, members, raw, adjusted)
        metrics = sorted({c.metric for c in members})
        if len(metrics) > 1:
            ctx.add("V205", ("families", fam.id, "members"),
                    f"family {fam.id!r} corrects {n} cells of metrics {', '.join(metrics)} "
                    "together", "one family per metric and contrast")
        _with_valid_p(ctx, fam, members)
        why = unreachable_alpha([c.test for c in members], fam.correction, fam.alpha,
                                fam.reject_rule)
        if why:
            ctx.add("V206", ("families", fam.id), f"family {fam.id!r}: {why}",
                    "more permutations, a larger alpha, a smaller family or another correction")


def _alternative_corrections(ctx, fam, members, raw) -> None:
    for name in ALT_CORRECTIONS:
        key = f"p_{name}"
        if not all(key in c.extra for c in members):
            continue
        want = adjust_pvalues(raw, name)
        for cell, w in zip(members, want, strict=True):
            got = cell.extra[key]
            if not isinstance(got, (int, float)) or not close(float(got), float(w)):
                ctx.add("V203", ("cells", cell.id, "extra", key),
                        f"{key} = {got!r} does not follow from the raw p",
                        f"{name} over the {len(members)} raw p-values of family {fam.id!r} = "
                        f"{fmt(float(w))}")
            sig = cell.extra.get(f"sig_{name}")
            if isinstance(got, (int, float)) and isinstance(sig, bool):
                want_sig = bool(reject([float(got)], fam.alpha, fam.reject_rule)[0])
                if sig != want_sig:
                    ctx.add("V203", ("cells", cell.id, "extra", f"sig_{name}"),
                            f"sig_{name} = {sig} with {key} = {fmt(float(got))}, "
                            f"alpha = {fam.alpha}", f"{want_sig}")


def _nonstandard(ctx, fam, members, raw, adjusted) -> None:
    std = STANDARD[fam.correction]
    standard = adjust_pvalues(raw, std)
    differ = sum(not close(float(a), float(s)) for a, s in zip(adjusted, standard, strict=True))
    flips = sum(bool(x) != bool(y) for x, y in zip(
        reject(adjusted, fam.alpha, fam.reject_rule), reject(standard, fam.alpha,
                                                             fam.reject_rule), strict=True))
    ctx.add("V204", ("families", fam.id, "correction"),
            f"family {fam.id!r} uses {fam.correction} (the original code's running maximum, "
            f"not a recognised procedure); standard {std} changes {differ} of {len(members)} "
            f"adjusted p-values and {flips} significance flags", f"correction {std!r}")


def _with_valid_p(ctx, fam, members) -> None:
    """V105: recompute each b/n p as (b+1)/(n+1), adjust with the standard correction, and
    report cells whose significance changes."""
    if all(c.test.p_convention == "plus_one" for c in members):
        return
    if any(c.test.b is None for c in members):
        return
    valid = [(c.test.b + 1) / (c.test.n_perm + 1) if c.test.p_convention == "b_over_n"
             else c.test.p for c in members]
    method = STANDARD.get(fam.correction, fam.correction)
    adjusted = adjust_pvalues(valid, method)
    flags = reject(adjusted, fam.alpha, fam.reject_rule)
    for cell, p, a, flag in zip(members, valid, adjusted, flags, strict=True):
        if cell.significant != bool(flag):
            ctx.add("V105", ("cells", cell.id, "significant"),
                    f"significant = {cell.significant}, but with p = (b+1)/(n_perm+1) = "
                    f"{fmt(p)} and {method} over family {fam.id!r}, p_adjusted = {fmt(float(a))}",
                    f"significant = {bool(flag)}")
