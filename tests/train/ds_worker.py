"""Run by test_deepspeed under torchrun: one ZeRO-3 full-parameter run on the CPU (gloo)."""

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("DS_ACCELERATOR", "cpu")
sys.path.insert(0, str(Path(__file__).parent))

from conftest import tiny_config  # noqa: E402

from personageo.train import train_condition  # noqa: E402

if __name__ == "__main__":
    tmp = Path(sys.argv[1])
    zero3 = Path(__file__).resolve().parents[2] / "configs" / "deepspeed" / "zero3.json"
    cfg = tiny_config(tmp, steps=2, train={"deepspeed": str(zero3), "bf16": True,
                                           "per_device_batch": 2, "grad_accum": 1,
                                           "resume_every": None})
    res = train_condition(cfg, "full", 1, runs_dir=tmp / "runs")
    if res.manifest:
        (tmp / "result.json").write_text(json.dumps(res.manifest), encoding="utf-8")
