"""Persona activations: hooks on decoder blocks, prompts, Method A/B, the activation store.

Public surface::

    extract_checkpoint(config, checkpoint_id, model_dir_or_spec, *, out_root, methods, resume,
                       root, progress) -> list[ExtractResult]

Lower-level pieces (used by the benchmark and tests): :func:`build_prompts`,
:func:`resolve_sites`, :func:`pool_item`, :func:`pooled_vectors`, :func:`iter_pooled`,
:func:`iter_generate_transformers`, :func:`shard`.

Names are imported on first access (PEP 562), so the forward-pass pieces work without the
config stack (pydantic, yaml) and nothing here imports torch until a function runs.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "_api": ("BASE_CHECKPOINT", "EXTRACT_VERSION", "ExtractResult", "cache_key",
             "extract_checkpoint", "model_spec_for", "resolve_device", "select_methods"),
    "_attention": ("grouped_sdpa_forward", "use_grouped_sdpa"),
    "_batching": ("dist_env", "left_pad", "length_sorted_batches", "shard"),
    "_forward": ("iter_pooled", "pooled_vectors"),
    "_generate": ("iter_generate_transformers", "trim_answer"),
    "_layers": ("LAYER_CONVENTIONS", "LayerCapture", "Site", "resolve_sites"),
    "_prompts": ("Prompt", "PromptSet", "build_prompts", "closing_ids"),
    "_store": ("CENTROIDS", "weights_fingerprint"),
    "_tokens": ("ANSWER_RULES", "TOKEN_RULES", "Answer", "PoolItem", "pool_item"),
}
_WHERE = {name: mod for mod, names in _EXPORTS.items() for name in names}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'personageo.extract' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"personageo.extract.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
