"""Comparisons whose two deltas come from different base extractions, and what a common base
changes (V314, V315).

A ratio ``delta / baseline_delta`` divides ``post - base`` of this file by ``post' - base'`` of
the baseline file. When ``base != base'`` the two deltas are not measured from one reference.
Rebasing the baseline delta onto this file's base, ``post' - base = baseline_delta + base' -
base``, puts both on one base; :func:`report_recount` recounts the ratios and re-votes the
verdicts that way and reports every change.
"""

from __future__ import annotations

from dataclasses import dataclass

from personageo.stats import vote
from personageo.verify._context import Context, close, fmt


@dataclass(frozen=True)
class MixedBase:
    """One comparison's two base values and how the baseline's was found."""

    comparison: str
    ours: float
    theirs: float
    how: str  # "recorded" (the baseline cell names its base) or "inferred"

    @property
    def mixed(self) -> bool:
        return not close(self.ours, self.theirs)


def infer_base(base_ctx: Context, bcell) -> tuple[str, float] | None:
    """The baseline file's only base measurement of ``bcell``'s method/layer/metric, if unique.

    The base checkpoints are those that the baseline file's cells name as their base.
    """
    base_checkpoints = {base_ctx.measurements[c.base].checkpoint for c in base_ctx.run.cells
                        if c.base in base_ctx.measurements}
    found = [m for m in base_ctx.run.measurements if m.checkpoint in base_checkpoints
             and m.method == bcell.method and m.layer == bcell.layer and m.metric == bcell.metric]
    return (found[0].id, found[0].value) if len(found) == 1 else None


def report_inferred(ctx: Context, cmp, bcell, cell, inferred: tuple[str, float],
                    label: str) -> None:
    """V314 for one comparison whose baseline base is not stored but can be inferred."""
    mid, theirs = inferred
    ours = ctx.value(cell.base)
    ctx.add("V314", ("comparisons", cmp.id, "baseline"),
            f"baseline cell {bcell.id!r} records no base measurement; the only base measurement "
            f"of {bcell.method}/L{bcell.layer}/{bcell.metric} in {label} is {mid} = {fmt(theirs)}, "
            f"this file's base {cell.base} = {fmt(ours)} (differ by {fmt(ours - theirs)}): if the "
            "baseline was measured from it, the ratio mixes two base extractions",
            "both deltas measured from one base measurement, recorded in the baseline cell")


def check_rebased(ctx: Context, base_ctx: Context, cmp, bcell, label: str) -> None:
    """V316: a baseline delta that analyze rebased onto this file's base measurement
    (``baseline.rebased``) follows from the baseline file's post value and this file's base."""
    rb, at = cmp.baseline.rebased, ("comparisons", cmp.id, "baseline", "rebased")
    theirs_post = base_ctx.value(bcell.post)
    if bcell.post != rb.post_measurement or theirs_post is None \
            or not close(theirs_post, rb.post_value):
        ctx.add("V316", at + ("post_value",), f"rebased from post measurement "
                f"{rb.post_measurement} = {fmt(rb.post_value)}, but {label} has "
                f"{bcell.post} = {fmt(theirs_post)} for {bcell.id!r}",
                f"{bcell.post} = {fmt(theirs_post)}")
    if bcell.delta is not None and not close(rb.original_delta, bcell.delta):
        ctx.add("V316", at + ("original_delta",), f"original delta {fmt(rb.original_delta)} "
                f"but {label} has delta {fmt(bcell.delta)} for {bcell.id!r}", f"{bcell.delta!r}")
    ours = ctx.value(cmp.baseline.base_measurement)
    cell = ctx.cells.get(cmp.cell)
    if cell is not None and cmp.baseline.base_measurement != cell.base:
        ctx.add("V316", ("comparisons", cmp.id, "baseline", "base_measurement"),
                f"rebased onto {cmp.baseline.base_measurement}, but the cell's base is "
                f"{cell.base}", cell.base)
    elif ours is not None and not close(cmp.baseline_delta, rb.post_value - ours):
        ctx.add("V316", ("comparisons", cmp.id, "baseline_delta"),
                f"baseline_delta = {fmt(cmp.baseline_delta)} but post {fmt(rb.post_value)} - "
                f"base {fmt(ours)} = {fmt(rb.post_value - ours)}", f"{rb.post_value - ours!r}")


def _counts(ratios, high: float) -> tuple[int, int]:
    defined = [r for r in ratios if r is not None]
    return sum(r > high for r in defined), sum(r < 1.0 for r in defined)


def report_recount(ctx: Context, bases: list[MixedBase]) -> None:
    """V315: ratio counts and verdicts with every computable baseline delta rebased."""
    mixed = {b.comparison: b for b in bases if b.mixed}
    if not mixed:
        return
    comps = ctx.run.comparisons
    rebased = {}
    for cmp in comps:
        b = mixed.get(cmp.id)
        if b is None:
            rebased[cmp.id] = cmp.ratio
            continue
        new_base_delta = cmp.baseline_delta + b.theirs - b.ours
        rebased[cmp.id] = cmp.delta / new_base_delta if new_base_delta != 0 else None
    rule = ctx.run.verdicts[0].rule if ctx.run.verdicts else None
    high = rule.high if rule is not None else 1.5
    n = len(comps)
    before = _counts([c.ratio for c in comps], high)
    after = _counts([rebased[c.id] for c in comps], high)
    recorded = [c for c in comps if c.id in mixed and mixed[c.id].how == "recorded"]
    rec_before = _counts([c.ratio for c in recorded], high)
    rec_after = _counts([rebased[c.id] for c in recorded], high)
    n_inf = sum(b.how == "inferred" for b in mixed.values())
    untouched = n - len(mixed)
    parts = [f"{len(recorded)} with both bases recorded, {n_inf} with the baseline's base "
             f"inferred (V314), {untouched} unchanged (same or unknown base)"]
    ctx.add("V315", ("comparisons",),
            f"with every baseline delta rebased onto this file's base ({'; '.join(parts)}): "
            f"ratio > {high:g} goes from {before[0]}/{n} to {after[0]}/{n}, ratio < 1 from "
            f"{before[1]}/{n} to {after[1]}/{n}; on the recorded bases alone ratio > {high:g} "
            f"goes from {rec_before[0]}/{len(recorded)} to {rec_after[0]}/{len(recorded)}, "
            f"ratio < 1 from {rec_before[1]}/{len(recorded)} to {rec_after[1]}/{len(recorded)}",
            "deltas of a ratio measured from one base extraction")
    unchanged = []
    for v in ctx.run.verdicts:
        if not any(c in mixed for c in v.comparisons):
            continue
        ratios = [rebased.get(c) for c in v.comparisons]
        res = vote(ratios, low=v.rule.low, high=v.rule.high, min_votes=v.rule.min_votes)
        if (res.result, res.votes_low, res.votes_high) == (v.result, v.votes_low, v.votes_high):
            unchanged.append(v.id)
            continue
        ctx.add("V315", ("verdicts", v.id),
                f"verdict {v.id!r} is {v.result} ({v.votes_low} low, {v.votes_high} high votes); "
                f"on a common base it {'stays' if res.result == v.result else 'becomes'} "
                f"{res.result} with {res.votes_low} low, {res.votes_high} high votes",
                f"{res.result} on a common base")
    if unchanged:
        ctx.add("V315", ("verdicts",), f"on a common base the votes and results of "
                f"{len(unchanged)} verdicts do not change ({', '.join(unchanged)})")
