"""What a training run records about its environment and speed (versions, GPUs, MFU)."""

from __future__ import annotations

import importlib.metadata
import platform

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
    checkpointing is not counted, so MFU compares recipes on the useful work alone.
    """
    return 6.0 * n_params + 12.0 * n_layers * hidden * mean_seq_len


def mfu(tokens_per_s_total: float, flops_per_token: float, device_name: str | None,
        n_devices: int) -> float | None:
    """Model FLOPs utilisation (0..1) against the card's dense bf16 peak; None when unknown."""
    peak = peak_flops(device_name)
    if peak is None or n_devices < 1:
        return None
    return tokens_per_s_total * flops_per_token / (peak * n_devices)
