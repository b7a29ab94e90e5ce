"""Persona activations: hooks on decoder blocks, prompts, Method A/B, the activation store.

Public surface::

    extract_checkpoint(config, checkpoint_id, model_dir_or_spec, *, out_root, methods, resume)
        -> list[ExtractResult]

Lower-level pieces (used by the benchmark and tests): :func:`build_prompts`,
:func:`resolve_sites`, :func:`pool_item`, :func:`pooled_vectors`, :func:`iter_pooled`,
:func:`iter_generate_transformers`, :func:`shard`. torch is imported inside functions only.
"""

from personageo.extract._api import (BASE_CHECKPOINT, EXTRACT_VERSION, ExtractResult, cache_key,
                                     extract_checkpoint, model_spec_for, resolve_device,
                                     select_methods)
from personageo.extract._batching import dist_env, left_pad, length_sorted_batches, shard
from personageo.extract._forward import iter_pooled, pooled_vectors
from personageo.extract._generate import iter_generate_transformers, trim_answer
from personageo.extract._layers import LAYER_CONVENTIONS, LayerCapture, Site, resolve_sites
from personageo.extract._prompts import Prompt, PromptSet, build_prompts, closing_ids
from personageo.extract._store import CENTROIDS, weights_fingerprint
from personageo.extract._tokens import ANSWER_RULES, TOKEN_RULES, Answer, PoolItem, pool_item

__all__ = [
    "ANSWER_RULES", "Answer", "BASE_CHECKPOINT", "CENTROIDS", "EXTRACT_VERSION", "ExtractResult",
    "LAYER_CONVENTIONS", "LayerCapture", "PoolItem", "Prompt", "PromptSet", "Site", "TOKEN_RULES",
    "build_prompts", "cache_key", "closing_ids", "dist_env", "extract_checkpoint",
    "iter_generate_transformers", "iter_pooled", "left_pad", "length_sorted_batches",
    "model_spec_for", "pool_item", "pooled_vectors", "resolve_device", "resolve_sites",
    "select_methods", "shard", "trim_answer", "weights_fingerprint",
]
