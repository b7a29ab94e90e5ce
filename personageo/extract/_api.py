"""``extract_checkpoint``: every configured method's activation store for one checkpoint.

Flow: tokenizer -> prompts -> cache keys (a store whose manifest has the same key is skipped,
before any model is loaded) -> model and engine (:mod:`personageo.extract._context`) -> answers
for answer-based methods (fused engine: the answer vectors are pooled while generating; vLLM or
transformers: resumable per batch, then a forward pass over prompt + answer) -> one forward pass
per prompt-based method -> ``vectors.safetensors`` + ``centroids.safetensors`` +
``answers.jsonl`` + ``manifest.json`` (last), written on a background thread.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from personageo.activations import (
    FORMAT_VERSION,
    MANIFEST,
    ActivationManifest,
    read_manifest,
    store_dir,
)
from personageo.config import ExperimentConfig, MethodSpec
from personageo.errors import InputError, PersonageoError
from personageo.extract._generate import vllm_available
from personageo.extract._prompts import PromptSet, build_prompts
from personageo.extract._store import weights_fingerprint
from personageo.extract._tokens import needs_answer
from personageo.files import sha256_json
from personageo.inputs import (
    load_personas,
    load_questions,
    select_personas,
    select_questions,
)

EXTRACT_VERSION = "1"
"""Bumped when a change to this stage alters stored vectors (part of every cache key)."""
BASE_CHECKPOINT = "base"
Progress = Callable[[str, int, int], None]
"""``progress(label, done, total)``, called after every batch."""


@dataclass
class ExtractResult:
    """One method's store: where it is, its manifest, and whether it was already current."""

    store_dir: Path
    manifest: ActivationManifest
    skipped: bool
    warnings: list[str] = field(default_factory=list)
    timings: dict = field(default_factory=dict)
    """Seconds spent (``load_s``, ``warmup_s``, ``forward_s``, ``copy_s``, then ``store_s`` on the
    transformers engine or, on the fused engine whose store is written while the forward runs,
    ``store_tail_s`` (after the forward) and ``method_s`` (the method's start to its manifest);
    for generation ``generate_s``, ``prefill_s``, ``decode_s``, ``tokens_per_s``) and ``engine``."""


@dataclass
class _Plan:
    method: MethodSpec
    generation: dict | None
    key: str
    directory: Path


def model_spec_for(config: ExperimentConfig, checkpoint_id: str, model_dir_or_spec=None) -> dict:
    """The loader spec of a checkpoint: the config's model for ``base``, else a directory."""
    if model_dir_or_spec is None:
        if checkpoint_id != BASE_CHECKPOINT:
            raise InputError(f"checkpoint {checkpoint_id!r} needs a model directory",
                             hint="pass --model PATH (the trained checkpoint directory)")
        return config.model.model_dump()
    if isinstance(model_dir_or_spec, dict):
        return dict(model_dir_or_spec)
    if hasattr(model_dir_or_spec, "model_dump"):
        return model_dir_or_spec.model_dump()
    return {"name": str(model_dir_or_spec)}


def select_methods(config: ExperimentConfig, methods: list[str] | None) -> list[MethodSpec]:
    if not methods:
        return list(config.methods)
    known = {m.id: m for m in config.methods}
    unknown = [m for m in methods if m not in known]
    if unknown:
        raise InputError(f"unknown method(s) {unknown}", hint=f"the config has {sorted(known)}")
    return [known[m] for m in methods]


def generation_settings(method: MethodSpec, config: ExperimentConfig, backend: str) -> dict:
    s = config.extract
    return {"backend": backend, "decoding": "greedy",
            "max_new_tokens": method.max_new_tokens or s.max_new_tokens,
            "answer_tokens": "generated_ids", "dtype": s.dtype,
            "kv_cache": s.cache_implementation if backend == "transformers" else "vllm"}


def resolve_backend(config: ExperimentConfig, spec: dict) -> str:
    wanted = config.extract.backend
    local_dir = bool(spec.get("name")) and not spec.get("gguf") and \
        spec.get("random_init") is None and Path(spec["name"]).is_dir()
    if wanted == "vllm" or (wanted == "auto" and local_dir and vllm_available()):
        return "vllm"
    return "transformers"


def cache_key(config: ExperimentConfig, method: MethodSpec, prompts: PromptSet, weights: str,
              generation: dict | None) -> str:
    """Content hash of everything that determines a store's vectors."""
    return sha256_json({
        "format": FORMAT_VERSION, "extract_version": EXTRACT_VERSION, "weights": weights,
        "dtype": config.extract.dtype, "prompts": prompts.sha256, "prompt_ids": prompts.ids_sha256,
        "personas": prompts.personas, "question_ids": prompts.question_ids,
        "layers": config.layers, "layer_convention": config.layer_convention,
        "method": method.id, "token_rule": method.token_rule, "generation": generation,
    })


def resolve_device(device: str) -> str:
    from personageo.extract._batching import dist_env

    if device != "auto":
        return device
    import torch

    if not torch.cuda.is_available():
        return "cpu"
    _, world, local = dist_env()
    return f"cuda:{local}" if world > 1 else "cuda"


def _current(directory: Path, key: str) -> ActivationManifest | None:
    if not (directory / MANIFEST).exists():
        return None
    try:
        manifest = read_manifest(directory)
    except PersonageoError:
        return None
    return manifest if manifest.cache_key == key else None


def extract_checkpoint(config: ExperimentConfig, checkpoint_id: str, model_dir_or_spec=None, *,
                       out_root: str | Path | None = None, methods: list[str] | None = None,
                       resume: bool = True, root: str | Path = ".",
                       progress: Progress | None = None) -> list[ExtractResult]:
    """Extract (or reuse) the activation store of each method for one checkpoint.

    Parameters
    ----------
    config : ExperimentConfig
    checkpoint_id : str
        ``base`` (the config's model) or a trained checkpoint's id.
    model_dir_or_spec : path, ModelSpec or dict, optional
        The checkpoint directory (or a loader spec); None for ``base``.
    out_root : path, optional
        Activations root; default ``root / config.paths.activations``.
    methods : list of str, optional
        Method ids to extract (default: every configured method).
    resume : bool
        Reuse finished batches of an interrupted run (False restarts them).
    root : path
        Directory the config's relative paths (personas, questions) are resolved against.
    progress : callable, optional
        ``progress(label, done, total)`` after every batch.

    Returns
    -------
    list of ExtractResult
        One per method, in method order; ``skipped`` when the store was already current.
    """
    from personageo.modeling import load_tokenizer

    root = Path(root)
    out_root = Path(out_root) if out_root is not None else root / config.paths.activations
    spec = model_spec_for(config, checkpoint_id, model_dir_or_spec)
    personas = select_personas(load_personas(root / config.personas), config.subset.personas,
                               str(root / config.personas))
    questions = select_questions(load_questions(root / config.questions),
                                 config.subset.questions)
    tokenizer = load_tokenizer(spec)
    prompts = build_prompts(tokenizer, personas, questions)
    warnings = [f"questions with identical text: {', '.join(map(str, g))}"
                for g in prompts.duplicate_questions]
    weights = weights_fingerprint(spec, out_root / ".weights_sha256.json")
    backend = resolve_backend(config, spec)

    results: dict[str, ExtractResult] = {}
    plans: list[_Plan] = []
    for m in select_methods(config, methods):
        gen = generation_settings(m, config, backend) if needs_answer(m.token_rule) else None
        key = cache_key(config, m, prompts, weights, gen)
        d = store_dir(out_root, checkpoint_id, m.id)
        current = _current(d, key) if resume else None
        if current is not None:
            results[m.id] = ExtractResult(d, current, True, list(warnings))
        else:
            plans.append(_Plan(m, gen, key, d))
    if plans:
        from concurrent.futures import ThreadPoolExecutor

        from personageo.extract._context import Context

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="personageo-store") as writer:
            ctx = Context(config, checkpoint_id, spec, prompts, weights, out_root, resume,
                          progress, writer, _version)
            manifests = ctx.run(plans)
        for plan, manifest in zip(plans, manifests, strict=True):
            timings = {**ctx.load_timings, **ctx.timings.get(plan.method.id, {}),
                       "engine": ctx.engine}
            results[plan.method.id] = ExtractResult(plan.directory, manifest, False,
                                                    list(warnings) + ctx.notes, timings)
    return [results[m.id] for m in select_methods(config, methods)]


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None
