"""LoRA: the merged model computes what the adapter model computes; rsLoRA scaling is explicit."""

import math

import torch

from personageo.config.train import LoraSpec, TrainSettings
from personageo.modeling import build_random_model, tiny_qwen2_config
from personageo.train.setup import load_train_model


def _lora_model(tmp_path, rslora):
    build_random_model(tiny_qwen2_config()).save_pretrained(tmp_path / "base")
    spec = LoraSpec(r=4, alpha=8, dropout=0.0, target_modules=["q_proj", "v_proj", "down_proj"],
                    rslora=rslora)
    model = load_train_model(tmp_path / "base", TrainSettings(gradient_checkpointing=False),
                             "lora", spec)
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_B" in name:  # B starts at zero; make the adapter do something
                p.copy_(torch.randn(p.shape, generator=g) * 0.05)
    return model.eval()


def test_merge_equals_adapter_forward(tmp_path):
    model = _lora_model(tmp_path, rslora=False)
    ids = torch.randint(0, 259, (2, 17), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        with model.disable_adapter():
            plain = model(input_ids=ids).logits
        adapted = model(input_ids=ids).logits
        merged = model.merge_and_unload()(input_ids=ids).logits
    assert (adapted - plain).abs().max() > 1e-3
    torch.testing.assert_close(merged, adapted, rtol=1e-4, atol=1e-5)


def test_rslora_scaling(tmp_path):
    for rs, expected in ((False, 8 / 4), (True, 8 / math.sqrt(4))):
        model = _lora_model(tmp_path / str(rs), rslora=rs)
        q = model.base_model.model.model.layers[0].self_attn.q_proj
        assert q.scaling["default"] == expected


def test_lora_run_is_reproducible_from_its_seed(tmp_path):
    """Two LoRA runs with one seed in one process give identical weights (the adapter's random
    A matrices are drawn from the run's seed, not from whatever the RNG state happens to be)."""
    from safetensors.torch import load_file

    from personageo.train import train_condition

    from .conftest import tiny_config, write_chats

    data = write_chats(tmp_path / "chats.jsonl", 8)
    cond = [{"id": "lora", "training": {"method": "lora", "lr": 1e-2, "steps": 2, "seeds": [3],
                                        "lora": {"r": 4, "alpha": 8, "dropout": 0.0}},
             "data": {"name": "d", "path": str(data), "data_type": "em"}}]
    weights = []
    for run in ("a", "b"):
        cfg = tiny_config(tmp_path / run, conditions=cond, data=data)
        res = train_condition(cfg, "lora", 3, runs_dir=tmp_path / run / "runs")
        weights.append(load_file(str(res.checkpoint_dir / "model.safetensors")))
    assert weights[0].keys() == weights[1].keys()
    for k in weights[0]:
        torch.testing.assert_close(weights[0][k], weights[1][k], rtol=0, atol=0)
