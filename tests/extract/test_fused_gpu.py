"""On a CUDA device: the fused engine (compiled kernels, packed batches sharing their persona
prefix, flash attention, CUDA-graph decoding) computes what the transformers path computes."""

from __future__ import annotations

import os

import numpy as np
import pytest

from .conftest import PERSONAS, QUESTIONS, tiny_spec

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(
    os.environ.get("PERSONAGEO_GPU_TESTS") != "1", reason="set PERSONAGEO_GPU_TESTS=1")]

SHAPE = dict(hidden_size=512, intermediate_size=1024, num_attention_heads=8,
             num_key_value_heads=2, num_hidden_layers=4)


def _setup(dtype: str, seed: int):
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    from personageo.extract import build_prompts, resolve_sites
    from personageo.extract._fused import fused_decoder
    from personageo.inputs import Question, QuestionFile
    from personageo.modeling import load_model_and_tokenizer

    model, tok = load_model_and_tokenizer(tiny_spec(seed=seed, **SHAPE), dtype=dtype,
                                          device="cuda")
    qs = QuestionFile([Question(i, q + " " * i) for i, q in enumerate(QUESTIONS * 8)], "", "m")
    ps = build_prompts(tok, PERSONAS, qs)
    sites = resolve_sites(list(range(5)), "hf_hidden_states", 4)
    return model, tok, ps, sites, fused_decoder(model)


def _rel(got, ref) -> float:
    return float((np.linalg.norm(got - ref, axis=-1)
                  / np.maximum(np.linalg.norm(ref, axis=-1), 1e-12)).max())


@pytest.mark.parametrize("dtype,tol", [("float32", 1e-3), ("bfloat16", 5e-2)])
def test_fused_engine_equals_the_plain_path_on_cuda(dtype, tol):
    from personageo.extract import iter_generate_transformers, pool_item, pooled_vectors
    from personageo.extract._fused_generate import GenStats, fused_generate
    from personageo.extract._fused_pool import fused_pooled

    model, tok, ps, sites, fused = _setup(dtype, seed=1)
    assert fused.compiled
    pad = tok.pad_token_id
    items = [pool_item("last_prompt_token", p) for p in ps.prompts]
    ref = pooled_vectors(model, items, sites, batch_size=16, pad_id=pad)
    got = fused_pooled(fused, items, sites, pad_id=pad).cpu().numpy()
    assert np.isfinite(got).all() and _rel(got, ref) <= tol, _rel(got, ref)

    ids = [p.ids for p in ps.prompts[:40]]
    rules = ("mean_answer_tokens", "mean_answer_tokens_with_closing")
    stats, answers, pooled = GenStats(), {}, {r: {} for r in rules}
    for idx, ans, vec in fused_generate(fused, ids, max_new_tokens=12, stop_ids=[tok.eos_token_id],
                                        closing=ps.closing_ids, rules=rules, sites=sites,
                                        pad_id=pad, stats=stats):
        answers.update(zip(idx, ans, strict=True))
        for r in rules:
            pooled[r].update(zip(idx, vec[r].cpu().numpy(), strict=True))
    assert stats.cuda_graphs and stats.graph_error is None
    # bf16: the Triton kernel reads each row's own keys; float32: the padding-mask fallback
    assert (stats.attention == "per-row key counts") == (dtype == "bfloat16"), stats.attention
    answers = [answers[i] for i in range(len(ids))]
    if dtype == "float32":  # greedy answers equal those of model.generate
        ref_ans = {}
        for idx, ans in iter_generate_transformers(model, ids, max_new_tokens=12, batch_size=40,
                                                   stop_ids=[tok.eos_token_id], pad_id=pad):
            ref_ans.update(zip(idx, ans, strict=True))
        assert answers == [ref_ans[i] for i in range(len(ids))]
    for r in rules:
        two_pass = [pool_item(r, p, a, ps.closing_ids) for p, a in zip(ps.prompts, answers,
                                                                       strict=False)]
        want = pooled_vectors(model, two_pass, sites, batch_size=8, pad_id=pad)
        got = np.stack([pooled[r][i] for i in range(len(ids))])
        assert np.isfinite(got).all() and _rel(got, want) <= tol, (r, _rel(got, want))
