"""Missing provenance (V5xx): what a reader needs to trust or rerun the numbers.

A field missing in many records is one finding (first record shown, count in the message).
What is expected depends on the backend that ran: a CPU run is not asked for its CUDA version,
a transformers-only run not for vLLM's.
"""

from __future__ import annotations

from personageo.schema import RunResult
from personageo.verify._context import Context

#: Package versions a results file should record (those a run did not use are not asked for:
#: see :func:`expected_provenance`).
PACKAGES = ("torch", "transformers", "deepspeed", "peft", "vllm")
ENVIRONMENT = ("git_commit", "python", "cuda", "hardware")
#: Token rules that read the prompt only: no answers generated, so no generation backend.
PROMPT_ONLY = ("last_prompt_token",)


def generation_backends(run: RunResult) -> set[str] | None:
    """Generation backends the methods used (``{"transformers"}``, ``{"vllm"}``, empty for
    prompt-only methods); None when a method generated answers without recording its backend
    (legacy imports)."""
    out: set[str] = set()
    for m in run.design.methods:
        if m.token_rule in PROMPT_ONLY:
            continue
        words = (m.generation or "").split()
        backend = next((w.split("=", 1)[1] for w in words if w.startswith("backend=")), None)
        if backend is None and words and words[0] in ("vllm", "transformers"):
            backend = words[0]  # the free-text form "vllm greedy max_new_tokens=256"
        if backend is None:
            return None
        out.add(backend)
    return out


def gpu_run(run: RunResult) -> bool | None:
    """True for a run with GPU evidence (CUDA version, GPU names, vLLM), False for a CPU run
    (an empty GPU list, a ``+cpu`` torch build), None when the file cannot tell."""
    prov = run.provenance
    gpus = prov.hardware.gpus if prov.hardware is not None else None
    if prov.cuda or gpus or "vllm" in (generation_backends(run) or ()):
        return True
    if gpus == [] or (prov.packages.get("torch") or "").endswith("+cpu"):
        return False
    return None


def expected_provenance(run: RunResult) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The packages and environment fields ``run`` should record, given the backend that ran:
    no CUDA or DeepSpeed for a CPU run, no vLLM when every method's backend is recorded and
    none is vLLM, no peft without a LoRA (or unrecorded) training method. What the file cannot
    tell is expected."""
    backends = generation_backends(run)
    cpu = gpu_run(run) is False
    methods = {c.training.method for c in run.design.conditions}
    skip = {"vllm"} if backends is not None and "vllm" not in backends else set()
    if cpu:
        skip |= {"deepspeed", "cuda"}
    if not methods & {"lora", "unknown"}:
        skip.add("peft")
    return (tuple(p for p in PACKAGES if p not in skip),
            tuple(e for e in ENVIRONMENT if e not in skip))


def check_provenance(ctx: Context, with_questions: bool = False) -> None:
    """V501-V508, V605. ``with_questions``: the question counts are checked against a file
    instead (V508 then comes from the questions check, with the file's counts)."""
    prov = ctx.run.provenance
    packages, environment = expected_provenance(ctx.run)
    missing = [p for p in packages if prov.packages.get(p) is None]
    if missing:
        ctx.add("V501", ("provenance", "packages"), f"versions not recorded: "
                f"{', '.join(missing)}", "a version for each package the run used")
    env = [name for name in environment if getattr(prov, name) is None]
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
