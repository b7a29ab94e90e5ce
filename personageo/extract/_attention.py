"""Grouped-query SDPA that never copies the KV cache (an attention backend for transformers).

transformers' ``sdpa`` backend hands grouped-query attention (Qwen2.5-7B: 28 query heads, 4 KV
heads) to the fused kernel only when there is no attention mask; with the padding mask of a
left-padded batch it first repeats K and V to every query head (``repeat_kv``). During batched
decoding that copies the whole KV cache seven times per layer and step. This backend instead
folds the query heads that share a KV head into the query-length axis::

    q [B, kv * r, T_q, d] -> [B, kv, r * T_q, d]     (mask rows repeated r times)

which is the same attention (each query row attends to its own KV head under the same mask),
computed by one SDPA call on the un-repeated K and V. Masks are built by transformers' own
``sdpa_mask``. Equality with ``sdpa`` is tested.
"""

from __future__ import annotations

NAME = "personageo_grouped_sdpa"


def grouped_sdpa_forward(module, query, key, value, attention_mask, dropout: float = 0.0,
                         scaling: float | None = None, is_causal: bool | None = None, **kwargs):
    """Attention function with transformers' ``AttentionInterface`` signature."""
    import torch
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    n_rep = getattr(module, "num_key_value_groups", 1)
    if n_rep == 1 or attention_mask is None or attention_mask.ndim != 4 \
            or kwargs.get("output_attentions"):
        return sdpa_attention_forward(module, query, key, value, attention_mask, dropout=dropout,
                                      scaling=scaling, is_causal=is_causal, **kwargs)
    b, h, q, d = query.shape
    kv = key.shape[1]
    mask = attention_mask[:, :, :, :key.shape[-2]]
    if q > 1 and mask.shape[2] > 1:
        mask = mask.repeat(1, 1, n_rep, 1)  # row r * q + i  <-  mask row i
    grouped = query.reshape(b, kv, n_rep * q, d)
    out = torch.nn.functional.scaled_dot_product_attention(
        grouped, key, value, attn_mask=mask, dropout_p=dropout, scale=scaling, is_causal=False)
    return out.reshape(b, h, q, d).transpose(1, 2).contiguous(), None


def use_grouped_sdpa(model) -> bool:
    """Switch ``model`` to the grouped backend when it uses ``sdpa``; True if switched."""
    if getattr(model.config, "_attn_implementation", None) not in ("sdpa", NAME):
        return False
    from transformers import AttentionInterface
    from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS, sdpa_mask

    AttentionInterface.register(NAME, grouped_sdpa_forward)
    ALL_MASK_ATTENTION_FUNCTIONS.register(NAME, sdpa_mask)
    model.set_attn_implementation(NAME)
    return model.config._attn_implementation == NAME


class grouped_sdpa_during:  # noqa: N801 - used as a context manager
    """Use the grouped backend inside the ``with`` block, then restore the model's backend.

    Generation gains most from it (no KV-cache copies per step); a single forward pass over
    prompts was faster with plain ``sdpa`` on an H100 (bench/RESULTS.md), so the default
    (``extract.grouped_attention: generation``) switches only around generation.
    """

    def __init__(self, model) -> None:
        self.model = model
        self.before = getattr(model.config, "_attn_implementation", None)

    def __enter__(self):
        use_grouped_sdpa(self.model)
        return self.model

    def __exit__(self, *exc) -> None:
        if self.before and self.model.config._attn_implementation != self.before:
            self.model.set_attn_implementation(self.before)
