"""On a CUDA device: a bf16 packed run (flash-attention varlen when installed) trains and saves."""

import os

import pytest

from .conftest import tiny_config

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(
    os.environ.get("PERSONAGEO_GPU_TESTS") != "1", reason="set PERSONAGEO_GPU_TESTS=1")]


def test_packed_bf16_run_on_gpu(tmp_path):
    import importlib.util

    import torch

    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    attn = "flash_attention_2" if importlib.util.find_spec("flash_attn") else "sdpa"
    from personageo.train import train_condition

    cfg = tiny_config(tmp_path, steps=3, train={
        "bf16": True, "packing": True, "per_device_batch": 4, "grad_accum": 1,
        "attn_implementation": attn, "optim": "adamw_torch_fused"})
    res = train_condition(cfg, "full", 1, runs_dir=tmp_path / "runs")
    m = res.manifest
    assert m["topology"]["devices"]["kind"] == "cuda" and m["optimizer_steps"] == 3
    assert m["weight_norms"]["global_l2"] > 0 and m["tokens_per_s"] > 0
