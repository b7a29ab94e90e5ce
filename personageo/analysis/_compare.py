"""Comparisons with a baseline, seed aggregates and verdicts of one analysis.

Outside exact reproduction a comparison carries intervals (baseline delta, ratio, difference),
the direct question-level test of delta = baseline delta when both share base and questions,
and an undefined ratio (None with a reason) when the baseline delta is not distinguishable from
0. Layers vote from their ratio intervals and abstain when these straddle a threshold; several
seeds of a condition are combined into one estimate, one interval, one test and one verdict.
Exact reproduction keeps the original: every ratio divided, point votes per checkpoint.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from personageo.analysis._uncertainty import Bootstrap, stream_seed
from personageo.config import ExperimentConfig
from personageo.errors import InputError, Location
from personageo.schema import (
    BaselineRef,
    Comparison,
    PermutationTest,
    Rebase,
    RunResult,
    SeedAggregate,
    SeedComparison,
    SeedTest,
    TestedCell,
    Verdict,
    VerdictRule,
    load_run_result,
)
from personageo.stats import (
    adjust_pvalues,
    aggregate_seeds,
    centroids,
    get_metric,
    question_test,
    undefined_ratio_reason,
    vote,
    vote_intervals,
)


@dataclass
class Context:
    cfg: ExperimentConfig
    root: Path
    methods: list[str]
    trained: list
    by_key: dict[tuple[str, str, int], TestedCell]
    values: dict[str, float]
    vectors: Callable[[str, str, int], np.ndarray]
    boot: Bootstrap
    external: RunResult | None = None
    """The baseline results file (``cfg.baseline.results``), when there is one."""
    external_checkpoints: set[str] = field(default_factory=set)
    """``EXTERNAL + checkpoint`` of the baseline post stores read from
    ``baseline.activations``."""

    @property
    def exact(self) -> bool:
        return self.cfg.analysis.exact_reproduction


EXTERNAL = "external:"
"""Prefix of the baseline run's checkpoints among this run's stores and bootstrap replicates."""


def load_external(cfg: ExperimentConfig, root: Path) -> RunResult | None:
    return load_run_result(root / cfg.baseline.results) if cfg.baseline else None


def external_post_checkpoints(cfg: ExperimentConfig, external: RunResult) -> list[str]:
    """Checkpoints of the post measurements of the baseline cells that ``cell_map`` names."""
    conds = set(cfg.baseline.cell_map.values())
    checkpoint = {x.id: x.checkpoint for x in external.measurements}
    return sorted({checkpoint[c.post] for c in external.cells
                   if c.condition in conds and c.post in checkpoint})


def _test_record(res) -> PermutationTest:
    return PermutationTest(kind=res.kind, alternative=res.alternative, n_perm=res.n_perm,
                           seed=res.seed, b=res.b, p=res.p, p_convention=res.p_convention,
                           reseeded_per_cell=res.reseeded_per_cell, exact=res.exact)


def _baseline_checkpoint(ck, bcond) -> str:
    seed = ck.seed if ck.seed in bcond.training.seeds else bcond.training.seeds[0]
    return f"{bcond.id}-s{seed}"


def comparisons(ctx: Context) -> list[Comparison]:
    cfg, out = ctx.cfg, []
    external = ctx.external
    for ck in ctx.trained:
        cond = cfg.condition(ck.condition)
        if ck.step is not None or cond.role == "baseline":
            continue
        for m in ctx.methods:
            for layer in cfg.layers:
                cell = ctx.by_key[(ck.id, m, layer)]
                if cond.baseline is not None:
                    out.append(_internal(ctx, cell, ck, cfg.condition(cond.baseline), m, layer))
                elif external is not None:
                    out.append(_external(ctx, cell, cond, external, m, layer))
    _adjust_differences(out, cfg.analysis.correction)
    return out


def _internal(ctx: Context, cell, ck, bcond, m: str, layer: int) -> Comparison:
    bcell = ctx.by_key[(_baseline_checkpoint(ck, bcond), m, layer)]
    ref = BaselineRef(source=None, cell=bcell.id, condition=bcond.id,
                      base_measurement=bcell.base, base_value=ctx.values[bcell.base])
    base_ck, post_ck = cell.base.split("/")[0], cell.post.split("/")[0]
    bpost_ck = bcell.post.split("/")[0]
    delta_r = ctx.boot.delta(post_ck, base_ck, m, layer)
    bdelta_r = ctx.boot.delta(bpost_ck, base_ck, m, layer)
    fields = _ratio_fields(ctx, cell.delta, bcell.delta, delta_r, bdelta_r,
                           significant=bcell.significant)
    if not ctx.exact and bcell.base == cell.base:
        a = ctx.cfg.analysis
        res = question_test(ctx.vectors(bpost_ck, m, layer), ctx.vectors(post_ck, m, layer),
                            n_perm=a.n_perm, alternative="two-sided",
                            seed=stream_seed(a.seed, f"difference:{cell.id}"))
        fields["difference_test"] = _test_record(res)
    return Comparison(id=f"cmp_{cell.id}", cell=cell.id, delta=cell.delta,
                      baseline_delta=bcell.delta, baseline=ref,
                      same_base=bcell.base == cell.base, **fields)


def _external(ctx: Context, cell, cond, external, m: str, layer: int) -> Comparison:
    cfg = ctx.cfg
    bref = cfg.baseline.cell_map.get(cond.data.data_type)
    match = [c for c in external.cells if c.condition == bref and c.method == m and
             c.layer == layer and c.metric == cell.metric]
    if not match:
        raise InputError(f"no baseline cell for {bref}/{m}/L{layer}",
                         Location(cfg.baseline.results, pointer="/cells"))
    bcell = match[0]
    bvals = {x.id: x.value for x in external.measurements}
    base_value, ours = bvals.get(bcell.base), ctx.values[cell.base]
    post_value = bvals.get(bcell.post) if bcell.post else None
    checkpoint = {x.id: x.checkpoint for x in external.measurements}.get(bcell.post)
    if not ctx.exact and f"{EXTERNAL}{checkpoint}" in ctx.external_checkpoints:
        return _external_measured(ctx, cell, bcell, f"{EXTERNAL}{checkpoint}", bref, m, layer,
                                  base_value)
    if ctx.exact or post_value is None or base_value == ours:
        # as the baseline file has it; same_base False (or None: not known) marks a mixed base
        ref = BaselineRef(source=cfg.baseline.results, cell=bcell.id, condition=bref,
                          base_measurement=bcell.base, base_value=base_value)
        bdelta, bci = bcell.delta, bcell.ci
        same = None if base_value is None else base_value == ours
    else:
        # the baseline's post measurement is recorded: measure its delta from this file's base,
        # so that delta and baseline delta share one base measurement (issue 13)
        ref = BaselineRef(source=cfg.baseline.results, cell=bcell.id, condition=bref,
                          base_measurement=cell.base, base_value=ours,
                          rebased=Rebase(post_measurement=bcell.post, post_value=post_value,
                                         original_delta=bcell.delta,
                                         original_base_measurement=bcell.base,
                                         original_base_value=base_value))
        bdelta, bci, same = post_value - ours, None, True  # the file's interval is of its delta
    fields = _ratio_fields(ctx, cell.delta, bdelta, None, None, significant=bcell.significant,
                           baseline_ci=None if bci is None else (bci.low, bci.high))
    fields["baseline_delta_ci"] = bci
    return Comparison(id=f"cmp_{cell.id}", cell=cell.id, delta=cell.delta,
                      baseline_delta=bdelta, baseline=ref, same_base=same, **fields)


def _external_measured(ctx: Context, cell, bcell, bpost_ck: str, bref: str, m: str, layer: int,
                       base_value) -> Comparison:
    """A baseline whose post vectors are at hand: measured from this run's base, resampled
    jointly and tested directly, as a baseline condition of this run is."""
    base_ck, post_ck = cell.base.split("/")[0], cell.post.split("/")[0]
    bvectors = ctx.vectors(bpost_ck, m, layer)
    post_value = float(get_metric(cell.metric).fn(centroids(bvectors)))
    ours = ctx.values[cell.base]
    ref = BaselineRef(source=ctx.cfg.baseline.results, cell=bcell.id, condition=bref,
                      base_measurement=cell.base, base_value=ours,
                      rebased=Rebase(post_measurement=bcell.post, post_value=post_value,
                                     original_delta=bcell.delta,
                                     original_base_measurement=bcell.base,
                                     original_base_value=base_value))
    bdelta = post_value - ours
    fields = _ratio_fields(ctx, cell.delta, bdelta, ctx.boot.delta(post_ck, base_ck, m, layer),
                           ctx.boot.delta(bpost_ck, base_ck, m, layer),
                           significant=bcell.significant)
    a = ctx.cfg.analysis
    res = question_test(bvectors, ctx.vectors(post_ck, m, layer), n_perm=a.n_perm,
                        alternative="two-sided", seed=stream_seed(a.seed, f"difference:{cell.id}"))
    fields["difference_test"] = _test_record(res)
    return Comparison(id=f"cmp_{cell.id}", cell=cell.id, delta=cell.delta,
                      baseline_delta=bdelta, baseline=ref, same_base=True, **fields)


def _ratio_fields(ctx: Context, delta, bdelta, delta_r, bdelta_r, *, significant,
                  baseline_ci=None) -> dict:
    """ratio (or the reason it is undefined), its interval and the difference's."""
    if ctx.exact:
        reason = "baseline delta is 0" if bdelta == 0 else None
    else:
        if baseline_ci is None and bdelta_r is not None:
            ci = ctx.boot.ci(bdelta_r)
            baseline_ci = None if ci is None else (ci.low, ci.high)
        reason = undefined_ratio_reason(bdelta, interval=baseline_ci, significant=significant)
    fields = ctx.boot.contrast(delta_r, bdelta_r, ratio_defined=reason is None)
    fields.update(ratio=None if reason else delta / bdelta, ratio_undefined=reason,
                  difference=delta - bdelta)
    return fields


def _adjust_differences(cmps: list[Comparison], correction: str) -> None:
    tested = [c for c in cmps if c.difference_test is not None]
    if not tested:
        return
    adjusted = adjust_pvalues(np.array([c.difference_test.p for c in tested]), correction)
    for c, pa in zip(tested, adjusted, strict=True):
        c.difference_p_adjusted = float(min(1.0, max(pa, c.difference_test.p)))


# --------------------------------------------------------------------------- seeds
def aggregates(ctx: Context) -> list[SeedAggregate]:
    cfg, out = ctx.cfg, []
    level = ctx.boot.level
    for cond in cfg.conditions:
        if len(cond.training.seeds) < 2:
            continue
        for m in ctx.methods:
            for layer in cfg.layers:
                cs = [ctx.by_key[(f"{cond.id}-s{s}", m, layer)] for s in cond.training.seeds]
                s = aggregate_seeds([c.delta for c in cs], level=level)
                agg_id = f"agg_{m}_L{layer}_{cond.id}"
                per_seed = [ctx.boot.delta(c.post.split("/")[0], c.base.split("/")[0], m, layer)
                            for c in cs]
                mean_r = ctx.boot.seed_mean(per_seed, agg_id)
                rec = SeedAggregate(
                    id=agg_id, condition=cond.id, method=m, layer=layer, metric=cs[0].metric,
                    cells=[c.id for c in cs], n=s.n, mean=s.mean, sd=s.sd,
                    ci=None if s.ci is None else {"low": s.ci[0], "high": s.ci[1]},
                    bootstrap_ci=ctx.boot.ci(mean_r),
                    test=None if s.p is None else SeedTest(kind="t_across_seeds",
                                                           statistic=s.t, df=s.n - 1, p=s.p))
                if cond.baseline is not None and cond.role != "baseline":
                    rec.comparison = _seed_comparison(ctx, cond, m, layer, s.mean, mean_r)
                out.append(rec)
    return out


def _seed_comparison(ctx: Context, cond, m: str, layer: int, mean: float,
                     mean_r) -> SeedComparison:
    bcond = ctx.cfg.condition(cond.baseline)
    bcells = [ctx.by_key[(f"{bcond.id}-s{s}", m, layer)] for s in bcond.training.seeds]
    bmean = float(np.mean([c.delta for c in bcells]))
    per_seed = [ctx.boot.delta(c.post.split("/")[0], c.base.split("/")[0], m, layer)
                for c in bcells]
    bmean_r = ctx.boot.seed_mean(per_seed, f"baseline:{cond.id}:{m}:L{layer}")
    significant = None if len(bcells) > 1 else bcells[0].significant
    fields = _ratio_fields(ctx, mean, bmean, mean_r, bmean_r, significant=significant)
    return SeedComparison(baseline_delta=bmean, **fields)


# --------------------------------------------------------------------------- verdicts
def verdicts(ctx: Context, cmps: list[Comparison], aggs: list[SeedAggregate]) -> list[Verdict]:
    spec = ctx.cfg.analysis.verdict
    rule_name = "ratio_vote" if ctx.exact else "ratio_interval_vote"
    rule = VerdictRule(name=rule_name, low=spec.low, high=spec.high, min_votes=spec.min_votes)
    cells = {c.id: c for c in ctx.by_key.values()}
    combined = {a.condition for a in aggs if a.comparison is not None} if not ctx.exact else set()
    groups: dict[tuple, list] = defaultdict(list)
    for cmp in cmps:
        cell = cells[cmp.cell]
        cond = ctx.cfg.condition(cell.condition)
        if not _votes_at_lr(spec, cond) or cond.id in combined:
            continue
        groups[(cell.method, cond.data.data_type, cond.id, cell.post.split("/")[0])].append(cmp)
    for agg in aggs:
        cond = ctx.cfg.condition(agg.condition)
        if cond.id in combined and _votes_at_lr(spec, cond):
            groups[(agg.method, cond.data.data_type, cond.id, None)].append(agg)
    per_type: dict[tuple, int] = defaultdict(int)
    for (m, dtype, _, _) in groups:
        per_type[(m, dtype)] += 1
    out = []
    for (m, dtype, cond_id, ck), members in groups.items():
        suffix = f"_{ck or cond_id}" if per_type[(m, dtype)] > 1 else ""
        out.append(_verdict(f"verdict_{m}_{dtype}{suffix}", m, dtype, rule, members,
                            seeds_combined=ck is None))
    return out


def _votes_at_lr(spec, cond) -> bool:
    return spec.voting_lr is None or bool(np.isclose(cond.training.lr, spec.voting_lr))


def _verdict(vid: str, m: str, dtype: str, rule: VerdictRule, members: list,
             seeds_combined: bool) -> Verdict:
    if rule.name == "ratio_vote":
        res = vote([c.ratio for c in members], low=rule.low, high=rule.high,
                   min_votes=rule.min_votes)
        return Verdict(id=vid, method=m, group=dtype, rule=rule,
                       comparisons=[c.id for c in members], votes_low=res.votes_low,
                       votes_high=res.votes_high, result=res.result)
    targets = [c.comparison if seeds_combined else c for c in members]
    res = vote_intervals([None if t.ratio_ci is None else (t.ratio_ci.low, t.ratio_ci.high)
                          for t in targets], low=rule.low, high=rule.high,
                         min_votes=rule.min_votes)
    for t, v in zip(targets, res.votes, strict=True):
        t.vote = v
    return Verdict(id=vid, method=m, group=dtype, rule=rule,
                   comparisons=[] if seeds_combined else [c.id for c in members],
                   aggregates=[a.id for a in members] if seeds_combined else [],
                   votes_low=res.votes_low, votes_high=res.votes_high, votes_mid=res.votes_mid,
                   abstentions=res.abstentions, result=res.result)
