"""Shard-by-shard weight-delta norms against a brute-force computation."""

import torch

from personageo.modeling import build_random_model, tiny_qwen2_config
from personageo.train.norms import block_of, weight_delta_norms, weights_sha256


def test_norms_match_brute_force(tmp_path):
    cfg = tiny_qwen2_config(num_hidden_layers=3)
    base = build_random_model(cfg)
    ckpt = build_random_model(cfg | {"seed": 1})
    with torch.no_grad():  # a partly-trained model: some tensors unchanged
        for name, p in ckpt.named_parameters():
            if "layers.1." in name:
                p.copy_(dict(base.named_parameters())[name])
    base.save_pretrained(tmp_path / "base", max_shard_size="40KB")
    ckpt.save_pretrained(tmp_path / "ckpt", max_shard_size="100KB")
    assert len(list((tmp_path / "base").glob("*.safetensors"))) > 2
    got = weight_delta_norms(tmp_path / "ckpt", tmp_path / "base")

    a, b = ckpt.state_dict(), base.state_dict()
    total = torch.sqrt(sum(((a[k].float() - b[k].float()) ** 2).sum() for k in a))
    assert abs(got["global_l2"] - total.item()) <= 1e-5 * total.item()
    for layer in range(3):
        keys = [k for k in a if f"model.layers.{layer}." in k]
        ref = torch.sqrt(sum(((a[k] - b[k]) ** 2).sum() for k in keys)).item()
        assert abs(got["per_block"][str(layer)] - ref) <= 1e-5 * max(ref, 1e-12)
    assert got["per_block"]["1"] == 0.0
    assert got["n_tensors"] == len(a)
    assert weights_sha256(tmp_path / "ckpt") != weights_sha256(tmp_path / "base")


def test_block_of():
    assert block_of("model.layers.12.mlp.up_proj.weight") == 12
    assert block_of("model.embed_tokens.weight") is None


def test_mixed_precision_checkpoint_is_compared_at_the_coarser_dtype(tmp_path):
    cfg = tiny_qwen2_config(num_hidden_layers=1)
    base = build_random_model(cfg)
    base.save_pretrained(tmp_path / "base")
    base.to(torch.bfloat16).save_pretrained(tmp_path / "bf16")  # untrained, only rounded
    got = weight_delta_norms(tmp_path / "bf16", tmp_path / "base")
    assert got["global_l2"] == 0.0 and got["rounded_to"] == ["bfloat16"]
