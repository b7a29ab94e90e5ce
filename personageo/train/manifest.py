"""What a training run records about its environment and speed (versions, GPUs, MFU)."""

from __future__ import annotations

import importlib.metadata
import platform
from dataclasses import dataclass

PACKAGES = ("personageo", "torch", "transformers", "peft", "deepspeed", "accelerate",
            "tokenizers", "safetensors", "datasets", "flash-attn", "gguf")

#: dense bf16 tensor-core peak, FLOP/s (vendor datasheets, without sparsity)
PEAK_BF16_FLOPS = {"H200": 989.4e12, "H100": 989.4e12, "A100": 312e12, "L40S": 362e12,
                   "A10G": 125e12}


def package_versions() -> dict[str, str | None]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    out["python"] = platform.python_version()
    return out


def gpu_info() -> dict:
    """Visible accelerators of this process (names and count); CPU when there are none."""
    import torch

    if not torch.cuda.is_available():
        return {"kind": "cpu", "count": 0, "names": [], "cpu": platform.processor() or None}
    names = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    return {"kind": "cuda", "count": len(names), "names": names,
            "cuda": torch.version.cuda}


def peak_memory_gib() -> float | None:
    """Most GPU memory this process had allocated (torch's allocator), GiB; None on the CPU."""
    import torch

    return torch.cuda.max_memory_allocated() / 2 ** 30 if torch.cuda.is_available() else None


def peak_flops(device_name: str | None) -> float | None:
    if not device_name:
        return None
    for key, flops in PEAK_BF16_FLOPS.items():
        if key in device_name:
            return flops
    return None


def train_flops_per_token(n_params: int, n_layers: int, hidden: int, mean_seq_len: float) -> float:
    """Model FLOPs per trained token: ``6 N + 12 L d s`` (dense matmuls + causal attention).

    The PaLM convention (Chowdhery et al. 2022, appendix B): recomputation from gradient
    checkpointing is not counted, so MFU compares recipes on the useful work alone. ``s`` is
    the length a token attends over; for sequences of different lengths pass
    :func:`attention_length`.
    """
    return 6.0 * n_params + 12.0 * n_layers * hidden * mean_seq_len


def attention_length(lengths: list[int]) -> float:
    """Token-weighted mean sequence length ``sum(s^2) / sum(s)``: every token of a sequence of
    length ``s`` attends over ``s`` positions in the ``12 L d s`` term, and a packed row attends
    within each sequence only."""
    return sum(n * n for n in lengths) / sum(lengths)


@dataclass(frozen=True)
class Speed:
    """Turns a timed interval of training into ``step_time_s``, ``tokens_per_s``, ``mfu``."""

    flops_per_token: float
    world: int
    """Processes; tokens are counted on rank 0 and scaled by this (equal shares per rank)."""
    peak_flops: float | None
    """Dense bf16 peak of all the job's devices together (None on the CPU: no MFU)."""
    n_params: int = 0

    def interval(self, seconds: float, rank_tokens: int, steps: int) -> dict[str, float]:
        if seconds <= 0 or steps <= 0:
            return {}
        tokens_per_s = rank_tokens * self.world / seconds
        out = {"step_time_s": seconds / steps, "tokens_per_s": tokens_per_s}
        if self.peak_flops:
            out["mfu"] = tokens_per_s * self.flops_per_token / self.peak_flops
        return out


def mfu(tokens_per_s_total: float, flops_per_token: float, device_name: str | None,
        n_devices: int) -> float | None:
    """Model FLOPs utilisation (0..1) against the card's dense bf16 peak; None when unknown."""
    peak = peak_flops(device_name)
    if peak is None or n_devices < 1:
        return None
    return tokens_per_s_total * flops_per_token / (peak * n_devices)
