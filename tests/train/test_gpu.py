"""On a CUDA device: a bf16 packed run (flash-attention varlen when installed) trains and saves;
ZeRO-2 and FSDP2 runs in a process group of one (torchrun)."""

import json
import os
import subprocess
import sys
from pathlib import Path

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


@pytest.mark.parametrize("strategy", ["zero2", "fsdp2"])
def test_fast_strategies_on_one_gpu(tmp_path, strategy):
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    worker = Path(__file__).with_name("strategy_worker.py")
    proc = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "1",
         str(worker), str(tmp_path), strategy], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-4000:]
    m = json.loads((tmp_path / "result.json").read_text())
    assert m["topology"]["strategy"]["name"] == strategy and m["optimizer_steps"] == 2
    assert m["topology"]["optimizer"] == "adamw_torch_fused"
    assert all(p["tokens_per_s"] > 0 for p in m["loss_curve"])
    if m["mfu"] is not None:  # a card with a known peak
        assert all(p["mfu"] > 0 for p in m["loss_curve"])
    assert m["weight_norms"]["global_l2"] > 0
