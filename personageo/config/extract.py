"""Extraction settings of the experiment config (owned by the extract stage)."""

from __future__ import annotations

from typing import Literal

from personageo.config._base import Section


class ExtractSettings(Section):
    batch_size: int = 32
    dtype: Literal["float32", "bfloat16", "float16"] = "bfloat16"
    device: str = "auto"
    backend: Literal["auto", "vllm", "transformers"] = "auto"
    """Generation backend for answer-based methods; ``auto`` = vLLM when importable."""
    max_new_tokens: int = 256
