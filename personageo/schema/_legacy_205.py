"""Import of the issue-205 legacy layout (see :mod:`personageo.schema.legacy` for the rules).

Tested cells: M1 pre/post cells of the EM conditions (base and post measurements), the benign
M1 cells (delta only: no base/post recorded), M2 cells (``obs_delta`` only), M3 cells (accuracies
as measurements; the metric is broken and always 0, kept as recorded) and the M1 em-vs-benign
cells (p only: no delta recorded; metric kept as ``M1_em_vs_benign``). Everything else in
``results`` (behavioral records, H1/H2/H3, ``behavioral_summary``, ``paired_filter_n_effective``)
has no v1 record and is kept verbatim in ``legacy``.
"""

from __future__ import annotations

from typing import Any

from personageo.schema._models import (
    Condition,
    DataRef,
    Design,
    Experiment,
    RunResult,
    TestedCell,
    Training,
)
from personageo.schema.legacy import COMMON_DOCUMENTED, METRICS, PIPELINE, LegacyReader

MAPPED = {"issue", "experiment", "git_commit", "seed", "wall_time_seconds", "em_conditions",
          "eval_personas", "layers", "methods", "n_permutations", "fdr_alpha", "results"}
#: Fields of a tested cell that map to record fields (the rest go to ``extra``).
CELL_FIELDS = {"metric", "method", "layer", "condition", "delta_mean_offdiag", "base_mean",
               "em_mean", "p_raw", "family", "p_bh_fdr", "sig_bh_fdr", "obs_delta", "acc_base",
               "acc_em", "delta_acc"}
EM_VS_BENIGN = "M1_em_vs_benign"

DOCUMENTED = {
    **COMMON_DOCUMENTED,
    "cells.test.kind": f"{PIPELINE} section 4 (issue 205's LoRA M1 cells used the sign-flip "
                       "test); 'unknown' for M2, M3 and em-vs-benign cells",
}
UNKNOWN = ["experiment.title", "design.base_model", "design.conditions.training",
           "design.checkpoints.seed", "cells.test.reseeded_per_cell"]


def _is_cell(rec: Any) -> bool:
    return isinstance(rec, dict) and "p_raw" in rec and "family" in rec and "layer" in rec


def import_205(r: LegacyReader) -> RunResult:
    results = r.get(("results",), dict)
    em = [str(c) for c in r.get(("em_conditions",), list)]
    conditions = {c: _condition(c, "em") for c in em}
    cells, families, leftovers = [], {}, {}
    for key, rec in results.items():
        if not _is_cell(rec):
            leftovers[key] = rec
            continue
        cell = _cell(r, key)
        if cell.condition not in conditions:
            dt = "benign" if "benign" in cell.family else None
            conditions[cell.condition] = _condition(cell.condition, dt)
        families.setdefault(cell.family, []).append(key)
        cells.append(cell)
    names = list(conditions)
    return RunResult(
        experiment=Experiment(id=r.get(("experiment",), str), issue=r.get(("issue",), int, None)),
        provenance=r.provenance("issue_205", DOCUMENTED, UNKNOWN),
        design=Design(
            base_model="unknown", personas=r.personas(), layers=r.layers(),
            layer_convention="unknown", methods=r.methods(),
            conditions=list(conditions.values()), checkpoints=r.checkpoints(names, None)),
        measurements=list(r.measurements.values()),
        families=r.families(families),
        cells=cells,
        notes=_notes(r),
        legacy={"layout": "issue_205",
                "top_level": {k: v for k, v in r.obj.items() if k not in MAPPED},
                "results": leftovers})


def _condition(cond: str, data_type: str | None) -> Condition:
    return Condition(id=cond, training=Training(method="unknown"),
                     data=DataRef(data_type=data_type))


def _cell(r: LegacyReader, key: str) -> TestedCell:
    at = ("results", key)
    rec = r.get(at, dict)
    cond, method, layer = (r.get(at + ("condition",), str), r.get(at + ("method",), str),
                           r.get(at + ("layer",), int))
    legacy_metric = r.get(at + ("metric",), str)
    metric = METRICS.get(legacy_metric, legacy_metric)
    base = post = delta = None
    kind = "unknown"
    if "base_mean" in rec or "em_mean" in rec:  # M1 pre/post with both values
        base = r.measurement("base", method, layer, metric, r.num(at + ("base_mean",)), key)
        post = r.measurement(cond, method, layer, metric, r.num(at + ("em_mean",)), key)
        delta = r.num(at + ("delta_mean_offdiag",))
    elif "acc_base" in rec or "acc_em" in rec:  # M3 (broken: always 0)
        base = r.measurement("base", method, layer, metric, r.num(at + ("acc_base",)), key)
        post = r.measurement(cond, method, layer, metric, r.num(at + ("acc_em",)), key)
        delta = r.num(at + ("delta_acc",))
    elif "delta_mean_offdiag" in rec:  # benign M1: delta only
        delta = r.num(at + ("delta_mean_offdiag",))
    elif "obs_delta" in rec:  # M2: delta only
        delta = r.num(at + ("obs_delta",))
    if metric == "M1" and legacy_metric != EM_VS_BENIGN:
        kind = "pair_signflip"
    extra = {"legacy_metric": legacy_metric,
             **{k: v for k, v in rec.items() if k not in CELL_FIELDS}}
    return TestedCell(
        id=key, condition=cond, method=method, layer=layer, metric=metric, base=base,
        post=post, delta=delta, test=r.test(at + ("p_raw",), r.num(at + ("p_raw",)), kind, None),
        p_adjusted=r.num(at + ("p_bh_fdr",)), family=r.get(at + ("family",), str),
        significant=r.get(at + ("sig_bh_fdr",), bool), extra=extra)


def _notes(r: LegacyReader) -> list[str]:
    return [
        "Imported from the issue-205 legacy layout. Values the file does not record are null "
        "and listed in provenance.unknown; values taken from pipeline.md are listed in "
        "provenance.documented.",
        "Each family's p_bh_fdr is recorded as p_adjusted (correction bh_running_max, which "
        "these values match exactly); the file's Holm-adjusted p and flags are kept in each "
        "cell's extra.p_holm / extra.sig_holm, its ci_95 in extra.ci_95.",
        "Condition data types come from the file's own names: 'em' for the conditions listed "
        "in em_conditions, 'benign' for conditions whose cells are in a *benign* family.",
        "M3 (separability) is broken in the original code (always 0, pipeline.md section 3); "
        "its cells are kept as recorded and should not be interpreted.",
        "benign_sft_375 M1 cells and M2 cells record a delta but no base/post values; "
        "em-vs-benign cells record only p-values. Their base/post (and delta) are null.",
        "Behavioral, H1/H2/H3, behavioral_summary, paired_filter_n_effective and "
        "cos_to_assistant have no schema-v1 record and are kept verbatim in `legacy`.",
        *r.notes,
    ]
