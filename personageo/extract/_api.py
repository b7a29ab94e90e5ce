"""``extract_checkpoint``: every configured method's activation store for one checkpoint.

Flow: tokenizer -> prompts -> cache keys (a store whose manifest has the same key is skipped,
before any model is loaded) -> answers for answer-based methods (vLLM or transformers, resumable
per batch) -> one forward pass per method over the pooled sequences (resumable per batch) ->
``vectors.safetensors`` + ``centroids.safetensors`` + ``answers.jsonl`` + ``manifest.json``
(last).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import importlib.metadata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from personageo.activations import (
    FORMAT_VERSION,
    MANIFEST,
    ActivationManifest,
    PersonaEntry,
    read_manifest,
    store_dir,
    write_activations,
)
from personageo.config import ExperimentConfig, MethodSpec
from personageo.errors import InputError, PersonageoError
from personageo.extract._generate import generate_vllm, iter_generate_transformers, vllm_available
from personageo.extract._layers import resolve_sites
from personageo.extract._prompts import PromptSet, build_prompts
from personageo.extract._store import AnswerParts, PartStore, weights_fingerprint, write_centroids
from personageo.extract._tokens import Answer, needs_answer, pool_item
from personageo.files import sha256_json, sha256_text
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
        ctx = _Context(config, checkpoint_id, spec, prompts, weights, out_root, resume, progress)
        for plan, manifest in zip(plans, ctx.run(plans), strict=True):
            results[plan.method.id] = ExtractResult(plan.directory, manifest, False,
                                                    list(warnings))
    return [results[m.id] for m in select_methods(config, methods)]


class _Context:
    """The state of one checkpoint's extraction once a model is needed."""

    def __init__(self, config, checkpoint_id, spec, prompts, weights, out_root, resume,
                 progress) -> None:
        self.config, self.checkpoint_id, self.spec = config, checkpoint_id, spec
        self.prompts, self.weights, self.out_root = prompts, weights, out_root
        self.resume, self.progress = resume, progress or (lambda *a: None)
        self.model = self.tokenizer = None

    def _load(self) -> None:
        if self.model is None:
            from personageo.modeling import load_model_and_tokenizer

            s = self.config.extract
            self.model, self.tokenizer = load_model_and_tokenizer(
                self.spec, dtype=s.dtype, device=resolve_device(s.device))
            if s.grouped_attention == "always":
                from personageo.extract._attention import use_grouped_sdpa

                use_grouped_sdpa(self.model)

    def _sites(self):
        """Hook sites of the configured layers (validated against the loaded model)."""
        cfg = self.config
        return resolve_sites(cfg.layers, cfg.layer_convention,
                             self.model.config.num_hidden_layers)

    def run(self, plans: list[_Plan]) -> list[ActivationManifest]:
        answers: dict[str, list[Answer]] = {}
        gen_dirs = []
        if not any(p.generation and p.generation["backend"] == "vllm" for p in plans):
            self._load()
            self._sites()  # a bad layer fails now, not after generating every answer
        for gen in {sha256_json(p.generation): p.generation for p in plans if p.generation}.values():
            gkey = sha256_json({"weights": self.weights, "prompt_ids": self.prompts.ids_sha256,
                                "generation": gen})
            parts = AnswerParts(self.out_root / self.checkpoint_id / f".answers-{gkey[:16]}",
                                resume=self.resume)
            answers[sha256_json(gen)] = self._answers(gen, parts)
            gen_dirs.append(parts)
        self._load()
        out = [self._method(p, answers.get(sha256_json(p.generation))) for p in plans]
        for parts in gen_dirs:
            parts.remove()
        return out

    def _answers(self, gen: dict, parts: AnswerParts) -> list[Answer]:
        ids = [p.ids for p in self.prompts.prompts]
        done = parts.load()
        todo = [i for i in range(len(ids)) if i not in done]
        stops = [self.prompts.closing_ids[0]] if self.prompts.closing_ids else []
        label = "generate"
        if todo and gen["backend"] == "vllm":
            s = self.config.extract
            new = generate_vllm(self.spec["name"], [ids[i] for i in todo],
                                max_new_tokens=gen["max_new_tokens"], stop_ids=stops,
                                dtype=s.dtype, tensor_parallel_size=s.tensor_parallel_size)
            parts.save(todo, new)
            done.update(zip(todo, new, strict=True))
        elif todo:
            self._load()
            stops = sorted(set(stops) | {self.tokenizer.eos_token_id})
            s = self.config.extract
            cache = "static" if s.cache_implementation == "static" else None
            with contextlib.ExitStack() as stack:
                if s.grouped_attention == "generation":
                    from personageo.extract._attention import grouped_sdpa_during

                    stack.enter_context(grouped_sdpa_during(self.model))
                for idx, new in iter_generate_transformers(
                        self.model, ids, indices=todo, max_new_tokens=gen["max_new_tokens"],
                        batch_size=s.generate_batch_size or s.batch_size, stop_ids=stops,
                        pad_id=self.tokenizer.pad_token_id, cache_implementation=cache,
                        compile=s.compile_generation):
                    parts.save(idx, new)
                    done.update(zip(idx, new, strict=True))
                    self.progress(label, len(done), len(ids))
        return [done[i] for i in range(len(ids))]

    def _method(self, plan: _Plan, answers: list[Answer] | None) -> ActivationManifest:
        from personageo.extract._forward import iter_pooled

        cfg, ps = self.config, self.prompts
        sites = self._sites()
        items = [pool_item(plan.method.token_rule, p, answers[i] if answers else None,
                           ps.closing_ids) for i, p in enumerate(ps.prompts)]
        (plan.directory / MANIFEST).unlink(missing_ok=True)  # a stale store is never "complete"
        parts = PartStore(plan.directory / ".partial", plan.key, resume=self.resume)
        done = parts.load()
        todo = [i for i in range(len(items)) if i not in done]
        label = f"method {plan.method.id}"
        for idx, vec in iter_pooled(self.model, items, sites, batch_size=cfg.extract.batch_size,
                                    pad_id=self.tokenizer.pad_token_id, indices=todo,
                                    early_exit=cfg.extract.early_exit):
            parts.save(idx, vec)
            done.update(zip(idx, vec, strict=True))
            self.progress(label, len(done), len(items))
        flat = np.stack([done[i] for i in range(len(items))])
        vectors = flat.reshape(len(ps.personas), len(ps.question_ids), *flat.shape[1:])
        manifest = self._manifest(plan, vectors.shape[-1], answers)
        write_centroids(plan.directory, vectors)
        written = write_activations(plan.directory, vectors, manifest,
                                    self._answer_records(answers) if answers else None)
        parts.remove()
        return written

    def _answer_records(self, answers: list[Answer]) -> list[dict]:
        return [{"persona": p.persona, "question_id": p.question_id, "question": p.question,
                 "answer": self.tokenizer.decode(a.token_ids, skip_special_tokens=True),
                 "answer_token_ids": a.token_ids, "stop": a.stop}
                for p, a in zip(self.prompts.prompts, answers, strict=True)]

    def _manifest(self, plan: _Plan, dim: int, answers: list[Answer] | None):
        cfg, ps, spec = self.config, self.prompts, self.spec
        source = ("random_init" if spec.get("random_init") is not None
                  else "gguf" if spec.get("gguf") else "local" if Path(spec["name"]).is_dir()
                  else "hub")
        stats = None
        if answers:
            lengths = [len(a.token_ids) for a in answers]
            stats = {"n": len(answers), "eos": sum(a.stop == "eos" for a in answers),
                     "length": sum(a.stop == "length" for a in answers),
                     "empty": sum(n == 0 for n in lengths),
                     "mean_tokens": float(np.mean(lengths))}
        return ActivationManifest(
            checkpoint=self.checkpoint_id, method=plan.method.id,
            token_rule=plan.method.token_rule, layers=list(cfg.layers),
            layer_convention=cfg.layer_convention,
            personas=[PersonaEntry(name=n, prompt_sha256=sha256_text(ps.persona_prompts[n]))
                      for n in ps.personas],
            question_ids=list(ps.question_ids), questions_sha256=ps.questions_sha256 or "",
            dim=dim,
            model={"name": spec.get("name"), "source": source, "gguf": spec.get("gguf"),
                   "weights_sha256": self.weights, "dtype": cfg.extract.dtype,
                   "n_blocks": self.model.config.num_hidden_layers,
                   "attn_implementation": getattr(self.model.config, "_attn_implementation",
                                                  None),
                   "device": _device_type(self.model)},
            chat_template_sha256=ps.chat_template_sha256, prompts_sha256=ps.sha256,
            generation=plan.generation, answer_stats=stats, cache_key=plan.key,
            duplicate_questions=ps.duplicate_questions, personageo_version=_version("personageo"),
            packages={**{k: _version(k) for k in ("torch", "transformers", "vllm")},
                      "cuda": _cuda_version(_device_type(self.model))},
            created_at=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        )


def _device_type(model) -> str | None:
    """``cpu``, ``cuda``, ... where the model's weights are (the run's backend, for provenance)."""
    try:
        return next(model.parameters()).device.type
    except (StopIteration, AttributeError):
        return None


def _cuda_version(device: str | None) -> str | None:
    """The CUDA version torch was built with, when the model ran on CUDA."""
    if device != "cuda":
        return None
    import torch

    return torch.version.cuda


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None
