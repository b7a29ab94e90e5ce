"""The fused engine computes what the transformers path computes (tiny random Qwen2, float32)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from personageo.extract import (
    build_prompts,
    iter_generate_transformers,
    pool_item,
    pooled_vectors,
    resolve_sites,
)
from personageo.extract._fused import FusedDecoder, FusedUnsupported, fused_decoder
from personageo.extract._fused_generate import fused_generate
from personageo.extract._fused_pool import _chunks, fused_pooled, prefix_groups
from personageo.inputs import Question, QuestionFile

from .conftest import PERSONAS, QUESTIONS, tiny_spec

RULES = ("mean_answer_tokens", "mean_answer_tokens_with_closing")


@pytest.fixture(scope="module")
def gqa():
    """8 query heads over 2 KV heads, 4 blocks, float32; its prompts (varied lengths)."""
    from personageo.modeling import load_model_and_tokenizer

    model, tok = load_model_and_tokenizer(tiny_spec(num_attention_heads=8, num_key_value_heads=2),
                                          dtype="float32")
    qs = QuestionFile([Question(i, q) for i, q in enumerate(QUESTIONS)], "", "mem")
    return model, tok, build_prompts(tok, PERSONAS, qs), fused_decoder(model)


def _all_sites(model):
    n = model.config.num_hidden_layers
    return resolve_sites(list(range(n + 1)), "hf_hidden_states", n)


def test_forward_equals_transformers_hidden_states_on_a_right_padded_batch(gqa):
    model, tok, ps, fused = gqa
    seqs = [p.ids for p in ps.prompts[:3]]
    width = max(map(len, seqs)) + 5
    ids = torch.full((3, width), tok.pad_token_id)
    for b, s in enumerate(seqs):
        ids[b, :len(s)] = torch.tensor(s)
    seen = {}
    with torch.no_grad():
        fused.forward(ids, on_site=lambda kind, blk, h: seen.__setitem__((kind, blk), h))
        for b, s in enumerate(seqs):
            hs = model(input_ids=torch.tensor([s]), output_hidden_states=True).hidden_states
            got = [seen[("embed", None)]] + [seen[("block", i)] for i in range(3)] + \
                [seen[("norm", None)]]
            for layer, (g, want) in enumerate(zip(got, hs, strict=True)):
                torch.testing.assert_close(g[b, :len(s)], want[0], rtol=1e-5, atol=1e-5,
                                           msg=f"row {b} hidden_states[{layer}]")


@pytest.mark.parametrize("rows", [1, 4, None])
@pytest.mark.parametrize("rule", ["last_prompt_token", "last_question_token"])
def test_pooled_vectors_equal_the_plain_path(gqa, rule, rows):
    model, tok, ps, fused = gqa
    items = [pool_item(rule, p) for p in ps.prompts]
    sites = _all_sites(model)
    ref = pooled_vectors(model, items, sites, batch_size=5, pad_id=tok.pad_token_id)
    got = fused_pooled(fused, items, sites, pad_id=tok.pad_token_id, rows=rows)
    np.testing.assert_allclose(got.numpy(), ref, rtol=1e-5, atol=1e-5)


def test_only_requested_indices_are_written(gqa):
    model, tok, ps, fused = gqa
    items = [pool_item("last_prompt_token", p) for p in ps.prompts]
    sites = resolve_sites([1], "block_output_0idx", 4)
    out = torch.full((len(items), 1, 64), float("nan"))
    fused_pooled(fused, items, sites, pad_id=tok.pad_token_id, indices=[2, 7], out=out)
    written = ~torch.isnan(out).any(-1).any(-1)
    assert written.nonzero().flatten().tolist() == [2, 7]


def _reference_answers(model, tok, ps, stops, max_new):
    ref = {}
    for idx, ans in iter_generate_transformers(model, [p.ids for p in ps.prompts],
                                               max_new_tokens=max_new, batch_size=4,
                                               stop_ids=stops, pad_id=tok.pad_token_id):
        ref.update(zip(idx, ans, strict=True))
    return [ref[i] for i in range(len(ps.prompts))]


def _stop_sets(model, tok, ps, max_new):
    """Stop tokens that give (a) full-length answers, (b) answers cut inside, (c) empty ones."""
    free = _reference_answers(model, tok, ps, [tok.eos_token_id], max_new)
    firsts = {a.token_ids[0] for a in free}
    later = [t for a in free for t in a.token_ids[1:] if t not in firsts]
    assert later, "the tiny model must generate some token only after the first position"
    return {"length": [tok.eos_token_id], "cut": [later[0]], "empty": sorted(firsts)}


@pytest.mark.parametrize("case", ["length", "cut", "empty"])
def test_generation_pools_the_two_pass_vectors_and_keeps_the_answers(gqa, case):
    model, tok, ps, fused = gqa
    max_new = 6
    stops = _stop_sets(model, tok, ps, max_new)[case]
    ref = _reference_answers(model, tok, ps, stops, max_new)
    sites = _all_sites(model)
    got, vecs = {}, {r: {} for r in RULES}
    for idx, answers, pooled in fused_generate(
            fused, [p.ids for p in ps.prompts], max_new_tokens=max_new, stop_ids=stops,
            closing=ps.closing_ids, rules=RULES, sites=sites, pad_id=tok.pad_token_id, rows=4):
        got.update(zip(idx, answers, strict=True))
        for r in RULES:
            vecs[r].update(zip(idx, pooled[r].numpy(), strict=True))
    answers = [got[i] for i in range(len(ps.prompts))]
    assert answers == ref
    lengths = {len(a.token_ids) for a in answers}
    assert {"length": lengths == {max_new}, "cut": len(lengths) > 1 or 0 < min(lengths) < max_new,
            "empty": 0 in lengths}[case], (case, lengths)
    for r in RULES:
        items = [pool_item(r, p, a, ps.closing_ids) for p, a in zip(ps.prompts, answers,
                                                                   strict=True)]
        want = pooled_vectors(model, items, sites, batch_size=4, pad_id=tok.pad_token_id)
        np.testing.assert_allclose(np.stack([vecs[r][i] for i in range(len(items))]), want,
                                   rtol=1e-5, atol=1e-5, err_msg=r)


def test_generation_without_closing_tokens_matches_pool_item(gqa):
    """No closing tokens: an empty answer pools nothing (a zero vector), as pool_item does."""
    model, tok, ps, fused = gqa
    stops = _stop_sets(model, tok, ps, 3)["empty"]
    sites = resolve_sites([0, 3], "block_output_0idx", 4)
    prompts = ps.prompts[:4]
    for idx, answers, pooled in fused_generate(
            fused, [p.ids for p in prompts], max_new_tokens=3, stop_ids=stops, closing=[],
            rules=["mean_answer_tokens"], sites=sites, pad_id=tok.pad_token_id):
        items = [pool_item("mean_answer_tokens", prompts[i], a, []) for i, a in
                 zip(idx, answers, strict=True)]
        want = pooled_vectors(model, items, sites, batch_size=2, pad_id=tok.pad_token_id)
        np.testing.assert_allclose(pooled["mean_answer_tokens"].numpy(), want, atol=1e-6)
        assert any(len(a.token_ids) == 0 for a in answers)


def test_a_wrong_block_fails_the_probe():
    from personageo.modeling import load_model_and_tokenizer

    broken, _ = load_model_and_tokenizer(tiny_spec(seed=3), dtype="float32")
    real = FusedDecoder.block

    def wrong_block(self, i, x, normed, cos, sin, layout, past=None, kv_out=None):
        out, nxt = real(self, i, x, normed, cos, sin, layout, past, kv_out)
        return (out * 1.5 if i == 2 else out), nxt

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(FusedDecoder, "block", wrong_block)
        with pytest.raises(FusedUnsupported, match=r"probe mismatch at \('block', 2\)"):
            fused_decoder(broken)


def test_unsupported_model_type_is_refused(tiny_model):
    model, _ = tiny_model
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(model.config, "model_type", "gpt2")
        with pytest.raises(FusedUnsupported, match="model type 'gpt2'"):
            FusedDecoder(model)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 12)), min_size=1, max_size=12),
       st.integers(0, 40), st.integers(1, 120))
def test_prefix_groups_cover_every_item_in_order_and_save_what_brute_force_saves(
        spec, overhead, tokens):
    """Persona prefix + question sequences: groups keep the order, every shared prefix is
    common to its members and leaves each a token, batches hold the budget, and the tokens
    saved equal the best segmentation into runs (brute force over every split)."""
    import itertools

    prefixes = [[100 + p] * (3 + 4 * p) + [7] for p in range(4)]
    seqs = [prefixes[p] + [q, q + 1] * (1 + q % 3) for p, q in spec]
    limits = [len(s) - 1 for s in seqs]
    order = list(range(len(seqs)))
    groups = prefix_groups(seqs, order, limits, overhead)
    assert [i for _, m in groups for i in m] == order
    lengths = [len(s) for s in seqs]
    for prefix, members in groups:
        assert all(seqs[i][:prefix] == seqs[members[0]][:prefix] and prefix <= limits[i]
                   for i in members)
        chunks = _chunks(members, lengths, prefix, None, tokens)
        assert [i for c in chunks for i in c] == members
        for c in chunks:
            assert len(c) == 1 or sum(lengths[i] - prefix for i in c) <= tokens

    def saved(run):
        columns = list(zip(*(seqs[i] for i in run), strict=False))
        common = next((k for k, col in enumerate(columns) if len(set(col)) > 1), len(columns))
        common = min(common, *(limits[i] for i in run))
        return max(0, (len(run) - 1) * common - overhead)

    got = sum((len(m) - 1) * p - overhead for p, m in groups if p)
    if len(seqs) <= 9:  # brute force over every segmentation
        n = len(seqs)
        want = max(sum(saved(order[a:b]) for a, b in zip((0, *cuts), (*cuts, n), strict=True))
                   for r in range(n) for cuts in itertools.combinations(range(1, n), r))
        assert got == want


def test_a_personas_prompts_share_one_prefix_computation(gqa, monkeypatch):
    model, tok, ps, fused = gqa
    calls = []
    real = FusedDecoder.prefix_kv
    monkeypatch.setattr(FusedDecoder, "prefix_kv",
                        lambda self, ids, depth=None: calls.append(len(ids)) or
                        real(self, ids, depth))
    items = [pool_item("last_prompt_token", p) for p in ps.prompts]
    fused_pooled(fused, items, _all_sites(model), pad_id=tok.pad_token_id)
    assert len(calls) == len(ps.personas)  # byte-level tokens: the prefix holds the persona
    assert all(c > len(ps.persona_prompts[n]) for c, n in zip(calls, ps.personas, strict=True))
