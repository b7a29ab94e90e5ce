"""Train one (condition, seed) of an experiment config: resumable, skippable, fully recorded.

Layout under ``runs_dir``::

    <checkpoint_id>/                 final weights + tokenizer + train_manifest.json
    <checkpoint_id>-step<N>/         the listed ``train.save_steps`` (same contents)
    .work/<checkpoint_id>/           Trainer checkpoints for resuming (removed when done)
    .base/<hash>/                    safetensors copy of the base (GGUF / random-init models)

A run whose final manifest carries the same run key (model, condition, effective settings, seed,
data fingerprint, world size) is skipped; a killed run resumes from its last Trainer checkpoint.
"""

from __future__ import annotations

import datetime as _dt
import math
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from personageo.config import ExperimentConfig
from personageo.config.experiment import checkpoint_id
from personageo.config.train import LoraSpec, TrainSettings
from personageo.errors import InputError, Location
from personageo.files import atomic_write_json, read_json, sha256_json
from personageo.modeling import load_tokenizer
from personageo.train import manifest as mf
from personageo.train import setup
from personageo.train.data import load_chat_data
from personageo.train.masking import ChatRenderer, encode_dataset
from personageo.train.norms import weight_delta_norms, weights_sha256
from personageo.train.strategy import (
    load_dtype,
    resolve_optim,
    resolve_strategy,
    trainer_arguments,
)

MANIFEST = "train_manifest.json"
MANIFEST_VERSION = 1
_CODE_VERSION = 2  # bump when a change to this stage should retrain finished runs


@dataclass(frozen=True)
class TrainResult:
    checkpoint_dir: Path
    manifest_path: Path
    manifest: dict
    skipped: bool


def plan_runs(config: ExperimentConfig) -> list[tuple[str, int]]:
    """Every (condition id, seed) the config asks for, in config order (lrs are conditions)."""
    return [(c.id, s) for c in config.conditions for s in c.training.seeds]


def effective_settings(config: ExperimentConfig, condition_id: str) -> TrainSettings:
    """``config.train`` with the condition's ``training.overrides`` applied (each override was
    validated, at its YAML line, when the config loaded)."""
    return config.train_settings(condition_id)


def run_key(config: ExperimentConfig, condition_id: str, seed: int, settings: TrainSettings,
            data_fingerprint: str, world: int) -> str:
    cond = config.condition(condition_id)
    return sha256_json({
        "code": _CODE_VERSION, "model": config.model.model_dump(mode="json"),
        "training": cond.training.model_dump(mode="json", exclude={"seeds", "overrides"}),
        "settings": _key_settings(settings),
        "seed": seed, "data": data_fingerprint, "world_size": world})


#: settings added after runs were recorded: left out of the run key while at their defaults, so
#: that finished runs stay finished
_LATER_SETTINGS = ("strategy", "fsdp_reshard_after_forward")


def _key_settings(settings: TrainSettings) -> dict:
    out = settings.model_dump(mode="json", exclude={"keep_work_dir", "logging_steps",
                                                    "report_to"})
    for name in _LATER_SETTINGS:
        if out[name] == TrainSettings.model_fields[name].default:
            del out[name]
    return out


def _finished(manifest_path: Path, key: str) -> dict | None:
    if not manifest_path.exists():
        return None
    man = read_json(manifest_path)
    return man if man.get("run_key") == key and man.get("status") == "complete" else man | {
        "_stale": True}


def train_condition(config: ExperimentConfig, condition_id: str, seed: int, *,
                    runs_dir: str | Path, resume: bool = True, overwrite: bool = False,
                    data_root: str | Path | None = None, callbacks: list | None = None,
                    progress=None
                    ) -> TrainResult:
    """Train ``condition_id`` with ``seed``; return the final checkpoint and its manifest.

    Parameters
    ----------
    config : ExperimentConfig
    condition_id, seed
        Which run of the sweep (see :func:`plan_runs`).
    runs_dir : path
        Root of the checkpoints (``config.paths.runs`` in the pipeline).
    resume : bool
        Skip a finished run with the same run key, continue a killed one from its last Trainer
        checkpoint. ``False`` trains from scratch.
    overwrite : bool
        Allow replacing a finished checkpoint that was trained with a different run key.
    data_root : path, optional
        Directory that relative data paths are resolved from (default: the working directory).
    callbacks : list, optional
        Extra ``transformers.TrainerCallback`` objects.
    progress : callable, optional
        ``progress(label, step, max_steps)`` after every optimizer step (rank 0); the label
        holds the checkpoint id, the step, the last logged loss and tokens/s.
    """
    try:
        cond = config.condition(condition_id)
    except KeyError:
        raise InputError(f"no condition {condition_id!r} in the config",
                         hint=f"one of {[c.id for c in config.conditions]}") from None
    settings = effective_settings(config, condition_id)
    method = cond.training.method
    strategy = resolve_strategy(settings)
    if method == "lora" and strategy.distributed:
        raise InputError("LoRA runs are single-process here; unset train.deepspeed and set "
                         "train.strategy to auto or single for them",
                         Location(pointer=f"/conditions/{condition_id}/training"))
    if strategy.name == "fsdp2" and not _cuda():
        raise InputError("train.strategy fsdp2 needs CUDA devices (accelerate runs FSDP on GPUs "
                         "only; on the CPU it would silently fall back to DDP)",
                         Location(pointer="/train/strategy"), hint="use zero2 or zero3 on the CPU")
    runs = Path(runs_dir)
    ckid = checkpoint_id(condition_id, seed)
    final_dir = runs / ckid
    data = load_chat_data(cond.data, data_root)
    world = setup.world_size()
    key = run_key(config, condition_id, seed, settings, data.fingerprint, world)
    done = _finished(final_dir / MANIFEST, key)
    if done is not None and not done.get("_stale") and resume:
        return TrainResult(final_dir, final_dir / MANIFEST, done, skipped=True)
    if done is not None and done.get("_stale") and not overwrite:
        raise InputError("checkpoint exists from a run with a different config or data",
                         Location(str(final_dir / MANIFEST)),
                         hint="pass --overwrite to retrain it, or use another runs directory")

    tokenizer = load_tokenizer(config.model)
    renderer = ChatRenderer(tokenizer, settings.system_prompt, settings.template_default_system)
    encoded = encode_dataset(renderer, data.rows, data.sources, settings.loss_mask,
                             settings.max_length)
    if not encoded.examples:
        raise InputError("no example has a supervised token after truncation",
                         Location(str(cond.data.path or cond.data.hf_dataset)),
                         hint="raise train.max_length")
    base_dir = setup.materialize_base(config.model, runs)
    work = runs / ".work" / ckid
    if work.exists() and (not resume or _read_key(work) != key):
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    (work / "run_key").write_text(key, encoding="utf-8")

    use_cpu = not _cuda()
    setup.init_distributed(strategy, use_cpu)
    optim = resolve_optim(settings.optim, not use_cpu)
    from transformers import TrainingArguments
    from transformers.trainer_utils import get_last_checkpoint

    args = _training_arguments(
        TrainingArguments, output_dir=str(work), seed=seed, learning_rate=cond.training.lr,
        max_steps=cond.training.steps or -1, num_train_epochs=settings.epochs,
        per_device_train_batch_size=settings.per_device_batch,
        gradient_accumulation_steps=settings.grad_accum,
        warmup_steps=warmup_steps(settings, cond.training.steps, len(encoded.examples), world),
        weight_decay=settings.weight_decay,
        max_grad_norm=settings.max_grad_norm, lr_scheduler_type=settings.lr_scheduler,
        optim=optim, adam_beta1=settings.adam_beta1, adam_beta2=settings.adam_beta2,
        adam_epsilon=settings.adam_epsilon, bf16=settings.bf16,
        gradient_checkpointing_kwargs={"use_reentrant": False},
        average_tokens_across_devices=settings.average_tokens_across_devices,
        use_cpu=use_cpu, **trainer_arguments(strategy, settings),
        save_strategy="steps" if settings.resume_every else "no",
        save_steps=settings.resume_every or 500, save_total_limit=1,
        logging_steps=settings.logging_steps, report_to=list(settings.report_to) or "none",
        run_name=ckid, logging_dir=str(runs / "logs" / ckid),
        disable_tqdm=True,  # progress is reported through ``progress`` (bars or plain lines)
        dataloader_num_workers=settings.dataloader_workers, remove_unused_columns=False)
    lora_spec = cond.training.lora or LoraSpec()
    from transformers import set_seed

    set_seed(seed)  # LoRA's A matrices are drawn when the model is built, before Trainer seeds
    device = None if use_cpu or strategy.zero3 else f"cuda:{setup.local_rank()}"
    model = setup.load_train_model(base_dir, settings, method, lora_spec, device,
                                   load_dtype(strategy, settings))
    speed = _speed(model, encoded, world)
    collator = setup.make_collator(tokenizer, settings)
    trainer = setup.counting_trainer(
        speed=speed, model=model, args=args, train_dataset=setup.list_dataset(encoded.examples),
        data_collator=collator, processing_class=tokenizer)
    step_dirs: dict[int, Path] = {}

    def save_step(step: int) -> None:
        target = (work / "steps" / f"step{step}") if method == "lora" else \
            runs / checkpoint_id(condition_id, seed, step)
        trainer.save_model(str(target))
        step_dirs[step] = target

    from transformers.trainer_callback import PrinterCallback

    trainer.remove_callback(PrinterCallback)  # library code does not print; the CLI reports
    trainer.add_callback(setup.step_saver(settings.save_steps, save_step))
    for cb in callbacks or []:
        trainer.add_callback(cb)
    if progress is not None and setup.rank() == 0:
        trainer.add_callback(setup.progress_callback(trainer, ckid, progress))
    last = get_last_checkpoint(str(work)) if resume else None
    if last is None and setup.rank() == 0:  # a fresh start: no stale shards may survive
        for stale in [final_dir] + [runs / checkpoint_id(condition_id, seed, s)
                                    for s in settings.save_steps]:
            shutil.rmtree(stale, ignore_errors=True)
    t0 = time.time()
    trainer.train(resume_from_checkpoint=last)
    train_time = time.time() - t0
    state = trainer.state

    if method == "lora":
        if setup.rank() == 0:
            merged = trainer.model.merge_and_unload()
            merged.save_pretrained(str(final_dir), safe_serialization=True)
            tokenizer.save_pretrained(str(final_dir))
    else:
        trainer.save_model(str(final_dir))
    if setup.rank() != 0:
        return TrainResult(final_dir, final_dir / MANIFEST, {}, skipped=False)

    common = _common_manifest(config, cond, seed, settings, key, data, encoded, renderer,
                              base_dir, world, speed, trainer, state, train_time, last)
    common["topology"] |= {"strategy": strategy.describe(), "optimizer": optim}
    saved = []
    for step in sorted(settings.save_steps):
        sdir = runs / checkpoint_id(condition_id, seed, step)
        if method == "lora" and (work / "steps" / f"step{step}").exists():
            merged = setup.merge_lora_adapter(base_dir, work / "steps" / f"step{step}")
            merged.save_pretrained(str(sdir), safe_serialization=True)
            tokenizer.save_pretrained(str(sdir))
        if (sdir / "config.json").exists():
            _write_manifest(sdir, base_dir, common, checkpoint_id(condition_id, seed, step), step,
                            final=False)
            saved.append(step)
    common["step_checkpoints"] = saved
    common["step_checkpoints_missing"] = sorted(set(settings.save_steps) - set(saved))
    man = _write_manifest(final_dir, base_dir, common, ckid, state.global_step, final=True)
    if not settings.keep_work_dir:
        shutil.rmtree(work, ignore_errors=True)
    return TrainResult(final_dir, final_dir / MANIFEST, man, skipped=False)


def warmup_steps(settings: TrainSettings, max_steps: int | None, n_examples: int,
                 world: int) -> int:
    """Warm-up optimizer steps for ``settings.warmup_ratio``, computed as Trainer did
    (``ceil(total_steps * ratio)``): transformers 5 dropped ``warmup_ratio``, and an int
    ``warmup_steps`` means the same thing in every version."""
    if max_steps is None:
        per_step = settings.per_device_batch * settings.grad_accum * world
        max_steps = math.ceil(math.ceil(n_examples / per_step) * settings.epochs)
    return math.ceil(max_steps * settings.warmup_ratio)


def _training_arguments(cls, **kwargs):
    """``TrainingArguments`` of the installed transformers: 5.x dropped ``logging_dir`` (its
    TensorBoard callback reads ``TENSORBOARD_LOGGING_DIR``)."""
    import dataclasses
    import os

    known = {f.name for f in dataclasses.fields(cls)}
    if "logging_dir" not in known and "logging_dir" in kwargs:
        os.environ.setdefault("TENSORBOARD_LOGGING_DIR", kwargs["logging_dir"])
    return cls(**{k: v for k, v in kwargs.items() if k in known or k != "logging_dir"})


def _cuda() -> bool:
    import torch

    return torch.cuda.is_available()


def _read_key(work: Path) -> str | None:
    p = work / "run_key"
    return p.read_text(encoding="utf-8") if p.exists() else None


def _speed(model, encoded, world: int) -> mf.Speed:
    """FLOPs per token of this model on this data, and the job's peak (for MFU in the logs)."""
    cfg = model.config
    n_params = sum(p.ds_numel if hasattr(p, "ds_numel") else p.numel()
                   for p in model.parameters())
    fpt = mf.train_flops_per_token(n_params, cfg.num_hidden_layers, cfg.hidden_size,
                                   mf.attention_length([len(e.input_ids)
                                                        for e in encoded.examples]))
    gpus = mf.gpu_info()
    peak = mf.peak_flops((gpus["names"] or [None])[0])
    return mf.Speed(fpt, world, peak * world if peak and gpus["count"] else None, n_params)


def _common_manifest(config, cond, seed, settings, key, data, encoded, renderer, base_dir, world,
                     speed, trainer, state, train_time, resumed_from) -> dict:
    gpus = mf.gpu_info()
    fpt, n_params = speed.flops_per_token, speed.n_params
    tok_s_rank = trainer.tokens_trained / train_time if train_time > 0 else None
    tok_s = tok_s_rank * world if tok_s_rank is not None else None
    n_dev = gpus["count"] and world
    return {
        "manifest_version": MANIFEST_VERSION, "stage": "train", "status": "complete",
        "condition": cond.id, "seed": seed, "method": cond.training.method,
        "lr": cond.training.lr, "run_key": key, "config_hash": config.config_hash(),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "model": config.model.model_dump(mode="json"), "base_dir": str(base_dir),
        "lora": (cond.training.lora or LoraSpec()).model_dump(mode="json") | {"merged": True}
        if cond.training.method == "lora" else None,
        "settings": settings.model_dump(mode="json"),
        "data": {**data.origin, "name": cond.data.name, "data_type": cond.data.data_type,
                 **encoded.summary()},
        "data_fingerprint": data.fingerprint, "n_examples": len(encoded.examples),
        "template": {**renderer.describe(), "rendered_example": encoded.rendered_example},
        "world_size": world,
        "effective_batch": settings.per_device_batch * settings.grad_accum * world,
        "topology": {"world_size": world, "nodes": setup.node_count(),
                     "processes_per_node": setup.local_world_size(),
                     "per_device_batch": settings.per_device_batch,
                     "grad_accum": settings.grad_accum, "deepspeed": settings.deepspeed,
                     "packing": settings.packing, "devices": gpus},
        "optimizer_steps": state.global_step, "resumed_from": resumed_from,
        "loss_curve": [{k: h[k] for k in ("step", "loss", "learning_rate", "grad_norm",
                                          "step_time_s", "tokens_per_s", "mfu") if k in h}
                       for h in state.log_history if "loss" in h],
        "train_time_s": train_time, "tokens_this_session": trainer.tokens_trained,
        "supervised_tokens_this_session": trainer.supervised_trained,
        "tokens_per_s": tok_s, "tokens_per_s_basis": "rank 0 tokens x world size",
        "flops_per_token": fpt, "n_params": n_params, "peak_gpu_memory_gib": mf.peak_memory_gib(),
        "mfu_convention": "6N + 12 L d s model FLOPs per token (PaLM; s = token-weighted mean "
                          "sequence length), dense bf16 peak; LoRA runs use the same formula",
        "mfu": mf.mfu(tok_s, fpt, (gpus["names"] or [None])[0], n_dev) if tok_s else None,
        "versions": mf.package_versions(),
    }


def _write_manifest(directory: Path, base_dir: Path, common: dict, ckid: str, step: int,
                    final: bool) -> dict:
    man = {**common, "checkpoint": ckid, "step": step, "final": final,
           "weights_sha256": weights_sha256(directory),
           "weight_norms": weight_delta_norms(directory, base_dir)}
    if not final:
        man["loss_curve"] = [p for p in common["loss_curve"] if p.get("step", 0) <= step]
    atomic_write_json(directory / MANIFEST, man)
    return man
