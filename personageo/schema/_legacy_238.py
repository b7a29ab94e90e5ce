"""Import of the issue-238 legacy layout (see :mod:`personageo.schema.legacy` for the rules)."""

from __future__ import annotations

from typing import Any

from personageo.schema._models import (
    BaselineRef,
    Comparison,
    Condition,
    DataRef,
    Design,
    Experiment,
    RunResult,
    SourceIssue,
    TestedCell,
    Training,
    Verdict,
    VerdictRule,
    WeightNorm,
)
from personageo.schema.legacy import COMMON_DOCUMENTED, PIPELINE, LegacyReader

#: Learning rate whose ratios vote (pipeline.md section 5); the others are stored only.
VOTING_LR = 2e-5
TRAINING_METHODS = {"full_parameter": "full", "lora": "lora"}
#: Top-level keys mapped into records; every other top-level key goes to ``legacy``.
MAPPED = {"issue", "experiment", "git_commit", "seed", "wall_time_seconds", "base_model",
          "eval_personas", "layers", "methods", "n_permutations", "fdr_alpha",
          "full_param_conditions", "lora_baseline_source", "lora_baseline_map", "base_m1",
          "results", "delta_ratios", "hypothesis_verdicts", "weight_delta_norms"}

DOCUMENTED = {
    **COMMON_DOCUMENTED,
    "cells.test.kind": f"{PIPELINE} section 4: sign flips of the 66 paired pair-cosine "
                       "differences",
    "cells.test.reseeded_per_cell": f"{PIPELINE} section 4: re-seeded with 42 for every cell",
    "design.conditions.training.seeds": "top-level `seed` (unscoped); "
                                        f"{PIPELINE} section 1: seed 42",
    "design.checkpoints.seed": "top-level `seed` (unscoped)",
    "verdicts.rule": f"{PIPELINE} section 5: ratio < 0.5 (H1) or > 1.5 (H3) at >= 3 of 5 layers",
    "verdicts.comparisons": f"{PIPELINE} section 5: the lr 2e-5 ratios vote (the lr 1e-4 ratios "
                            "give the same counts in this file, so the data cannot confirm it)",
}
UNKNOWN = ["experiment.title", "comparisons.baseline.base_measurement",
           "comparisons.baseline.base_value", "weight_norms.dtype", "weight_norms.scope"]


def import_238(r: LegacyReader) -> RunResult:
    obj = r.obj
    results = r.get(("results",), dict)
    seed = r.get(("seed",), int, None)
    cells, conditions, comparisons, families = [], {}, [], {}
    for key in results:
        if key.startswith("cross_"):
            continue
        at = ("results", key)
        r.get(at, dict)
        cond, method, layer = (r.get(at + ("condition",), str), r.get(at + ("method",), str),
                               r.get(at + ("layer",), int))
        metric = r.get(at + ("metric",), str)
        short = _metric(r, at, metric)
        conditions.setdefault(cond, _condition(r, at, cond, seed))
        base = r.measurement("base", method, layer, short, r.num(at + ("base_mean",)), key)
        post = r.measurement(cond, method, layer, short, r.num(at + ("post_mean",)), key)
        family = r.get(at + ("family",), str)
        families.setdefault(family, []).append(key)
        cells.append(TestedCell(
            id=key, condition=cond, method=method, layer=layer, metric=short, base=base,
            post=post, delta=r.num(at + ("delta_mean_offdiag",)),
            test=r.test(at + ("p_raw",), r.num(at + ("p_raw",)), "pair_signflip", True),
            p_adjusted=r.num(at + ("p_bh_fdr",)), family=family,
            significant=r.get(at + ("sig_bh_fdr",), bool), extra={"legacy_metric": metric}))
    _check_base_m1(r)
    ratio_index = _ratio_index(r)
    for key in results:
        if key.startswith("cross_"):
            comparisons.append(_comparison(r, key, ratio_index))
    declared = r.get(("full_param_conditions",), list)
    for i, cond in enumerate(declared):
        if cond not in conditions:
            raise r.fail(("full_param_conditions", i), f"condition {cond!r} has no M1 cells")
    return RunResult(
        experiment=Experiment(
            id=r.get(("experiment",), str), issue=r.get(("issue",), int, None),
            source_issues=_source_issues(r)),
        provenance=r.provenance("issue_238", DOCUMENTED, UNKNOWN),
        design=Design(
            base_model=r.get(("base_model",), str), personas=r.personas(), layers=r.layers(),
            layer_convention="unknown", methods=r.methods(),
            conditions=[conditions[c] for c in declared],
            checkpoints=r.checkpoints(declared, seed)),
        measurements=list(r.measurements.values()),
        families=r.families(families),
        cells=cells,
        comparisons=comparisons,
        verdicts=_verdicts(r, comparisons),
        weight_norms=_weight_norms(r),
        notes=_notes(r),
        legacy={"layout": "issue_238",
                "top_level": {k: v for k, v in obj.items() if k not in MAPPED},
                "results": {}})


def _metric(r: LegacyReader, at: tuple, metric: str) -> str:
    if metric != "M1_cos_collapse":
        raise r.fail(at + ("metric",), f"unexpected metric {metric!r} in an issue-238 cell "
                     "(expected 'M1_cos_collapse')")
    return "M1"


def _condition(r: LegacyReader, at: tuple, cond: str, seed: int | None) -> Condition:
    tm = r.get(at + ("training_method",), str)
    if tm not in TRAINING_METHODS:
        raise r.fail(at + ("training_method",), f"unknown training_method {tm!r} "
                     f"(expected one of {sorted(TRAINING_METHODS)})")
    return Condition(
        id=cond, training=Training(method=TRAINING_METHODS[tm], lr=r.num(at + ("lr",)),
                                   seeds=None if seed is None else [seed]),
        data=DataRef(data_type=r.get(at + ("data_type",), str)))


def _check_base_m1(r: LegacyReader) -> None:
    """``base_m1`` (``MA_L7`` -> value) must repeat the cells' base means; a differing value
    is kept as its own measurement (and noted) rather than dropped."""
    for key in r.get(("base_m1",), dict):
        method, _, layer = key[1:].partition("_L")
        if not (key.startswith("M") and layer.isdigit()):
            raise r.fail(("base_m1", key), f"unexpected key {key!r} (expected 'M<method>_L<n>')")
        r.measurement("base", method, int(layer), "M1", r.num(("base_m1", key)), f"base_m1.{key}")


def _ratio_index(r: LegacyReader) -> dict[tuple, tuple[str, dict]]:
    index = {}
    for key in r.get(("delta_ratios",), dict):
        at = ("delta_ratios", key)
        k = (r.get(at + ("method",), str), r.get(at + ("layer",), int),
             r.get(at + ("data_type",), str), r.num(at + ("lr",)))
        index[k] = (key, r.get(at, dict))
    return index


def _comparison(r: LegacyReader, key: str, ratio_index: dict) -> Comparison:
    at = ("results", key)
    cond, method, layer = (r.get(at + ("condition",), str), r.get(at + ("method",), str),
                           r.get(at + ("layer",), int))
    dt, lr = r.get(at + ("data_type",), str), r.num(at + ("lr",))
    cell = f"M1_{method}_L{layer}_{cond}"
    if cell not in r.obj["results"]:
        raise r.fail(at, f"no tested cell {cell!r} for this comparison")
    base_cond = r.get(("lora_baseline_map", dt), str)
    cross = {k: r.num(at + (k,)) for k in ("delta_full", "delta_lora", "delta_ratio")}
    extra: dict[str, Any] = {"legacy_metric": r.get(at + ("metric",), str),
                             "cross_entry": cross}
    ratio_key, entry = ratio_index.get((method, layer, dt, lr), (None, None))
    if entry is None:  # no delta_ratios duplicate: the cross_ entry is all there is
        delta, baseline_delta, ratio = cross["delta_full"], cross["delta_lora"], \
            cross["delta_ratio"]
    else:
        ra = ("delta_ratios", ratio_key)
        delta, baseline_delta, ratio = (r.num(ra + ("delta_full",)), r.num(ra + ("delta_lora",)),
                                        r.num(ra + ("ratio",)))
        extra["legacy_ratio_key"] = ratio_key
    lora_key = f"M{method}_L{layer}_{dt}"
    if lora_key in r.obj.get("lora_deltas_from_205", {}):
        extra["legacy_lora_delta_key"] = lora_key
    return Comparison(
        id=key, cell=cell, delta=delta, baseline_delta=baseline_delta, ratio=ratio,
        baseline=BaselineRef(source=r.get(("lora_baseline_source",), str, None),
                             cell=f"M1_{method}_L{layer}_{base_cond}", condition=base_cond),
        extra=extra)


def _verdicts(r: LegacyReader, comparisons: list[Comparison]) -> list[Verdict]:
    results = r.obj["results"]
    out = []
    for key in r.get(("hypothesis_verdicts",), dict, {}):
        at = ("hypothesis_verdicts", key)
        method, dt = r.get(at + ("method",), str), r.get(at + ("data_type",), str)
        voting = sorted((c for c in comparisons
                         if results[c.id]["method"] == method
                         and results[c.id]["data_type"] == dt
                         and results[c.id]["lr"] == VOTING_LR),
                        key=lambda c: results[c.id]["layer"])
        result = r.get(at + ("verdict",), str)
        if result not in ("H1", "H2", "H3"):
            raise r.fail(at + ("verdict",), f"unknown verdict {result!r} (expected H1, H2, H3)")
        out.append(Verdict(
            id=key, method=method, group=dt, rule=VerdictRule(),
            comparisons=[c.id for c in voting], votes_low=r.get(at + ("h1_layers",), int),
            votes_high=r.get(at + ("h3_layers",), int), result=result,
            extra={"description": r.get(at + ("description",), str, None),
                   "total_layers": r.get(at + ("total_layers",), int, None)}))
    return out


def _weight_norms(r: LegacyReader) -> list[WeightNorm]:
    out = []
    for cond in r.get(("weight_delta_norms",), dict, {}):
        at = ("weight_delta_norms", cond)
        per = r.get(at + ("per_layer",), dict, {})
        blocks = {}
        for k in per:
            if not k.isdigit():
                raise r.fail(at + ("per_layer", k), f"expected a layer number, got {k!r}")
            blocks[int(k)] = r.num(at + ("per_layer", k))
        out.append(WeightNorm(checkpoint=cond, global_l2=r.num(at + ("global_l2",)),
                              per_block=blocks))
    return out


def _source_issues(r: LegacyReader) -> list[SourceIssue]:
    src = r.get(("lora_baseline_source",), str, None)
    if src and src.startswith("issue_") and src[6:].isdigit():
        return [SourceIssue(number=int(src[6:]), role="supplies the LoRA baseline deltas "
                            "(lora_baseline_source)")]
    return []


def _notes(r: LegacyReader) -> list[str]:
    n = r.get(("n_permutations",), int)
    return [
        "Imported from the issue-238 legacy layout. Values the file does not record are null "
        "and listed in provenance.unknown; values taken from pipeline.md are listed in "
        "provenance.documented.",
        f"Legacy p-values are count / n_perm: a p of 0 means none of the {n} draws reached the "
        f"observed statistic; the valid Monte-Carlo floor is 1/(n_perm+1) = {1 / (n + 1):.6g}.",
        "Family correction: the file names the adjusted p 'p_bh_fdr'; recorded as "
        "bh_running_max (pipeline.md section 4). With every raw p = 0 the recorded values "
        "cannot distinguish it from standard BH.",
        "Comparisons hold the delta_ratios entries; the cross_*_vs_lora results entries "
        "(the same quantities, differing by float rounding) are kept in each comparison's "
        "extra.cross_entry.",
        "LoRA baseline deltas come from issue_205, measured from issue 205's own base "
        "extraction; which base measurement is not recorded (compare with `personageo verify "
        "--baseline`).",
        *r.notes,
    ]
