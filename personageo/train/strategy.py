"""How a training run spreads over its processes: one process, DeepSpeed ZeRO-3 / ZeRO-2, FSDP2.

``train.strategy`` picks one; :func:`resolve_strategy` turns the settings into a
:class:`Strategy`, and :func:`trainer_arguments` into the ``TrainingArguments`` keywords.

ZeRO-3
    Weights, gradients and optimizer state sharded; every forward and backward gathers the
    weights again (least memory, most traffic).
ZeRO-2
    Whole bf16 weights on every GPU; gradients and optimizer state sharded. Weights are gathered
    once per optimizer step, after the update.
FSDP2
    ``torch.distributed.fsdp.fully_shard`` per decoder layer (through accelerate), bf16
    all-gathers; with ``fsdp_reshard_after_forward: false`` (the default) a micro-step gathers
    each layer once, for forward and backward together.

The built-in DeepSpeed configs below are the ones shipped as ``configs/deepspeed/zero<N>.json``
(a test keeps them equal): large buckets, overlapped communication, no offload.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass

from personageo.errors import InputError, Location
from personageo.files import read_json

_AUTO_BATCH = {"gradient_accumulation_steps": "auto", "gradient_clipping": "auto",
               "train_batch_size": "auto", "train_micro_batch_size_per_gpu": "auto"}
_QUIET = {"steps_per_print": 1000000000, "wall_clock_breakdown": False}

ZERO3 = {
    "bf16": {"enabled": "auto"},
    "zero_optimization": {
        "stage": 3, "offload_optimizer": {"device": "none"}, "offload_param": {"device": "none"},
        "overlap_comm": True, "contiguous_gradients": True, "sub_group_size": 1000000000,
        "reduce_bucket_size": 500000000, "stage3_prefetch_bucket_size": 500000000,
        "stage3_param_persistence_threshold": 1000000, "stage3_max_live_parameters": 3000000000,
        "stage3_max_reuse_distance": 3000000000,
        "stage3_gather_16bit_weights_on_model_save": True},
    "zero_allow_untested_optimizer": True, **_AUTO_BATCH, **_QUIET}

ZERO2 = {
    "bf16": {"enabled": "auto"},
    "zero_optimization": {
        "stage": 2, "offload_optimizer": {"device": "none"}, "overlap_comm": True,
        "contiguous_gradients": True, "reduce_scatter": True, "allgather_partitions": True,
        "reduce_bucket_size": 500000000, "allgather_bucket_size": 500000000},
    "zero_allow_untested_optimizer": True, **_AUTO_BATCH, **_QUIET}

BUILTIN_DEEPSPEED = {"zero2": ZERO2, "zero3": ZERO3}


@dataclass(frozen=True)
class Strategy:
    name: str
    """``single``, ``zero<stage>`` or ``fsdp2``."""
    deepspeed: dict | None = None
    """The DeepSpeed config (a file's contents or a built-in one); None without DeepSpeed."""
    source: str | None = None
    """Where the DeepSpeed config came from: its path, or ``built-in zero<N>``."""

    @property
    def distributed(self) -> bool:
        """Needs a process group (even of one process)."""
        return self.name != "single"

    @property
    def zero3(self) -> bool:
        return self.name == "zero3"

    def describe(self) -> dict:
        return {"name": self.name, "deepspeed_config": self.source}


def resolve_strategy(settings) -> Strategy:
    """The strategy ``settings`` ask for; a DeepSpeed file whose stage disagrees is an error."""
    name, path = settings.strategy, settings.deepspeed
    if path:
        if name in ("single", "fsdp2"):
            raise InputError(f"train.deepspeed is set but train.strategy is {name!r}",
                             Location(pointer="/train/deepspeed"),
                             hint="unset train.deepspeed, or use strategy zero2 / zero3 / auto")
        config = read_json(path)
        stage = _stage(config, path)
        if name != "auto" and name != f"zero{stage}":
            raise InputError(f"train.strategy is {name!r} but the DeepSpeed config has "
                             f"zero_optimization.stage {stage}",
                             Location(path, pointer="/zero_optimization/stage"),
                             hint=f"use strategy zero{stage}, or the matching config file")
        return Strategy(f"zero{stage}", config, path)
    if name in BUILTIN_DEEPSPEED:
        return Strategy(name, copy.deepcopy(BUILTIN_DEEPSPEED[name]), f"built-in {name}")
    return Strategy("single" if name == "auto" else name)


def _stage(config, path: str) -> int:
    zero = config.get("zero_optimization") if isinstance(config, dict) else None
    stage = zero.get("stage", 0) if isinstance(zero, dict) else 0
    if not isinstance(stage, int) or isinstance(stage, bool) or stage not in (0, 1, 2, 3):
        raise InputError(f"zero_optimization.stage must be 0, 1, 2 or 3, got {stage!r}",
                         Location(path, pointer="/zero_optimization/stage"))
    return stage


def trainer_arguments(strategy: Strategy, settings) -> dict:
    """``TrainingArguments`` keywords of the strategy (DeepSpeed config, or FSDP2 options).

    Under FSDP2, activation checkpointing is FSDP's own (``gradient_checkpointing`` moves there).
    """
    if strategy.deepspeed is not None:
        return {"deepspeed": strategy.deepspeed,
                "gradient_checkpointing": settings.gradient_checkpointing}
    if strategy.name == "fsdp2":
        # accelerate reads the FSDP version and re-sharding from the environment in
        # transformers 4.x; 5.x also takes them from fsdp_config
        os.environ["FSDP_VERSION"] = "2"
        os.environ["FSDP_RESHARD_AFTER_FORWARD"] = str(settings.fsdp_reshard_after_forward).lower()
        return {"fsdp": "full_shard auto_wrap", "gradient_checkpointing": False,
                "fsdp_config": {"version": 2,
                                "reshard_after_forward": settings.fsdp_reshard_after_forward,
                                "activation_checkpointing": settings.gradient_checkpointing,
                                "state_dict_type": "FULL_STATE_DICT",
                                "cpu_ram_efficient_loading": False}}
    return {"gradient_checkpointing": settings.gradient_checkpointing}


def load_dtype(strategy: Strategy, settings) -> str:
    """The dtype the checkpoint is read in: ``bfloat16`` for bf16 FSDP2, else ``float32``.

    DeepSpeed's bf16 mode (the original recipe's) casts the model to bf16 and makes its fp32
    master weights from those values; accelerate's FSDP2 makes them from whatever it is given.
    Reading bf16 for FSDP2 gives both the same starting masters (and halves the load).
    """
    return "bfloat16" if strategy.name == "fsdp2" and settings.bf16 else "float32"


def resolve_optim(optim: str, cuda: bool) -> str:
    """``adamw_torch_fused`` on CUDA; its plain twin ``adamw_torch`` on the CPU."""
    return "adamw_torch" if optim == "adamw_torch_fused" and not cuda else optim
