"""Hook sites against Hugging Face ``hidden_states``, and the layer conventions."""

from __future__ import annotations

import pytest
import torch

from personageo.errors import InputError
from personageo.extract import LayerCapture, left_pad, resolve_sites
from personageo.extract._layers import decoder_of


def _inputs(tok):
    text = tok.apply_chat_template([{"role": "user", "content": "Hello there, sailor!"}],
                                   tokenize=False, add_generation_prompt=True)
    ids = tok(text, add_special_tokens=False)["input_ids"]
    return left_pad([ids], tok.pad_token_id)


def _capture_all_positions(model, sites, ids, mask, pos, early_exit=True):
    """Mean over every position of the single row == the hidden state when T == 1 position."""
    out = []
    for t in range(ids.shape[1]):
        with LayerCapture(decoder_of(model), sites, early_exit) as cap:
            out.append(cap.run(ids, mask, pos, torch.tensor([t]), torch.tensor([t + 1])))
    return torch.stack(out, dim=1)[0]  # [T, sites, D]


def test_block_output_equals_hidden_states_shifted_except_final_block(tiny_model):
    model, tok = tiny_model
    n = model.config.num_hidden_layers
    ids, mask, pos, _ = _inputs(tok)
    with torch.no_grad():
        hs = model(input_ids=ids, attention_mask=mask, position_ids=pos,
                   output_hidden_states=True).hidden_states
    sites = resolve_sites(list(range(n)), "block_output_0idx", n)
    got = _capture_all_positions(model, sites, ids, mask, pos)
    for layer in range(n - 1):
        torch.testing.assert_close(got[:, layer], hs[layer + 1][0], rtol=0, atol=0)
    # The final block's hook sees the stream before the final RMSNorm; hidden_states[-1] is
    # after it. They differ, and applying the model's norm to the hook output closes the gap.
    assert not torch.allclose(got[:, n - 1], hs[n][0], atol=1e-3)
    with torch.no_grad():
        normed = model.model.norm(got[:, n - 1])
    torch.testing.assert_close(normed, hs[n][0], rtol=1e-5, atol=1e-5)


def test_hf_hidden_states_convention_matches_every_index(tiny_model):
    model, tok = tiny_model
    n = model.config.num_hidden_layers
    ids, mask, pos, _ = _inputs(tok)
    with torch.no_grad():
        hs = model(input_ids=ids, attention_mask=mask, position_ids=pos,
                   output_hidden_states=True).hidden_states
    sites = resolve_sites(list(range(n + 1)), "hf_hidden_states", n)
    got = _capture_all_positions(model, sites, ids, mask, pos)
    for h in range(n + 1):
        torch.testing.assert_close(got[:, h], hs[h][0], rtol=1e-6, atol=1e-6)


def test_early_exit_does_not_change_vectors(tiny_model):
    model, tok = tiny_model
    ids, mask, pos, _ = _inputs(tok)
    sites = resolve_sites([1], "block_output_0idx", model.config.num_hidden_layers)
    last = ids.shape[1] - 1
    runs = []
    for early in (True, False):
        with LayerCapture(decoder_of(model), sites, early) as cap, torch.no_grad():
            runs.append(cap.run(ids, mask, pos, torch.tensor([last]), torch.tensor([last + 1])))
    torch.testing.assert_close(runs[0], runs[1], rtol=0, atol=0)


def test_hooks_are_removed_after_use(tiny_model):
    model, _ = tiny_model
    sites = resolve_sites([0, 3], "block_output_0idx", 4)
    with LayerCapture(decoder_of(model), sites):
        assert len(model.model.layers[3]._forward_hooks) == 1
    assert all(len(b._forward_hooks) == 0 for b in model.model.layers)


@pytest.mark.parametrize("layers, convention, message", [
    ([4], "block_output_0idx", "outside 0..3"),
    ([-1], "block_output_0idx", "outside 0..3"),
    ([5], "hf_hidden_states", "outside 0..4"),
    ([0], "resid_post", "unknown layer convention"),
])
def test_layer_out_of_range_is_an_input_error(layers, convention, message):
    with pytest.raises(InputError, match=message):
        resolve_sites(layers, convention, 4)


def test_site_kinds_for_hf_indices():
    sites = resolve_sites([0, 1, 4], "hf_hidden_states", 4)
    assert [(s.kind, s.block) for s in sites] == [("embed", None), ("block", 0), ("norm", None)]
