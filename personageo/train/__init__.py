"""The training stage: full-parameter SFT (HF Trainer; DeepSpeed ZeRO-3/ZeRO-2 or FSDP2) and LoRA.

Public API::

    train_condition(config, condition_id, seed, *, runs_dir, resume=True) -> TrainResult
    checkpoint_id(condition_id, seed, step=None) -> str
    plan_runs(config) -> [(condition_id, seed), ...]

torch, transformers, peft and deepspeed are imported inside functions only.
"""

from personageo.config.experiment import checkpoint_id
from personageo.train.runner import (
    MANIFEST,
    TrainResult,
    effective_settings,
    plan_runs,
    train_condition,
)

__all__ = ["MANIFEST", "TrainResult", "checkpoint_id", "effective_settings", "plan_runs",
           "train_condition"]
