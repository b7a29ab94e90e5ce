"""Training settings of the experiment config (owned by the train stage)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, create_model, model_serializer
from pydantic.fields import FieldInfo

from personageo.config._base import Section


class LoraSpec(Section):
    r: int = 32
    alpha: float = 64
    dropout: float = 0.05
    target_modules: list[str] = Field(
        default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj",
                                 "gate_proj", "up_proj", "down_proj"])
    rslora: bool = False
    """rsLoRA scaling ``alpha / sqrt(r)`` instead of ``alpha / r`` (peft ``use_rslora``)."""


class TrainSettings(Section):
    """Hyper-parameters shared by every condition unless a condition overrides them.

    Defaults reproduce the original recipe (per-device 1 x grad-accum 4, gradient checkpointing,
    padding to a multiple of 8); ``packing: true`` with ``per_device_batch: 4, grad_accum: 1`` and
    ``gradient_checkpointing: false`` gives the same samples per optimizer step and the same loss
    (a token-level mean over the step) much faster.
    """

    per_device_batch: int = Field(1, ge=1)
    grad_accum: int = Field(4, ge=1)
    max_length: int = Field(2048, ge=2)
    warmup_ratio: float = 0.03
    weight_decay: float = 0.01
    max_grad_norm: float = 1.0
    lr_scheduler: str = "linear"
    epochs: float = 1.0
    bf16: bool = True
    """bf16 mixed precision (autocast, fp32 master weights; DeepSpeed keeps fp32 optimizer state)."""
    gradient_checkpointing: bool = True
    loss_mask: Literal["last_assistant", "all_assistant"] = "last_assistant"
    system_prompt: str | None = None
    """Injected only when set: no default system prompt otherwise."""
    template_default_system: Literal["strip", "keep"] = "strip"
    """When a conversation has no system message and ``system_prompt`` is unset: ``strip`` the
    default system prompt some chat templates inject (Qwen, SmolLM2), or ``keep`` it (original)."""
    strategy: Literal["auto", "single", "zero3", "zero2", "fsdp2"] = "auto"
    """How weights, gradients and optimizer state are spread over the processes: ``single`` (one
    plain process), ``zero3`` / ``zero2`` (DeepSpeed; the file ``deepspeed``, else the built-in
    config of that stage, the same as ``configs/deepspeed/zero<N>.json``), ``fsdp2`` (torch
    ``fully_shard`` through accelerate). ``auto``: the stage of ``deepspeed`` when it is set,
    else ``single``. ZeRO-2 and FSDP2 without re-sharding keep whole bf16 weights on every GPU,
    so they gather them once per optimizer step, not in every forward and backward as ZeRO-3."""
    deepspeed: str | None = None
    """Path of a DeepSpeed config (ZeRO-3 for full-parameter runs); None = plain single process."""
    fsdp_reshard_after_forward: bool = False
    """FSDP2: free the gathered weights after each forward and gather them again in backward
    (ZeRO-3-like, less memory); ``false`` keeps them from forward to backward."""
    save_steps: list[int] = Field(default_factory=list)
    """Extra checkpoints to keep (step dose-response)."""
    packing: bool = False
    """Padding-free batches: the micro-batch's sequences concatenated with per-sequence position
    ids (flash-attention varlen, or a block-diagonal mask with sdpa); same loss as padding."""
    pad_to_multiple_of: int | None = 8
    """Padding of un-packed batches (the original: 8)."""
    attn_implementation: Literal["sdpa", "eager", "flash_attention_2", "flex_attention"] = "sdpa"
    """Attention kernels. With ``packing`` every one of them attends within each sequence only
    (transformers derives the sequences from the restarting ``position_ids``). ``flex_attention``
    trains on CUDA only (torch has no CPU backward for it) and is not benchmarked here yet."""
    optim: str = "adamw_torch"
    """Trainer optimizer name. ``adamw_torch_fused`` (same maths, one kernel per step on CUDA)
    falls back to ``adamw_torch`` on the CPU; the manifest records the one used."""
    adam_beta1: float = 0.9
    adam_beta2: float = 0.999
    adam_epsilon: float = 1e-8
    average_tokens_across_devices: bool = True
    """Loss = mean over every supervised token of the optimizer step, across devices."""
    resume_every: int | None = Field(100, ge=1)
    """Save a resumable Trainer checkpoint (weights + optimizer) every N steps; None = never.
    Only the latest is kept; for a 7B model under ZeRO-3 each one is ~100 GB and takes minutes,
    so short runs may prefer ``null``."""
    keep_work_dir: bool = False
    """Keep the Trainer's resumable checkpoints after a run finishes."""
    logging_steps: int = Field(1, ge=1)
    """Log the loss every N optimizer steps (progress lines, and ``report_to`` integrations)."""
    report_to: list[str] = Field(default_factory=list)
    """Trainer integrations that receive the logs, e.g. ``[wandb]`` or ``[tensorboard]``
    (installed separately: ``pip install wandb tensorboard``); empty = none. TensorBoard logs go
    to ``<runs>/logs/<checkpoint id>/``; the W&B run is named after the checkpoint id."""
    dataloader_workers: int = Field(0, ge=0)


def _unset_by_default(model: type[Section]) -> dict:
    """``model``'s fields with their types, bounds and docs, each left out unless given."""
    return {name: (f.annotation, FieldInfo.merge_field_infos(f, default=None,
                                                             default_factory=None))
            for name, f in model.model_fields.items()}


class _Overrides(Section):
    @model_serializer(mode="wrap")
    def _given_only(self, handler):
        """Dump only the keys the config gave (``{}`` when none), as the old plain dict did."""
        return {k: v for k, v in handler(self).items() if k in self.model_fields_set}


TrainOverrides = create_model(
    "TrainOverrides", __base__=_Overrides, __module__=__name__,
    __doc__="Per-condition overrides of ``train`` settings: any of its keys, validated as there "
            "(a misspelt key or a bad value is an error at its YAML line when the config loads).",
    **_unset_by_default(TrainSettings))
