"""Missing provenance (V5xx): what a reader needs to trust or rerun the numbers.

A field missing in many records is one finding (first record shown, count in the message).
"""

from __future__ import annotations

from personageo.verify._context import Context

#: Package versions every results file should record.
PACKAGES = ("torch", "transformers", "deepspeed", "peft", "vllm")
ENVIRONMENT = ("git_commit", "python", "cuda", "hardware")


def check_provenance(ctx: Context, with_questions: bool = False) -> None:
    """V501-V508, V605. ``with_questions``: the question counts are checked against a file
    instead (V508 then comes from the questions check, with the file's counts)."""
    prov = ctx.run.provenance
    missing = [p for p in PACKAGES if prov.packages.get(p) is None]
    if missing:
        ctx.add("V501", ("provenance", "packages"), f"versions not recorded: "
                f"{', '.join(missing)}", "a version for each package")
    env = [name for name in ENVIRONMENT if getattr(prov, name) is None]
    if env:
        ctx.add("V507", ("provenance",), f"not recorded: {', '.join(env)}",
                "the commit and environment the numbers came from")
    cells = ctx.run.cells
    ctx.add_many("V502", [("cells", c.id, "test", "alternative") for c in cells
                          if c.test.alternative is None],
                 "test sidedness (alternative) not recorded", len(cells),
                 "'greater', 'less' or 'two-sided'")
    ctx.add_many("V503", [("cells", c.id, "test", "b") for c in cells if c.test.b is None],
                 "exceedance count b not recorded", len(cells), "b, so p can be recomputed")
    documented = dict(prov.documented)
    if "families.correction" in documented:
        source = documented.pop("families.correction")
        for fam in ctx.run.families:
            ctx.add("V504", ("families", fam.id, "correction"), f"correction "
                    f"{fam.correction!r} is not recorded by the source file; taken from: "
                    f"{source}", "the correction recorded with the results")
    if documented:
        ctx.add("V505", ("provenance", "documented"), f"{len(documented)} value(s) taken from "
                f"documentation, not from the file: {', '.join(documented)}")
    if prov.unknown:
        shown = ", ".join(prov.unknown[:8]) + (", ..." if len(prov.unknown) > 8 else "")
        ctx.add("V506", ("provenance", "unknown"), f"{len(prov.unknown)} field(s) not "
                f"recorded by the source: {shown}")
    q = ctx.run.design.questions
    if q.count is None or q.distinct_count is None:
        if with_questions:
            return
        ctx.add("V508", ("design", "questions"), "question count and distinct count not "
                "recorded" if q.count is None and q.distinct_count is None else
                f"{'count' if q.count is None else 'distinct_count'} not recorded",
                "count and distinct_count (check with --questions FILE)")
    elif q.distinct_count < q.count:
        ctx.add("V605", ("design", "questions", "distinct_count"), f"{q.count} questions but "
                f"only {q.distinct_count} distinct", "distinct questions")
