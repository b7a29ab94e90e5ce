"""DeepSpeed ZeRO-3 through the Trainer on the CPU: 2 gloo ranks, tiny model, 2 steps.

About a minute on a 2-core machine; skip it with ``PERSONAGEO_SKIP_DEEPSPEED_TESTS=1``.
"""

import json
import os

import pytest

from tests.train.conftest import torchrun_cpu

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    os.environ.get("PERSONAGEO_SKIP_DEEPSPEED_TESTS") == "1",
    reason="PERSONAGEO_SKIP_DEEPSPEED_TESTS=1 skips the 2-rank ZeRO-3 CPU test")]


def test_zero3_two_ranks_cpu(tmp_path):
    torchrun_cpu("ds_worker.py", str(tmp_path), timeout=900)
    man = json.loads((tmp_path / "result.json").read_text())
    assert (man["world_size"], man["effective_batch"], man["optimizer_steps"]) == (2, 4, 2)
    assert man["weight_norms"]["global_l2"] > 0
    from personageo.modeling import load_model_and_tokenizer

    model, tok = load_model_and_tokenizer({"name": str(tmp_path / "runs" / man["checkpoint"])})
    assert tok.eos_token == "<|im_end|>" and model.config.num_hidden_layers == 2
