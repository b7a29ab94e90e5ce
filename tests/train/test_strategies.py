"""``train.strategy``: resolution, the shipped DeepSpeed configs, fused AdamW, speed metrics,
and a 2-rank ZeRO-2 run on the CPU (gloo)."""

import json
import os
from pathlib import Path

import pytest

from personageo.config.train import TrainSettings
from personageo.errors import InputError
from personageo.train import manifest as mf
from personageo.train.runner import _key_settings
from personageo.train.strategy import (
    BUILTIN_DEEPSPEED,
    load_dtype,
    resolve_optim,
    resolve_strategy,
    trainer_arguments,
)
from tests.train.conftest import torchrun_cpu

from .conftest import tiny_config

CONFIGS = Path(__file__).resolve().parents[2] / "configs" / "deepspeed"


@pytest.mark.parametrize("name", ["zero2", "zero3"])
def test_shipped_deepspeed_configs_are_the_built_in_ones(name):
    shipped = json.loads((CONFIGS / f"{name}.json").read_text(encoding="utf-8"))
    assert shipped == BUILTIN_DEEPSPEED[name]
    assert shipped["zero_optimization"]["stage"] == int(name[-1])


def test_strategy_resolution():
    assert resolve_strategy(TrainSettings()).name == "single"
    assert not resolve_strategy(TrainSettings()).distributed
    z3 = resolve_strategy(TrainSettings(deepspeed=str(CONFIGS / "zero3.json")))
    assert (z3.name, z3.zero3, z3.source) == ("zero3", True, str(CONFIGS / "zero3.json"))
    z2 = resolve_strategy(TrainSettings(strategy="zero2"))
    assert z2.deepspeed["zero_optimization"]["stage"] == 2 and z2.source == "built-in zero2"
    z2.deepspeed["zero_optimization"]["stage"] = 9  # a copy: the built-in one stays
    assert BUILTIN_DEEPSPEED["zero2"]["zero_optimization"]["stage"] == 2
    assert resolve_strategy(TrainSettings(strategy="fsdp2")).deepspeed is None


def test_strategy_disagreeing_with_the_deepspeed_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="stage 3") as exc:
        resolve_strategy(TrainSettings(strategy="zero2", deepspeed=str(CONFIGS / "zero3.json")))
    assert "zero3.json" in str(exc.value.location)
    with pytest.raises(InputError, match="strategy is 'fsdp2'"):
        resolve_strategy(TrainSettings(strategy="fsdp2", deepspeed=str(CONFIGS / "zero2.json")))
    bad = tmp_path / "ds.json"
    bad.write_text('{"zero_optimization": {"stage": "two"}}', encoding="utf-8")
    with pytest.raises(InputError, match="must be 0, 1, 2 or 3"):
        resolve_strategy(TrainSettings(deepspeed=str(bad)))


def test_fsdp2_arguments_move_checkpointing_into_fsdp():
    kw = trainer_arguments(resolve_strategy(TrainSettings(strategy="fsdp2")),
                           TrainSettings(strategy="fsdp2", gradient_checkpointing=True))
    assert kw["gradient_checkpointing"] is False and "full_shard" in kw["fsdp"]
    cfg = kw["fsdp_config"]
    assert (cfg["version"], cfg["reshard_after_forward"], cfg["activation_checkpointing"]) == \
        (2, False, True)
    assert os.environ["FSDP_VERSION"] == "2"


def test_fsdp2_on_the_cpu_is_refused_not_silently_ddp(tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    from personageo.train import train_condition

    cfg = tiny_config(tmp_path, train={"strategy": "fsdp2"})
    with pytest.raises(InputError, match="fsdp2 needs CUDA"):
        train_condition(cfg, "full", 1, runs_dir=tmp_path / "runs")


def test_only_bf16_fsdp2_reads_the_checkpoint_in_bf16():
    # DeepSpeed bf16 builds fp32 masters from the bf16-cast weights; FSDP2 from what it is given
    for name, bf16, want in [("fsdp2", True, "bfloat16"), ("fsdp2", False, "float32"),
                             ("zero2", True, "float32"), ("single", True, "float32")]:
        settings = TrainSettings(strategy=name, bf16=bf16)
        assert load_dtype(resolve_strategy(settings), settings) == want


def test_fused_adamw_on_cuda_plain_on_cpu():
    assert resolve_optim("adamw_torch_fused", cuda=True) == "adamw_torch_fused"
    assert resolve_optim("adamw_torch_fused", cuda=False) == "adamw_torch"
    assert resolve_optim("adamw_torch", cuda=True) == "adamw_torch"


def test_new_settings_at_their_defaults_leave_run_keys_unchanged():
    default = _key_settings(TrainSettings())
    assert "strategy" not in default and "fsdp_reshard_after_forward" not in default
    assert _key_settings(TrainSettings(strategy="zero2"))["strategy"] == "zero2"


def test_attention_length_and_speed_against_brute_force():
    lengths = [3, 10, 7]
    per_token = [n for n in lengths for _ in range(n)]  # each token attends over its sequence
    assert mf.attention_length(lengths) == pytest.approx(sum(per_token) / len(per_token))
    fpt = mf.train_flops_per_token(1000, 2, 8, mf.attention_length(lengths))
    assert fpt == pytest.approx(6 * 1000 + 12 * 2 * 8 * (9 + 100 + 49) / 20)
    speed = mf.Speed(flops_per_token=fpt, world=4, peak_flops=1e6)
    got = speed.interval(seconds=2.0, rank_tokens=500, steps=4)
    assert got["step_time_s"] == 0.5 and got["tokens_per_s"] == 1000.0
    assert got["mfu"] == pytest.approx(1000.0 * fpt / 1e6)
    assert "mfu" not in mf.Speed(fpt, 1, None).interval(1.0, 10, 1)
    assert mf.Speed(fpt, 1, None).interval(0.0, 10, 1) == {}


def test_logged_steps_carry_speed(tmp_path):
    from personageo.train import train_condition

    cfg = tiny_config(tmp_path, steps=2, train={"resume_every": None, "packing": True,
                                                "per_device_batch": 2, "grad_accum": 1,
                                                "optim": "adamw_torch_fused"})
    m = train_condition(cfg, "full", 1, runs_dir=tmp_path / "runs").manifest
    assert [p["step"] for p in m["loss_curve"]] == [1, 2]
    for point in m["loss_curve"]:
        assert point["step_time_s"] > 0 and point["tokens_per_s"] > 0
    assert m["topology"]["strategy"] == {"name": "single", "deepspeed_config": None}
    assert m["topology"]["optimizer"] == "adamw_torch"  # the fused one is CUDA-only here
    assert m["flops_per_token"] > 6 * m["n_params"]


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("PERSONAGEO_SKIP_DEEPSPEED_TESTS") == "1",
                    reason="PERSONAGEO_SKIP_DEEPSPEED_TESTS=1 skips the 2-rank DeepSpeed tests")
def test_zero2_two_ranks_cpu(tmp_path):
    torchrun_cpu("strategy_worker.py", str(tmp_path), "zero2")
    man = json.loads((tmp_path / "result.json").read_text())
    assert man["topology"]["strategy"] == {"name": "zero2", "deepspeed_config": "built-in zero2"}
    assert man["topology"]["optimizer"] == "adamw_torch"  # fused asked, CPU falls back
    assert (man["world_size"], man["effective_batch"], man["optimizer_steps"]) == (2, 4, 2)
    assert man["weight_norms"]["global_l2"] > 0
