"""End-to-end training runs on a tiny random Qwen2: learning, recipes, skip, resume, LoRA."""

import pytest
import torch
from safetensors.torch import load_file

from personageo.errors import InputError
from personageo.modeling import load_model_and_tokenizer
from personageo.train import checkpoint_id, train_condition
from personageo.train.data import read_chat_jsonl
from personageo.train.masking import ChatRenderer, encode_dataset

from .conftest import tiny_config, write_chats


def _weights(d):
    return load_file(str(d / "model.safetensors"))


def _mean_loss(model_dir, data_path):
    model, tok = load_model_and_tokenizer({"name": str(model_dir)})
    data = read_chat_jsonl(data_path)
    enc = encode_dataset(ChatRenderer(tok), data.rows, data.sources, "last_assistant", 512)
    with torch.no_grad():
        return sum(model(input_ids=torch.tensor([e.input_ids]),
                         labels=torch.tensor([e.labels])).loss.item()
                   for e in enc.examples) / len(enc.examples)


def test_train_learns_records_and_skips(tmp_path):
    cfg = tiny_config(tmp_path, steps=6, train={"per_device_batch": 4, "grad_accum": 1,
                                                "save_steps": [2]})
    runs = tmp_path / "runs"
    res = train_condition(cfg, "full", 1, runs_dir=runs)
    assert not res.skipped and res.checkpoint_dir == runs / checkpoint_id("full", 1)
    m = res.manifest
    data = read_chat_jsonl(tmp_path / "chats.jsonl")
    assert m["data_fingerprint"] == data.fingerprint and m["n_examples"] == 16
    assert (m["effective_batch"], m["world_size"], m["optimizer_steps"]) == (4, 1, 6)
    assert [p["step"] for p in m["loss_curve"]] == list(range(1, 7))
    assert m["weight_norms"]["global_l2"] > 0 and set(m["weight_norms"]["per_block"]) == {"0", "1"}
    assert m["template"]["template_default_system"] is None
    assert (m["step_checkpoints"], m["step_checkpoints_missing"]) == ([2], [])
    step_dir = runs / checkpoint_id("full", 1, 2)
    assert (step_dir / "train_manifest.json").exists()
    assert not (runs / ".work" / checkpoint_id("full", 1)).exists()

    base_dir = m["base_dir"]
    # the manifest's norms are those of the saved weights against the base (brute force here)
    w, b = _weights(res.checkpoint_dir), load_file(f"{base_dir}/model.safetensors")
    brute = sum(((w[k].double() - b[k].double()) ** 2).sum().item() for k in w) ** 0.5
    assert m["weight_norms"]["global_l2"] == pytest.approx(brute, rel=1e-6)
    blk0 = sum(((w[k].double() - b[k].double()) ** 2).sum().item()
               for k in w if k.startswith("model.layers.0.")) ** 0.5
    assert m["weight_norms"]["per_block"]["0"] == pytest.approx(blk0, rel=1e-6)
    assert _mean_loss(res.checkpoint_dir, tmp_path / "chats.jsonl") < \
        _mean_loss(base_dir, tmp_path / "chats.jsonl") - 0.05

    before = (res.checkpoint_dir / "model.safetensors").stat().st_mtime_ns
    again = train_condition(cfg, "full", 1, runs_dir=runs)
    assert again.skipped and again.manifest["run_key"] == m["run_key"]
    assert (res.checkpoint_dir / "model.safetensors").stat().st_mtime_ns == before

    write_chats(tmp_path / "chats.jsonl", 16, seed=5)  # new data: a different run key
    with pytest.raises(InputError, match="different config or data"):
        train_condition(cfg, "full", 1, runs_dir=runs)


def test_original_recipe_and_packed_defaults_train_the_same_weights(tmp_path):
    cfg = tiny_config(tmp_path, steps=3, conditions=[
        {"id": "orig", "training": {"method": "full", "lr": 3e-3, "steps": 3, "seeds": [1],
                                    "overrides": {"per_device_batch": 1, "grad_accum": 4}},
         "data": {"name": "d", "path": str(write_chats(tmp_path / "c.jsonl", 16)),
                  "data_type": "em"}},
        {"id": "packed", "training": {"method": "full", "lr": 3e-3, "steps": 3, "seeds": [1],
                                      "overrides": {"per_device_batch": 4, "grad_accum": 1,
                                                    "packing": True}},
         "data": {"name": "d", "path": str(tmp_path / "c.jsonl"), "data_type": "em"}}])
    a = train_condition(cfg, "orig", 1, runs_dir=tmp_path / "runs")
    b = train_condition(cfg, "packed", 1, runs_dir=tmp_path / "runs")
    wa, wb = _weights(a.checkpoint_dir), _weights(b.checkpoint_dir)
    for k in wa:
        torch.testing.assert_close(wb[k], wa[k], rtol=1e-4, atol=1e-5)
    la = [p["loss"] for p in a.manifest["loss_curve"]]
    lb = [p["loss"] for p in b.manifest["loss_curve"]]
    assert la == pytest.approx(lb, abs=1e-3)
    # the same samples were trained on: same real and supervised token counts (no padding)
    for key in ("tokens_this_session", "supervised_tokens_this_session"):
        assert a.manifest[key] == b.manifest[key] > 0


class _Killed(Exception):
    pass


def _kill_after_save(step):
    from transformers import TrainerCallback

    class Kill(TrainerCallback):
        def on_save(self, args, state, control, **kw):
            if state.global_step == step:
                raise _Killed

    return Kill()


def test_resume_after_kill_matches_uninterrupted(tmp_path):
    cfg = tiny_config(tmp_path, steps=4, train={"resume_every": 2, "per_device_batch": 2,
                                                "grad_accum": 2})
    ref = train_condition(cfg, "full", 1, runs_dir=tmp_path / "a")
    with pytest.raises(_Killed):
        train_condition(cfg, "full", 1, runs_dir=tmp_path / "b", callbacks=[_kill_after_save(2)])
    work = tmp_path / "b" / ".work" / checkpoint_id("full", 1)
    assert (work / "checkpoint-2").is_dir()
    assert not (tmp_path / "b" / checkpoint_id("full", 1) / "train_manifest.json").exists()
    res = train_condition(cfg, "full", 1, runs_dir=tmp_path / "b")
    assert res.manifest["resumed_from"].endswith("checkpoint-2")
    assert res.manifest["optimizer_steps"] == 4
    # this session trained steps 3-4 only: about half the tokens of the uninterrupted run
    assert 0 < res.manifest["tokens_this_session"] < ref.manifest["tokens_this_session"]
    wa, wb = _weights(ref.checkpoint_dir), _weights(res.checkpoint_dir)
    for k in wa:
        torch.testing.assert_close(wb[k], wa[k], rtol=1e-5, atol=1e-6)


def test_lora_run_saves_merged_weights(tmp_path):
    cfg = tiny_config(tmp_path, conditions=[
        {"id": "lora", "training": {"method": "lora", "lr": 1e-2, "steps": 2, "seeds": [3],
                                    "lora": {"r": 4, "alpha": 8, "dropout": 0.0,
                                             "target_modules": ["q_proj", "v_proj"]}},
         "data": {"name": "d", "path": str(write_chats(tmp_path / "c.jsonl", 8)),
                  "data_type": "em"}}])
    res = train_condition(cfg, "lora", 3, runs_dir=tmp_path / "runs")
    assert not list(res.checkpoint_dir.glob("adapter_*"))
    w, base = _weights(res.checkpoint_dir), load_file(
        str(next((tmp_path / "runs" / ".base").glob("*")) / "model.safetensors"))
    assert set(w) == set(base)
    changed = {k for k in w if not torch.equal(w[k], base[k])}
    assert changed and all(("q_proj" in k or "v_proj" in k) and k.endswith("weight")
                           for k in changed)
    assert res.manifest["lora"]["merged"] is True
    model, _ = load_model_and_tokenizer({"name": str(res.checkpoint_dir)})
    assert model.config.num_hidden_layers == 2


def test_warmup_steps_match_trainers_ratio_rule():
    import math

    from personageo.config.train import TrainSettings
    from personageo.train.runner import warmup_steps

    s = TrainSettings(warmup_ratio=0.03, per_device_batch=1, grad_accum=4)
    assert warmup_steps(s, 375, 6000, 4) == math.ceil(375 * 0.03) == 12
    # one epoch of 6000 examples at effective batch 16 is the original's 375 steps
    assert warmup_steps(s, None, 6000, 4) == 12
    assert warmup_steps(TrainSettings(warmup_ratio=0.0), 100, 10, 1) == 0
