"""Pydantic models of ``run_result.json`` schema v1.1: the single source of truth for every number.

The file is a set of flat, id-keyed record lists that reference each other by id:

``design`` (what was run) -> ``measurements`` (one metric value per checkpoint x method x layer)
-> ``cells`` (a tested delta between a base and a post measurement, with its permutation test and
its multiple-testing family) -> ``comparisons`` (a cell's delta against a baseline delta) ->
``verdicts`` (votes of comparisons over layers). ``weight_norms``, ``aggregates`` (across seeds)
and ``samples`` (model answers for the write-up) hang off checkpoints and cells.

A value that a source did not record is ``None`` (never invented); semantic consistency
(references resolve, delta = post - base, ...) is checked by :mod:`personageo.schema._semantics`.

v1.1 adds, all optional so a v1.0 file stays valid after :mod:`personageo.schema.migrations`:
confidence intervals (``Interval``; how they were computed in ``RunResult.intervals``), the
cross-fitted M1 beside M1, the direct test of delta - baseline delta, undefined ratios with a
reason, abstaining layers and "undetermined" verdicts, merged duplicate questions, and the
across-seed estimate, interval, test and comparison of ``SeedAggregate``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

SCHEMA_VERSION = "1.1"


def _int_key(key: Any) -> Any:
    """A JSON object key (always a string) naming an integer, as an int (even in strict mode)."""
    return int(key) if isinstance(key, str) and key.lstrip("-").isdigit() else key


#: An integer used as a JSON object key (e.g. a decoder block index).
IntKey = Annotated[int, BeforeValidator(_int_key)]


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", allow_inf_nan=False, use_attribute_docstrings=True, validate_default=True
    )


class Interval(_Model):
    """A two-sided confidence interval; its method and level are in ``RunResult.intervals``
    (or named by the field that holds it)."""

    low: float
    """Lower bound."""
    high: float
    """Upper bound (>= low)."""


class IntervalSpec(_Model):
    method: Literal["question_bootstrap_percentile"]
    """Questions resampled with replacement, the same resampled questions for the base, post
    and baseline rows (so their correlation through shared questions is kept); percentile
    interval of the replicates."""
    outer_level: Literal["seed"] | None = None
    """``seed``: the seed aggregates' ``bootstrap_ci`` and combined comparisons also resample
    seeds (with replacement) as an outer level above the questions; None = one seed per
    condition, no outer level."""
    level: float = Field(gt=0.0, lt=1.0)
    """Coverage of every interval, e.g. 0.95."""
    n_resamples: int = Field(ge=1)
    """Bootstrap resamples."""
    seed: int | None = None
    """Seed of the resampling generator."""


# --------------------------------------------------------------------------- experiment
class SourceIssue(_Model):
    number: int
    """Tracker issue number."""
    role: str | None = None
    """What this issue contributes (e.g. "supplies the LoRA baseline deltas")."""
    title: str | None = None


class Experiment(_Model):
    id: str
    """Stable experiment identifier, e.g. ``issue_238_fullparam_vs_lora_geometry``."""
    issue: int | None = None
    """Tracker issue the results belong to."""
    title: str | None = None
    """Human title of the experiment (the write-up's claim lives in the narrative)."""
    kind: Literal["finetune_vs_baseline_geometry"] = "finetune_vs_baseline_geometry"
    """Experiment kind; selects the report template."""
    source_issues: list[SourceIssue] = Field(default_factory=list)
    """Prior issues this experiment builds on (baseline sources, motivation)."""


# --------------------------------------------------------------------------- provenance
class Hardware(_Model):
    gpus: list[str] | None = None
    """Accelerator names, one entry per device (e.g. 4 x ``NVIDIA H100 80GB HBM3``)."""
    cpu: str | None = None
    hostname: str | None = None
    nodes: int | None = None
    notes: str | None = None


class SourceFile(_Model):
    path: str
    """Path as given (relative to the research repo root where possible)."""
    sha256: str | None = None
    role: str | None = None
    """e.g. ``legacy_results``, ``config``, ``activations``, ``baseline_results``."""


class Provenance(_Model):
    produced_by: str
    """Tool and stage that wrote this file, e.g. ``personageo 0.1.0 analyze`` or ``personageo
    0.1.0 import-legacy(issue_238)``."""
    git_commit: str | None = None
    """Commit of the research code that produced the numbers (None = not recorded)."""
    personageo_version: str | None = None
    """personageo version that produced the numbers (None for legacy files)."""
    python: str | None = None
    packages: dict[str, str | None] = Field(default_factory=dict)
    """Package versions by name (torch, transformers, deepspeed, peft, vllm, ...); None = not
    recorded."""
    cuda: str | None = None
    hardware: Hardware | None = None
    started_at: str | None = None
    """ISO 8601 timestamp."""
    finished_at: str | None = None
    """ISO 8601 timestamp."""
    wall_time_s: float | None = None
    config_hash: str | None = None
    """sha256 of the canonical experiment config."""
    source_files: list[SourceFile] = Field(default_factory=list)
    unknown: list[str] = Field(default_factory=list)
    """Dotted names of fields the source did not record (legacy imports list them here)."""
    documented: dict[str, str] = Field(default_factory=dict)
    """Dotted field name -> source, for values a legacy import took from documentation of the
    original code (e.g. ``pipeline.md`` section 4) rather than from the source file itself."""


# --------------------------------------------------------------------------- design
class Persona(_Model):
    name: str
    prompt_sha256: str | None = None
    """sha256 of the persona's system prompt (UTF-8); None = the prompt was not recorded."""


class QuestionMerge(_Model):
    kept: int | str
    """Id of the question that stands for the group."""
    ids: list[int | str] = Field(min_length=2)
    """Ids of the questions with identical text, ``kept`` included; their vectors are averaged
    per persona into one question."""


class QuestionSet(_Model):
    count: int | None = Field(default=None, ge=0)
    """Number of questions used (duplicates included)."""
    distinct_count: int | None = Field(default=None, ge=0)
    sha256: str | None = None
    """sha256 of the question file's bytes."""
    path: str | None = None
    merged: list[QuestionMerge] = Field(default_factory=list)
    """Duplicated questions merged into one unit before any metric, test or interval (v1.1)."""


class Method(_Model):
    id: str
    """Short id used in cells, e.g. ``A``."""
    name: str | None = None
    token_rule: str
    """Which token positions form the vector: ``last_prompt_token``, ``mean_answer_tokens``,
    ``mean_answer_tokens_with_closing`` (the original's inclusion of ``<|im_end|>\\n``), or
    ``unknown``."""
    generation: str | None = None
    """For answer-based methods: backend and decoding, e.g. ``vllm greedy max_new_tokens=256``."""
    answer_tokens: Literal["generated_ids", "retokenized", "unknown"] | None = None
    """Whether answer tokens are the generated ids or a re-tokenization of the decoded text."""


class LoraParams(_Model):
    r: int | None = None
    alpha: float | None = None
    dropout: float | None = None
    target_modules: list[str] | None = None
    rslora: bool | None = None
    merged: bool | None = None
    """Whether the adapter was merged before extraction."""


class Training(_Model):
    method: Literal["full", "lora", "none", "unknown"]
    """``full`` = full-parameter SFT, ``lora`` = peft LoRA, ``none`` = the untrained base,
    ``unknown`` = not recorded (legacy imports)."""
    lr: float | None = None
    steps: int | None = None
    seeds: list[int] | None = None
    """Seeds this condition was trained with (one checkpoint per seed)."""
    epochs: float | None = None
    effective_batch: int | None = None
    per_device_batch: int | None = None
    grad_accum: int | None = None
    world_size: int | None = None
    lora: LoraParams | None = None
    extra: dict[str, Any] = Field(default_factory=dict)
    """Other recorded hyper-parameters (warmup, weight decay, scheduler, max length, ...)."""


class DataRef(_Model):
    name: str | None = None
    data_type: str | None = None
    """Grouping used by verdicts and figures, e.g. ``em`` or ``benign``."""
    fingerprint: str | None = None
    """sha256 of the training rows as used."""
    n_examples: int | None = None
    revision: str | None = None
    """Pinned dataset revision for hub datasets (None = not pinned / not recorded)."""


class Condition(_Model):
    id: str
    label: str | None = None
    training: Training
    data: DataRef = Field(default_factory=DataRef)
    source: str | None = None
    """Where this condition was run when not in this experiment (e.g. ``issue_205``)."""


class Checkpoint(_Model):
    id: str
    condition: str | None = None
    """Condition id; None for the untrained base model."""
    step: int | None = None
    seed: int | None = None
    weights_sha256: str | None = None


class Design(_Model):
    base_model: str
    personas: list[Persona]
    questions: QuestionSet = Field(default_factory=QuestionSet)
    layers: list[int]
    layer_convention: Literal["block_output_0idx", "hf_hidden_states", "unknown"]
    """``block_output_0idx``: output of decoder block L (forward hook); ``hf_hidden_states``:
    index into HF ``hidden_states`` (0 = embeddings)."""
    methods: list[Method]
    conditions: list[Condition]
    checkpoints: list[Checkpoint]


# --------------------------------------------------------------------------- measurements
class Measurement(_Model):
    id: str
    checkpoint: str
    method: str
    layer: int
    metric: str
    """Metric id from the metric registry, e.g. ``M1`` (mean off-diagonal cosine)."""
    value: float
    n_personas: int | None = None
    n_pairs: int | None = None
    n_questions: int | None = None
    inputs_sha256: str | None = None
    """sha256 of the activations the value was computed from."""
    ci: Interval | None = None
    """Confidence interval of ``value`` over questions (v1.1)."""
    cross_fitted: float | None = None
    """The metric from split-half centroids: every cosine's inner products taken between
    centroids of disjoint question halves, averaged over all splits (no same-question
    products), so answer spread does not bias it as it biases ``value`` (v1.1; None = not
    computed, or undefined because a persona's cross-fitted norm is not positive)."""


# --------------------------------------------------------------------------- tests
class PermutationTest(_Model):
    kind: Literal["pair_signflip", "persona", "question", "unknown"]
    """``pair_signflip``: sign flips of paired pair-cosine differences (the original);
    ``persona``: persona-level exchange; ``question``: base/post swapped per question."""
    alternative: Literal["greater", "less", "two-sided"] | None = None
    n_perm: int = Field(ge=1)
    seed: int | None = None
    b: int | None = Field(default=None, ge=0)
    """Exceedance count: permutations at least as extreme as the observed statistic."""
    p: float = Field(ge=0.0, le=1.0)
    p_convention: Literal["plus_one", "b_over_n"]
    """``plus_one``: p = (b+1)/(n_perm+1) (valid); ``b_over_n``: the original's p = b/n_perm,
    which can be 0 (exact-reproduction mode only)."""
    reseeded_per_cell: bool | None = None
    """True when the generator was re-seeded with the same seed for every cell (original)."""
    exact: bool | None = None
    """True when every permutation pattern was enumerated (then p is exact, not Monte Carlo)."""


class Family(_Model):
    id: str
    correction: Literal["bh", "holm", "bonferroni", "none", "bh_running_max"]
    """``bh_running_max`` is the original code's non-standard BH (running max from the smallest
    p upward); kept for exact reproduction only."""
    alpha: float = Field(gt=0.0, lt=1.0)
    reject_rule: Literal["lt", "le"] = "le"
    """Significant when p_adjusted < alpha (``lt``) or <= alpha (``le``)."""
    members: list[str]
    """Ids of the cells corrected together."""


class TestedCell(_Model):
    id: str
    condition: str
    method: str
    layer: int
    metric: str
    base: str | None
    """Id of the base measurement (None only in legacy imports that did not record it)."""
    post: str | None
    """Id of the post measurement (None only in legacy imports that did not record it)."""
    delta: float | None
    """post - base (None only in legacy imports that did not record it)."""
    test: PermutationTest
    p_adjusted: float = Field(ge=0.0, le=1.0)
    family: str
    significant: bool
    ci: Interval | None = None
    """Confidence interval of ``delta`` (v1.1)."""
    cross_fitted_delta: float | None = None
    """post - base of the measurements' ``cross_fitted`` values (v1.1)."""
    extra: dict[str, Any] = Field(default_factory=dict)
    """Recorded values without a schema field (legacy imports: ``ci_95``, ``p_holm``, ...)."""


class Rebase(_Model):
    """How a baseline delta from another results file was put onto this file's base
    measurement: ``baseline_delta = post_value - `` this file's base value (v1.1)."""

    post_measurement: str
    """Id of the baseline's post measurement in its own results file."""
    post_value: float
    original_delta: float
    """The baseline file's own delta (from its own base measurement)."""
    original_base_measurement: str | None = None
    original_base_value: float | None = None


class BaselineRef(_Model):
    source: str | None = None
    """Baseline results file or issue (e.g. ``issue_205``)."""
    cell: str | None = None
    """Id of the baseline's tested cell in its own results file."""
    condition: str | None = None
    base_measurement: str | None = None
    """Id of the measurement the baseline delta was taken from (None = not recorded)."""
    base_value: float | None = None
    """The baseline's base metric value (None = not recorded)."""
    rebased: Rebase | None = None
    """Set when the baseline delta was rebased onto this file's base measurement (then
    ``base_measurement``/``base_value`` are this file's); None = as the baseline file has it."""


class Comparison(_Model):
    id: str
    cell: str
    """Id of this experiment's tested cell (supplies ``delta``)."""
    delta: float
    baseline_delta: float
    baseline: BaselineRef
    ratio: float | None
    """delta / baseline_delta; None when undefined (``ratio_undefined`` says why)."""
    ratio_undefined: str | None = None
    """Why ``ratio`` is None: the baseline delta is 0, or not distinguishable from 0 (its
    interval contains 0, or its test is not significant), so dividing by it means nothing
    (v1.1)."""
    ratio_ci: Interval | None = None
    """Confidence interval of the ratio (v1.1; None when the ratio is undefined)."""
    baseline_delta_ci: Interval | None = None
    """Confidence interval of the baseline delta (v1.1)."""
    difference: float | None = None
    """delta - baseline_delta (v1.1)."""
    difference_ci: Interval | None = None
    """Confidence interval of ``difference`` (v1.1)."""
    difference_test: PermutationTest | None = None
    """Direct test of delta = baseline delta: with a shared base and questions this is
    M1(post) = M1(baseline post), tested by exchanging the two per question (v1.1; None when
    the two do not share base and questions)."""
    difference_p_adjusted: float | None = Field(default=None, ge=0.0, le=1.0)
    """``difference_test.p`` adjusted over all comparisons with the run's correction."""
    same_base: bool | None = None
    """True when delta and baseline delta were measured from the same base measurement
    (v1.1; None = not known)."""
    vote: Literal["low", "mid", "high", "abstain"] | None = None
    """This layer's vote under an interval rule: ``low``/``high`` when the ratio interval lies
    wholly below ``rule.low`` / above ``rule.high``, ``mid`` when it lies wholly between them,
    ``abstain`` otherwise (v1.1; None under the point rule)."""
    extra: dict[str, Any] = Field(default_factory=dict)
    """Recorded values without a schema field (legacy imports: duplicate legacy entries)."""


class VerdictRule(_Model):
    name: str = "ratio_vote"
    """``ratio_vote``: point ratios vote (the original); ``ratio_interval_vote``: a layer votes
    only when its ratio interval lies on one side of a threshold, else it abstains."""
    low: float = 0.5
    """A comparison votes ``low`` (H1) when ratio < low."""
    high: float = 1.5
    """A comparison votes ``high`` (H3) when ratio > high."""
    min_votes: int = 3
    labels: dict[str, str] = Field(
        default_factory=lambda: {
            "H1": "Rank bottleneck",
            "H2": "Generic collapse",
            "H3": "Full-param worse",
            "undetermined": "Undetermined",
        }
    )


class Verdict(_Model):
    id: str
    method: str
    group: str
    """The data type (or other grouping) this verdict is for."""
    rule: VerdictRule
    comparisons: list[str]
    """Ids of the voting comparisons (one per layer)."""
    votes_low: int
    votes_high: int
    result: Literal["H1", "H2", "H3", "undetermined"]
    """``undetermined`` (interval rule only): no result has ``min_votes`` votes."""
    votes_mid: int | None = None
    """Layers whose ratio interval lies between low and high (interval rule; v1.1)."""
    abstentions: int | None = None
    """Layers that did not vote (interval rule; v1.1)."""
    aggregates: list[str] = Field(default_factory=list)
    """Ids of the seed aggregates whose combined comparisons voted, when seeds are combined
    into one verdict (v1.1); ``comparisons`` then lists every per-seed comparison."""
    extra: dict[str, Any] = Field(default_factory=dict)
    """Recorded values without a schema field (legacy imports: description, total_layers)."""


class WeightNorm(_Model):
    checkpoint: str
    global_l2: float = Field(ge=0.0)
    per_block: dict[IntKey, float] = Field(default_factory=dict)
    """Decoder block index -> L2 norm of that block's parameter delta."""
    dtype: str | None = None
    scope: str | None = None
    """What ``global_l2`` covers, e.g. ``all tensors present in both models``."""


class SeedTest(_Model):
    kind: Literal["t_across_seeds"]
    """One-sample Student t test of the per-seed deltas (df = n - 1)."""
    statistic: float
    df: int = Field(ge=1)
    p: float = Field(ge=0.0, le=1.0)
    """Two-sided p-value."""


class SeedComparison(_Model):
    baseline_delta: float
    """The baseline's delta (mean over its seeds)."""
    baseline_delta_ci: Interval | None = None
    ratio: float | None
    """mean delta / baseline_delta; None when undefined (``ratio_undefined`` says why)."""
    ratio_undefined: str | None = None
    ratio_ci: Interval | None = None
    difference: float
    """mean delta - baseline_delta."""
    difference_ci: Interval | None = None
    vote: Literal["low", "mid", "high", "abstain"] | None = None
    """The combined layer's vote (see ``Comparison.vote``)."""


class SeedAggregate(_Model):
    id: str
    condition: str
    method: str
    layer: int
    metric: str
    cells: list[str]
    """One tested cell per seed."""
    n: int
    mean: float
    sd: float | None
    """Sample standard deviation (ddof=1); None for a single seed."""
    ci: Interval | None = None
    """Student-t interval of the mean across seeds at ``RunResult.intervals.level`` (v1.1)."""
    bootstrap_ci: Interval | None = None
    """Interval of the mean delta with seeds resampled as an outer level and questions
    within (v1.1)."""
    test: SeedTest | None = None
    """Test across seeds that the mean delta is 0 (v1.1)."""
    comparison: SeedComparison | None = None
    """The seed-combined delta against its baseline (v1.1)."""


class Sample(_Model):
    checkpoint: str
    method: str
    persona: str
    question: str
    answer: str | None = None
    question_id: int | str | None = None


class RunResult(_Model):
    schema_ref: str | None = Field(default=None, alias="$schema", exclude=True)
    """Optional URI of this JSON Schema, for editor association; never written back."""
    schema_version: Literal["1.1"] = SCHEMA_VERSION
    """Version of this schema; an older one is migrated (:mod:`personageo.schema.migrations`),
    a newer one is refused."""
    experiment: Experiment
    provenance: Provenance
    design: Design
    measurements: list[Measurement]
    families: list[Family] = Field(default_factory=list)
    cells: list[TestedCell] = Field(default_factory=list)
    comparisons: list[Comparison] = Field(default_factory=list)
    verdicts: list[Verdict] = Field(default_factory=list)
    weight_norms: list[WeightNorm] = Field(default_factory=list)
    aggregates: list[SeedAggregate] = Field(default_factory=list)
    samples: list[Sample] = Field(default_factory=list)
    intervals: IntervalSpec | None = None
    """How every ``ci`` of this file was computed (v1.1; None = no intervals)."""
    notes: list[str] = Field(default_factory=list)
    """Free-text remarks (e.g. what a legacy import could not map)."""
    legacy: dict[str, Any] | None = None
    """Legacy imports only: every part of the legacy file that no record above holds, verbatim
    (``{"layout": ..., "top_level": {...}, "results": {...}}``), so the import is lossless."""

    @model_validator(mode="before")
    @classmethod
    def _migrate_older(cls, data: Any) -> Any:
        """An older versioned object is migrated step by step before validation."""
        if isinstance(data, dict) and data.get("schema_version") not in (None, SCHEMA_VERSION):
            from personageo.schema.migrations import migrate

            return migrate(data)
        return data
