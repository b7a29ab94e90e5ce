"""Checks of recomputable records inside one file: measurements, seed aggregates, bases of
comparisons (V3xx) and verdicts (V4xx). The arithmetic the file must satisfy by itself (delta =
post - base, comparison delta, ratio) is the schema's (:mod:`personageo.schema._semantics`)."""

from __future__ import annotations

import statistics
from collections import defaultdict

from personageo.stats import vote, vote_intervals
from personageo.verify._context import Context, close, fmt


def check_deltas(ctx: Context) -> None:
    """V311 duplicate measurements; V313 seed aggregates (V301 is the schema's delta check)."""
    seen: dict[tuple, object] = {}
    for m in ctx.run.measurements:
        key = (m.checkpoint, m.method, m.layer, m.metric)
        first = seen.setdefault(key, m)
        if first is not m and first.value != m.value:
            ctx.add("V311", ("measurements", m.id, "value"),
                    f"{m.id!r} = {fmt(m.value)} but {first.id!r} measures the same "
                    f"{m.checkpoint}/{m.method}/L{m.layer}/{m.metric} as {fmt(first.value)}",
                    "one value per checkpoint, method, layer and metric")
    for agg in ctx.run.aggregates:
        deltas = [ctx.cells[c].delta for c in agg.cells if c in ctx.cells]
        if len(deltas) != len(agg.cells) or any(d is None for d in deltas) or not deltas:
            continue
        mean = statistics.fmean(deltas)
        sd = statistics.stdev(deltas) if len(deltas) > 1 else None
        if not close(agg.mean, mean):
            ctx.add("V313", ("aggregates", agg.id, "mean"), f"mean = {fmt(agg.mean)}",
                    f"mean of the {len(deltas)} cell deltas = {fmt(mean)}")
        if (sd is None) != (agg.sd is None) or (sd is not None and not close(agg.sd, sd)):
            ctx.add("V313", ("aggregates", agg.id, "sd"), f"sd = {fmt(agg.sd)}",
                    f"sample sd (ddof=1) of the cell deltas = {fmt(sd)}")


def check_comparisons(ctx: Context) -> None:
    """V304: the two deltas of a comparison measured from different bases in this file (V302
    and V303 are the schema's comparison checks)."""
    for cmp in ctx.run.comparisons:
        at = ("comparisons", cmp.id)
        cell = ctx.cells.get(cmp.cell)
        if cell is None or cell.base is None:
            continue
        own = ctx.value(cell.base)
        ref = cmp.baseline
        if ref.source is None and ref.base_measurement is not None:
            other = ctx.value(ref.base_measurement)
            if ref.base_measurement != cell.base and other is not None and own is not None \
                    and not close(other, own):
                ctx.add("V304", at + ("baseline", "base_measurement"),
                        f"delta measured from {cell.base!r} = {fmt(own)} but the baseline "
                        f"delta from {ref.base_measurement!r} = {fmt(other)}",
                        "both deltas measured from the same base measurement")
        if ref.base_value is not None and own is not None and not close(ref.base_value, own):
            ctx.add("V304", at + ("baseline", "base_value"),
                    f"delta measured from base {fmt(own)} ({cell.base!r}) but the baseline "
                    f"delta from base {fmt(ref.base_value)}",
                    "both deltas measured from the same base value")


def check_verdicts(ctx: Context) -> None:
    """V401-V405: recompute each verdict's vote from its comparisons' ratios."""
    for v in ctx.run.verdicts:
        at = ("verdicts", v.id)
        if v.rule.name == "ratio_interval_vote":
            _check_interval_verdict(ctx, v, at)
            continue
        comps = [ctx.comparisons[c] for c in v.comparisons if c in ctx.comparisons]
        layers: dict[int, list[str]] = defaultdict(list)
        for cmp in comps:
            cell = ctx.cells.get(cmp.cell)
            if cell is None:
                continue
            layers[cell.layer].append(cmp.id)
            if cell.method != v.method:
                ctx.add("V403", at + ("comparisons",), f"comparison {cmp.id!r} is method "
                        f"{cell.method!r}", f"method {v.method!r} like the verdict")
            cond = ctx.conditions.get(cell.condition)
            group = cond.data.data_type if cond is not None else None
            if group is not None and group != v.group:
                ctx.add("V403", at + ("comparisons",), f"comparison {cmp.id!r} is data type "
                        f"{group!r}", f"group {v.group!r} like the verdict")
        for layer, ids in layers.items():
            if len(ids) > 1:
                ctx.add("V403", at + ("comparisons",), f"layer {layer} votes {len(ids)} times "
                        f"({', '.join(ids)})", "one comparison per layer")
        missing = [c.id for c in comps if c.ratio is None]
        if missing:
            ctx.add("V405", at + ("comparisons",), f"no ratio for {', '.join(missing)}; they "
                    "do not vote", "a ratio for every voting comparison")
        rule = v.rule
        try:
            got = vote([c.ratio for c in comps], low=rule.low, high=rule.high,
                       min_votes=rule.min_votes)
        except ValueError as exc:
            ctx.add("V404", at + ("rule",), str(exc), "a rule that cannot give H1 and H3 at once")
            continue
        rule_text = (f"ratio < {rule.low} / > {rule.high} over {len(comps)} comparisons")
        if v.votes_low != got.votes_low:
            ctx.add("V401", at + ("votes_low",), f"votes_low = {v.votes_low}",
                    f"{got.votes_low} ({rule_text})")
        if v.votes_high != got.votes_high:
            ctx.add("V401", at + ("votes_high",), f"votes_high = {v.votes_high}",
                    f"{got.votes_high} ({rule_text})")
        if v.result != got.result:
            ctx.add("V402", at + ("result",), f"result = {v.result}", f"{got.result} "
                    f"({got.votes_low} low / {got.votes_high} high votes, {rule.min_votes} "
                    "needed)")


def _check_interval_verdict(ctx: Context, v, at: tuple) -> None:
    """V401/V402 for the v1.1 interval rule: recount the votes from the ratio intervals of the
    voting comparisons (or, with seeds combined, of the seed aggregates' comparisons)."""
    aggs = {a.id: a for a in ctx.run.aggregates}
    if v.aggregates:
        targets = [aggs[a].comparison for a in v.aggregates if a in aggs]
    else:
        targets = [ctx.comparisons[c] for c in v.comparisons if c in ctx.comparisons]
    ivs = [None if t is None or t.ratio_ci is None else (t.ratio_ci.low, t.ratio_ci.high)
           for t in targets]
    try:
        got = vote_intervals(ivs, low=v.rule.low, high=v.rule.high, min_votes=v.rule.min_votes)
    except ValueError as exc:
        ctx.add("V404", at + ("rule",), str(exc), "a rule that cannot give two results at once")
        return
    counts = {"votes_low": got.votes_low, "votes_high": got.votes_high,
              "votes_mid": got.votes_mid, "abstentions": got.abstentions}
    for name, want in counts.items():
        if getattr(v, name) != want:
            ctx.add("V401", at + (name,), f"{name} = {getattr(v, name)}",
                    f"{want} (ratio intervals against {v.rule.low} / {v.rule.high})")
    if v.result != got.result:
        ctx.add("V402", at + ("result",), f"result = {v.result}",
                f"{got.result} ({got.votes_low} low / {got.votes_mid} mid / {got.votes_high} "
                f"high votes, {got.abstentions} abstaining, {v.rule.min_votes} needed)")
