"""DeepSpeed ZeRO-3 through the Trainer on the CPU: 2 gloo ranks, tiny model, 2 steps.

About a minute on a 2-core machine; skip it with ``PERSONAGEO_SKIP_DEEPSPEED_TESTS=1``.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    os.environ.get("PERSONAGEO_SKIP_DEEPSPEED_TESTS") == "1",
    reason="PERSONAGEO_SKIP_DEEPSPEED_TESTS=1 skips the 2-rank ZeRO-3 CPU test")]


def test_zero3_two_ranks_cpu(tmp_path):
    pytest.importorskip("deepspeed")
    worker = Path(__file__).with_name("ds_worker.py")
    env = {**os.environ, "DS_ACCELERATOR": "cpu", "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
         str(worker), str(tmp_path)],  # --standalone: a free rendezvous port, no fixed one
        env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "terminate called" not in proc.stderr  # the process group is torn down before exit
    man = json.loads((tmp_path / "result.json").read_text())
    assert (man["world_size"], man["effective_batch"], man["optimizer_steps"]) == (2, 4, 2)
    assert man["weight_norms"]["global_l2"] > 0
    from personageo.modeling import load_model_and_tokenizer

    model, tok = load_model_and_tokenizer({"name": str(tmp_path / "runs" / man["checkpoint"])})
    assert tok.eos_token == "<|im_end|>" and model.config.num_hidden_layers == 2
