"""Batch plans, left padding, sharding, and batched == unbatched vectors."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from personageo.extract import (
    left_pad,
    length_sorted_batches,
    pool_item,
    pooled_vectors,
    resolve_sites,
    shard,
)
from personageo.extract._prompts import Prompt

from .conftest import tiny_spec


@settings(derandomize=True, max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 50), max_size=40), st.integers(1, 9))
def test_batches_cover_every_index_once_longest_first(lengths, batch_size):
    batches = length_sorted_batches(lengths, batch_size)
    flat = [i for b in batches for i in b]
    assert sorted(flat) == list(range(len(lengths)))
    assert all(len(b) <= batch_size for b in batches)
    assert [lengths[i] for i in flat] == sorted(lengths, reverse=True)


@settings(derandomize=True, max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 30), max_size=25), st.integers(1, 6))
def test_shards_are_disjoint_and_cover(items, world_size):
    parts = [shard(items, r, world_size) for r in range(world_size)]
    assert sorted(x for p in parts for x in p) == sorted(items)
    positions = [set(range(r, len(items), world_size)) for r in range(world_size)]
    assert all(a.isdisjoint(b) for i, a in enumerate(positions) for b in positions[i + 1:])
    assert max(map(len, parts)) - min(map(len, parts)) <= 1


def test_shard_rejects_bad_rank():
    with pytest.raises(ValueError):
        shard([1, 2], 2, 2)


def test_left_pad_mask_and_positions():
    ids, mask, pos, pad = left_pad([[5, 6, 7], [8]], pad_id=0)
    assert ids.tolist() == [[5, 6, 7], [0, 0, 8]]
    assert mask.tolist() == [[1, 1, 1], [0, 0, 1]]
    assert pos.tolist() == [[0, 1, 2], [0, 0, 0]]
    assert pad.tolist() == [0, 2]


def _prompts(tok, n=7):
    texts = [tok.apply_chat_template(
        [{"role": "system", "content": "Persona " + "x" * (3 * i)},
         {"role": "user", "content": f"Question number {i}?" + " more" * (i % 3)}],
        tokenize=False, add_generation_prompt=True) for i in range(n)]
    return [Prompt("p", i, "q", t, tok(t, add_special_tokens=False)["input_ids"], None)
            for i, t in enumerate(texts)]


@pytest.mark.parametrize("rule", ["last_prompt_token", "mean_answer_tokens_with_closing"])
def test_batched_equals_unbatched_float32(tiny_model, rule):
    from personageo.extract import Answer

    model, tok = tiny_model
    prompts = _prompts(tok)
    answers = [Answer(list(range(40, 40 + 2 + i % 4)), "eos") for i in range(len(prompts))]
    items = [pool_item(rule, p, a, [258, 10]) for p, a in zip(prompts, answers, strict=True)]
    assert len({len(it.ids) for it in items}) > 3  # the batches really need padding
    sites = resolve_sites([0, 1, 3], "block_output_0idx", 4)
    one = pooled_vectors(model, items, sites, batch_size=1, pad_id=tok.pad_token_id)
    many = pooled_vectors(model, items, sites, batch_size=4, pad_id=tok.pad_token_id)
    torch.testing.assert_close(torch.from_numpy(many), torch.from_numpy(one),
                               rtol=1e-5, atol=1e-5)


def test_batched_equals_unbatched_bfloat16_within_dtype_tolerance():
    from personageo.modeling import load_model_and_tokenizer

    model, tok = load_model_and_tokenizer(tiny_spec(), dtype="bfloat16", device="cpu")
    items = [pool_item("last_prompt_token", p) for p in _prompts(tok)]
    sites = resolve_sites([0, 3], "block_output_0idx", 4)
    one = torch.from_numpy(pooled_vectors(model, items, sites, batch_size=1,
                                          pad_id=tok.pad_token_id))
    many = torch.from_numpy(pooled_vectors(model, items, sites, batch_size=7,
                                           pad_id=tok.pad_token_id))
    # bf16 has 8 mantissa bits: a few units in the last place after 4 blocks.
    rel = (many - one).norm(dim=-1) / one.norm(dim=-1)
    assert float(rel.max()) < 3e-2
