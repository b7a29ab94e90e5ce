"""Packed (padding-free) batches give the same loss and gradients as padded ones."""

import torch

from personageo.config.train import TrainSettings
from personageo.modeling import build_random_model, tiny_qwen2_config
from personageo.train.masking import IGNORE_INDEX, ChatRenderer, encode_dataset
from personageo.train.setup import make_collator


def test_packed_loss_and_grads_equal_padded(byte_tokenizer):
    rows = [[{"role": "user", "content": "q" * n}, {"role": "assistant", "content": "a" * (9 - n)}]
            for n in (1, 4, 7, 2)]
    enc = encode_dataset(ChatRenderer(byte_tokenizer), rows, list("abcd"), "last_assistant", 512)
    feats = [{"input_ids": e.input_ids, "labels": e.labels, "attention_mask": [1] * len(e.input_ids)}
             for e in enc.examples]
    model = build_random_model(tiny_qwen2_config(num_hidden_layers=2))
    model.config.use_cache = False
    model.config._attn_implementation = "sdpa"
    results = []
    for packing in (False, True):
        batch = make_collator(byte_tokenizer, TrainSettings(packing=packing))(feats)
        if packing:
            assert batch["input_ids"].shape[0] == 1 and "position_ids" in batch
        else:
            assert batch["input_ids"].shape[1] % 8 == 0
        model.zero_grad()
        loss = model(**batch).loss
        loss.backward()
        results.append((loss.detach(), [p.grad.clone() for p in model.parameters()]))
    (l_pad, g_pad), (l_pack, g_pack) = results
    torch.testing.assert_close(l_pack, l_pad, rtol=1e-5, atol=1e-6)
    for a, b in zip(g_pad, g_pack, strict=True):
        torch.testing.assert_close(b, a, rtol=1e-4, atol=1e-6)
    # the check has teeth: without per-sequence positions the packed loss differs
    flat = make_collator(byte_tokenizer, TrainSettings(packing=True))(feats)
    wrong = model(input_ids=flat["input_ids"], labels=flat["labels"]).loss
    assert abs(wrong.item() - l_pad.item()) > 1e-4


def test_packed_labels_never_cross_sequence_boundaries(byte_tokenizer):
    rows = [[{"role": "user", "content": "u" * n}, {"role": "assistant", "content": "v" * n}]
            for n in (3, 1, 6, 2, 5)]
    enc = encode_dataset(ChatRenderer(byte_tokenizer), rows, list("abcde"), "last_assistant", 512)
    feats = [{"input_ids": e.input_ids, "labels": e.labels, "attention_mask": [1] * len(e.input_ids)}
             for e in enc.examples]
    batch = make_collator(byte_tokenizer, TrainSettings(packing=True))(feats)
    ids, labels, pos = (batch[k][0].tolist() for k in ("input_ids", "labels", "position_ids"))
    starts = [i for i, p in enumerate(pos) if p == 0]
    bounds = list(zip(starts, starts[1:] + [len(ids)], strict=True))
    # the row is the samples in order, positions restarting at 0 for each one, no padding
    assert [ids[a:b] for a, b in bounds] == [e.input_ids for e in enc.examples]
    assert all(pos[a:b] == list(range(b - a)) for a, b in bounds)
    # the model predicts labels[t] from token t-1: a target at a sequence start would be
    # predicted from the previous sequence's last token, so it must be ignored
    assert all(labels[a] == IGNORE_INDEX for a, _ in bounds)
    # every other label is the sample's own (assistant-only masking kept)
    for (a, b), e in zip(bounds, enc.examples, strict=True):
        assert labels[a + 1:b] == e.labels[1:]
    assert sum(x != IGNORE_INDEX for x in labels) == sum(e.n_supervised for e in enc.examples)
