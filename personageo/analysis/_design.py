"""Config + input files + train manifests -> the ``design`` block of a run result."""

from __future__ import annotations

import json
from pathlib import Path

from personageo.config import ExperimentConfig
from personageo.config.train import LoraSpec
from personageo.inputs import QuestionFile, persona_hashes
from personageo.schema import (
    Checkpoint,
    Condition,
    DataRef,
    Design,
    LoraParams,
    Method,
    Persona,
    QuestionSet,
    Training,
)

TRAIN_MANIFEST = "train_manifest.json"


def read_train_manifest(runs_root: Path, checkpoint: str) -> dict | None:
    """The train stage's manifest of ``checkpoint`` (None when it was not trained here)."""
    p = runs_root / checkpoint / TRAIN_MANIFEST
    if not p.exists():
        return None
    return json.loads(p.read_text(encoding="utf-8"))


def build_design(cfg: ExperimentConfig, personas: dict[str, str], questions: QuestionFile,
                 manifests: dict[str, dict | None], generation: dict[str, dict | None]) -> Design:
    hashes = persona_hashes(personas)
    conditions = []
    for c in cfg.conditions:
        t = c.training
        lora = None
        if t.method == "lora":
            spec = t.lora or LoraSpec()
            lora = LoraParams(r=spec.r, alpha=spec.alpha, dropout=spec.dropout,
                              target_modules=list(spec.target_modules), rslora=spec.rslora,
                              merged=True)
        first = next((manifests.get(ck.id) for ck in cfg.checkpoints()
                      if ck.condition == c.id and ck.step is None and manifests.get(ck.id)), None)
        settings = cfg.train_settings(c.id)
        conditions.append(Condition(
            id=c.id,
            label=c.label,
            training=Training(
                method=t.method, lr=t.lr, steps=t.steps, seeds=list(t.seeds),
                epochs=settings.epochs if t.steps is None else None,
                per_device_batch=settings.per_device_batch, grad_accum=settings.grad_accum,
                effective_batch=(first or {}).get("effective_batch"),
                world_size=(first or {}).get("world_size"),
                lora=lora,
                extra={"loss_mask": settings.loss_mask, "max_length": settings.max_length,
                       "warmup_ratio": settings.warmup_ratio,
                       "weight_decay": settings.weight_decay,
                       "lr_scheduler": settings.lr_scheduler, "role": c.role,
                       "baseline": c.baseline},
            ),
            data=DataRef(name=c.data.name, data_type=c.data.data_type,
                         fingerprint=(first or {}).get("data_fingerprint"),
                         n_examples=(first or {}).get("n_examples"),
                         revision=c.data.revision),
        ))
    checkpoints = [
        Checkpoint(id=ck.id, condition=ck.condition, step=ck.step, seed=ck.seed,
                   weights_sha256=(manifests.get(ck.id) or {}).get("weights_sha256"))
        for ck in cfg.checkpoints()
    ]
    methods = [
        Method(id=m.id, token_rule=m.token_rule,
               generation=_describe_generation(generation.get(m.id)),
               answer_tokens="generated_ids" if m.token_rule != "last_prompt_token" else None)
        for m in cfg.methods
    ]
    return Design(
        base_model=cfg.model.name,
        personas=[Persona(name=n, prompt_sha256=hashes[n]) for n in personas],
        questions=QuestionSet(count=len(questions.questions),
                              distinct_count=questions.distinct_count,
                              sha256=questions.sha256, path=questions.path),
        layers=list(cfg.layers),
        layer_convention=cfg.layer_convention,
        methods=methods,
        conditions=conditions,
        checkpoints=checkpoints,
    )


def _describe_generation(gen: dict | None) -> str | None:
    if not gen:
        return None
    return " ".join(f"{k}={v}" for k, v in sorted(gen.items()))
