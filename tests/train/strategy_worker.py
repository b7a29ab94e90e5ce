"""Run by test_strategies under torchrun: one full-parameter run with ``train.strategy`` argv[2]."""

import json
import os
import sys
from pathlib import Path

import torch

if not torch.cuda.is_available():
    os.environ.setdefault("DS_ACCELERATOR", "cpu")
sys.path.insert(0, str(Path(__file__).parent))

from conftest import tiny_config  # noqa: E402

from personageo.train import train_condition  # noqa: E402

if __name__ == "__main__":
    tmp, strategy = Path(sys.argv[1]), sys.argv[2]
    cfg = tiny_config(tmp, steps=2, train={"strategy": strategy, "bf16": True, "packing": True,
                                           "per_device_batch": 2, "grad_accum": 1,
                                           "resume_every": None, "optim": "adamw_torch_fused"})
    res = train_condition(cfg, "full", 1, runs_dir=tmp / "runs")
    if res.manifest:
        (tmp / "result.json").write_text(json.dumps(res.manifest), encoding="utf-8")
