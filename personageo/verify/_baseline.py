"""Checks of comparisons against the baseline file they were taken from (V305-V316).

The key check (V308): a comparison's ratio divides a delta measured from this file's base
measurement by a baseline delta measured from the baseline file's base measurement. When those
two base values differ, the two deltas come from different base extractions and the ratio
mixes them.
"""

from __future__ import annotations

from personageo.schema import RunResult
from personageo.verify._context import Context, close, fmt
from personageo.verify._rebase import (
    MixedBase,
    check_rebased,
    infer_base,
    report_inferred,
    report_recount,
)


def check_baseline_unrecorded(ctx: Context, resolved: set[str]) -> None:
    """V305: comparisons whose baseline base measurement is neither recorded nor resolved."""
    todo = [cmp for cmp in ctx.run.comparisons if cmp.id not in resolved
            and cmp.baseline.base_measurement is None and cmp.baseline.base_value is None]
    ctx.add_many("V305", [("comparisons", c.id, "baseline", "base_measurement") for c in todo],
                 "the baseline delta's base measurement is not recorded",
                 len(ctx.run.comparisons),
                 "baseline.base_measurement or base_value, or `verify --baseline FILE`")


def _names_experiment(source: str, other: RunResult) -> bool:
    exp = other.experiment
    return source == exp.id or (exp.issue is not None and source in (
        f"issue_{exp.issue}", f"issue-{exp.issue}", f"#{exp.issue}", str(exp.issue)))


def check_against_baseline(ctx: Context, other: RunResult, other_path: str | None) -> set[str]:
    """Cross-file checks; returns the ids of the comparisons whose baseline was looked up (so
    V305 is not reported again for them)."""
    base_ctx = Context(other, other_path)
    label = other_path or other.experiment.id
    _design(ctx, other, label)
    resolved: set[str] = set()
    no_base: list[tuple] = []
    bases: list[MixedBase] = []
    sources = set()
    for cmp in ctx.run.comparisons:
        at = ("comparisons", cmp.id, "baseline")
        ref = cmp.baseline
        if ref.source is not None and not _names_experiment(ref.source, other) \
                and ref.source not in sources:
            sources.add(ref.source)
            ctx.add("V312", at + ("source",), f"baseline source {ref.source!r} but --baseline "
                    f"is experiment {other.experiment.id!r} (issue {other.experiment.issue})",
                    "the baseline file the comparison names")
        if ref.cell is None:
            continue
        bcell = base_ctx.cells.get(ref.cell)
        resolved.add(cmp.id)
        if bcell is None:
            ctx.add("V306", at + ("cell",), f"baseline cell {ref.cell!r} is not in {label}",
                    "a cell id of the baseline file")
            continue
        if ref.rebased is not None:  # already on this file's base: V308/V314/V315 do not apply
            check_rebased(ctx, base_ctx, cmp, bcell, label)
            continue
        if bcell.delta is not None and not close(cmp.baseline_delta, bcell.delta):
            ctx.add("V307", ("comparisons", cmp.id, "baseline_delta"),
                    f"baseline_delta = {fmt(cmp.baseline_delta)} but {label} has delta "
                    f"{fmt(bcell.delta)} for {ref.cell!r}", f"{bcell.delta!r}")
        theirs = base_ctx.value(bcell.base)
        cell = ctx.cells.get(cmp.cell)
        ours = ctx.value(cell.base) if cell is not None else None
        if theirs is None:
            inferred = infer_base(base_ctx, bcell) if ours is not None else None
            if inferred is None:
                no_base.append(at + ("cell",))
                continue
            bases.append(MixedBase(cmp.id, ours, inferred[1], "inferred"))
            if bases[-1].mixed:
                report_inferred(ctx, cmp, bcell, cell, inferred, label)
            continue
        if ours is not None:
            bases.append(MixedBase(cmp.id, ours, theirs, "recorded"))
        if ours is not None and not close(ours, theirs):
            ctx.add("V308", at, f"delta measured from base {cell.base} = {fmt(ours)} in this "
                    f"file, baseline delta from base {bcell.base} = {fmt(theirs)} in {label}: "
                    "different base extractions", "both deltas measured from one base "
                    f"measurement (base values equal; differ by {fmt(ours - theirs)})")
    ctx.add_many("V309", no_base, f"{label} records no base measurement for the baseline cell",
                 len(ctx.run.comparisons), "the baseline cell's base measurement")
    report_recount(ctx, bases)
    return resolved


def _design(ctx: Context, other: RunResult, label: str) -> None:
    """V310: designs that should match for deltas to be comparable."""
    a, b = ctx.run.design, other.design
    if "unknown" not in (a.base_model, b.base_model) and a.base_model != b.base_model:
        ctx.add("V310", ("design", "base_model"), f"base model {a.base_model!r} but "
                f"{label} has {b.base_model!r}", "the same base model")
    names_a, names_b = [p.name for p in a.personas], [p.name for p in b.personas]
    if names_a and names_b and sorted(names_a) != sorted(names_b):
        ctx.add("V310", ("design", "personas"), f"personas differ from {label}: only here "
                f"{sorted(set(names_a) - set(names_b))}, only there "
                f"{sorted(set(names_b) - set(names_a))}", "the same personas")
    hashes_b = {p.name: p.prompt_sha256 for p in b.personas}
    for i, p in enumerate(a.personas):
        other_hash = hashes_b.get(p.name)
        if p.prompt_sha256 and other_hash and p.prompt_sha256 != other_hash:
            ctx.add("V310", ("design", "personas", i, "prompt_sha256"), f"persona "
                    f"{p.name!r} has another system prompt in {label}", "the same prompt")
    qa, qb = a.questions.sha256, b.questions.sha256
    if qa and qb and qa != qb:
        ctx.add("V310", ("design", "questions", "sha256"), f"question set differs from {label}",
                "the same questions")
    if a.layer_convention != b.layer_convention and "unknown" not in (
            a.layer_convention, b.layer_convention):
        ctx.add("V310", ("design", "layer_convention"), f"layer convention "
                f"{a.layer_convention!r} but {label} uses {b.layer_convention!r}",
                "the same layer convention")
