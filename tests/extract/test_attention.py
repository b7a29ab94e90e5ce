"""The grouped-query SDPA backend computes the same attention as transformers' ``sdpa``."""

from __future__ import annotations

import torch

from personageo.extract import left_pad, use_grouped_sdpa

from .conftest import tiny_spec


def _model():
    from personageo.modeling import load_model_and_tokenizer

    # 8 query heads over 2 KV heads: every KV head serves 4 query heads.
    return load_model_and_tokenizer(tiny_spec(num_attention_heads=8, num_key_value_heads=2),
                                    dtype="float32")


def test_grouped_backend_matches_sdpa_on_padded_batches_and_generation(monkeypatch):
    model, tok = _model()
    ids, mask, pos, _ = left_pad([[5, 6, 7, 8, 9, 10], [11, 12], [13, 14, 15, 16]],
                                 tok.pad_token_id)
    gen = dict(max_new_tokens=6, do_sample=False, pad_token_id=tok.pad_token_id)
    with torch.no_grad():
        ref = model(input_ids=ids, attention_mask=mask, position_ids=pos,
                    output_hidden_states=True).hidden_states
        ref_gen = model.generate(input_ids=ids, attention_mask=mask, **gen)
    assert use_grouped_sdpa(model)
    shapes = []
    real = torch.nn.functional.scaled_dot_product_attention

    def spy(q, k, v, **kw):
        shapes.append((tuple(q.shape), tuple(k.shape)))
        return real(q, k, v, **kw)

    monkeypatch.setattr(torch.nn.functional, "scaled_dot_product_attention", spy)
    with torch.no_grad():
        got = model(input_ids=ids, attention_mask=mask, position_ids=pos,
                    output_hidden_states=True).hidden_states
        got_gen = model.generate(input_ids=ids, attention_mask=mask, **gen)
    # K/V keep their 2 heads; the 4 query heads per KV head are folded into the query axis.
    assert shapes[0] == ((3, 2, 4 * 6, 8), (3, 2, 6, 8))
    real_rows = mask.bool()
    for a, b in zip(ref, got, strict=True):
        torch.testing.assert_close(b[real_rows], a[real_rows], rtol=1e-5, atol=1e-5)
    assert torch.equal(got_gen, ref_gen)


def test_grouped_backend_is_restored_after_generation():
    from personageo.extract._attention import NAME, grouped_sdpa_during

    model, _ = _model()
    assert model.config._attn_implementation == "sdpa"
    with grouped_sdpa_during(model):
        assert model.config._attn_implementation == NAME
    assert model.config._attn_implementation == "sdpa"
