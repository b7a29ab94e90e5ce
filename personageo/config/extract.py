"""Extraction settings of the experiment config (owned by the extract stage)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from personageo.config._base import Section


class ExtractSettings(Section):
    engine: Literal["auto", "fused", "transformers"] = "auto"
    """``fused``: personageo's own forward pass and decode loop for Llama/Qwen2 decoders (right
    padding, static KV cache, answer states pooled during generation); ``transformers``: hooks on
    the transformers model and ``model.generate``; ``auto`` (default): fused when the model is
    supported and passes its probe, else transformers."""
    batch_size: int | None = Field(None, ge=1)
    """Sequences per forward pass (length-sorted batches); None (default) = as many as the
    device's free memory holds (fused engine; 32 on the transformers engine)."""
    generate_batch_size: int | None = Field(None, ge=1)
    """Sequences generated together (answer-based methods); None = the largest batch that fits
    (fused engine) or ``batch_size`` (transformers engine)."""
    part_every_s: float = Field(60.0, ge=0)
    """Fused engine: write a resumable part once this many seconds of work are unsaved
    (0 = after every batch)."""
    compile: bool = True
    """Fused engine on CUDA: ``torch.compile`` the element-wise work (plain PyTorch otherwise)."""
    cuda_graphs: bool = True
    """Fused engine on CUDA: replay each decode step from a CUDA graph."""
    dtype: Literal["float32", "bfloat16", "float16"] = "bfloat16"
    """Weights and forward-pass dtype; vectors are always stored as float32."""
    device: str = "auto"
    """``auto`` (CUDA when available), ``cpu``, ``cuda`` or ``cuda:N``; under torchrun each
    rank uses ``cuda:LOCAL_RANK``."""
    backend: Literal["auto", "vllm", "transformers"] = "auto"
    """Generation backend for answer-based methods; ``auto`` = vLLM when importable (and the
    checkpoint is a local directory), else transformers."""
    max_new_tokens: int = Field(256, ge=1)
    """Greedy answer length limit (a method's own ``max_new_tokens`` overrides it)."""
    cache_implementation: Literal["dynamic", "static"] = "dynamic"
    """Transformers engine: KV cache of ``generate`` (``static`` preallocates it; the fused
    engine always uses its own static cache)."""
    compile_generation: bool = False
    """Transformers engine: let transformers compile the static-cache decoding step."""
    grouped_attention: Literal["generation", "always", "never"] = "generation"
    """Transformers engine: where to replace ``sdpa`` by personageo's grouped-query SDPA, which does not copy K/V per
    query head under a padding mask (same attention): ``generation`` (default; 2x faster batched
    decoding on an H100, while plain ``sdpa`` was faster for single forward passes),
    ``always`` or ``never``."""
    early_exit: bool = True
    """Stop each forward pass after the deepest extracted layer (the rest is never used)."""
    tensor_parallel_size: int = Field(1, ge=1)
    """vLLM tensor parallelism (GPUs per model)."""
