"""Training settings of the experiment config (owned by the train stage)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from personageo.config._base import Section


class LoraSpec(Section):
    r: int = 32
    alpha: float = 64
    dropout: float = 0.05
    target_modules: list[str] = Field(
        default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj",
                                 "gate_proj", "up_proj", "down_proj"])
    rslora: bool = False


class TrainSettings(Section):
    """Hyper-parameters shared by every condition unless a condition overrides them."""

    per_device_batch: int = 1
    grad_accum: int = 4
    max_length: int = 2048
    warmup_ratio: float = 0.03
    weight_decay: float = 0.01
    max_grad_norm: float = 1.0
    lr_scheduler: str = "linear"
    epochs: float = 1.0
    bf16: bool = True
    gradient_checkpointing: bool = True
    loss_mask: Literal["last_assistant", "all_assistant"] = "last_assistant"
    system_prompt: str | None = None
    """Injected only when set: no default system prompt otherwise."""
    deepspeed: str | None = None
    """Path of a DeepSpeed config (ZeRO-3 for full-parameter runs); None = plain single process."""
    save_steps: list[int] = Field(default_factory=list)
    """Extra checkpoints to keep (step dose-response)."""
