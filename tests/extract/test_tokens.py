"""Token rules: positions pooled by each rule, checked by brute force on unpadded sequences."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from personageo.errors import InputError
from personageo.extract import Answer, pool_item, pooled_vectors, resolve_sites, trim_answer
from personageo.extract._prompts import Prompt

CLOSING = [258, 10]


def _prompt(ids, question_end=None):
    return Prompt("p", 0, "q", "", list(ids), question_end)


@pytest.mark.parametrize("rule, answer, expect", [
    ("last_prompt_token", None, ([1, 2, 3], 2, 3)),
    ("last_question_token", None, ([1, 2, 3], 1, 2)),
    ("mean_answer_tokens", Answer([7, 8], "eos"), ([1, 2, 3, 7, 8], 3, 5)),
    ("mean_answer_tokens_with_closing", Answer([7, 8], "eos"), ([1, 2, 3, 7, 8, 258, 10], 3, 7)),
    ("mean_answer_tokens_with_closing", Answer([7], "length"), ([1, 2, 3, 7, 258, 10], 3, 6)),
    ("mean_answer_tokens", Answer([], "eos"), ([1, 2, 3, 258, 10], 3, 4)),
])
def test_pool_ranges(rule, answer, expect):
    item = pool_item(rule, _prompt([1, 2, 3], question_end=1), answer, CLOSING)
    assert (item.ids, item.start, item.end) == expect


def test_unknown_rule_and_missing_question_position():
    with pytest.raises(InputError, match="unknown token rule"):
        pool_item("first_token", _prompt([1]))
    with pytest.raises(InputError, match="question's last token"):
        pool_item("last_question_token", _prompt([1, 2]))


def test_trim_answer_keeps_ids_and_stops_at_first_stop_token():
    assert trim_answer([5, 6, 2, 9, 2], {2}) == Answer([5, 6], "eos")
    assert trim_answer([5, 6], {2}) == Answer([5, 6], "length")


@pytest.mark.parametrize("rule", ["mean_answer_tokens", "mean_answer_tokens_with_closing"])
def test_answer_mean_matches_brute_force(tiny_model, rule):
    """The batched, hooked pool equals a hand mean of hidden_states over the answer span."""
    model, tok = tiny_model
    rng = np.random.default_rng(0)
    prompts = [_prompt(rng.integers(3, 250, size=n).tolist()) for n in (9, 5, 12)]
    answers = [Answer(rng.integers(3, 250, size=k).tolist(), "eos") for k in (4, 1, 7)]
    items = [pool_item(rule, p, a, CLOSING) for p, a in zip(prompts, answers, strict=True)]
    layer = 2
    got = pooled_vectors(model, items, resolve_sites([layer], "block_output_0idx", 4),
                         batch_size=3, pad_id=tok.pad_token_id)
    for b, (p, a) in enumerate(zip(prompts, answers, strict=True)):
        seq = p.ids + a.token_ids + (CLOSING if rule.endswith("closing") else [])
        with torch.no_grad():
            hs = model(input_ids=torch.tensor([seq]), output_hidden_states=True).hidden_states
        span = hs[layer + 1][0, len(p.ids):len(seq)]
        torch.testing.assert_close(torch.from_numpy(got[b, 0]), span.mean(0),
                                   rtol=1e-5, atol=1e-5)
