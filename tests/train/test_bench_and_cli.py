"""The GPU benchmark's CPU smoke mode, and the ``personageo train`` command."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from .conftest import tiny_config

ROOT = Path(__file__).resolve().parents[2]


def _bench(mode):
    env = {**os.environ, "DS_ACCELERATOR": "cpu"}
    env.pop("MASTER_PORT", None)  # the lone process picks a free port
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "train_bench.py"), "--tiny", "--mode", mode,
         "--steps", "1", "--warmup", "1", "--samples-per-step", "4", "--median-len", "24"],
        env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads([ln for ln in proc.stdout.splitlines() if ln.startswith("{")][-1])


@pytest.mark.slow
def test_bench_tiny_runs_both_recipes_with_the_same_loss():
    pytest.importorskip("deepspeed")
    orig, ours = _bench("original"), _bench("personageo")
    assert (orig["per_device_batch"], orig["grad_accum"], orig["packing"]) == (1, 4, False)
    assert (ours["per_device_batch"], ours["grad_accum"], ours["packing"]) == (4, 1, True)
    for out in (orig, ours):
        assert out["samples_per_step"] == 4 and len(out["losses"]) == 2
        assert out["s_per_step_median"] > 0 and out["tokens_per_s_per_gpu"] > 0
    # same weights, same tokens, same loss definition: the step losses agree (bf16 noise),
    # the second one only if the first step's gradients agreed too
    assert ours["losses"] == pytest.approx(orig["losses"], abs=2e-3)


def test_cli_dry_run_lists_checkpoints(tmp_path):
    from personageo.cli.train import command

    cfg = tiny_config(tmp_path)
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump(cfg.model_dump(mode="json")), encoding="utf-8")
    res = CliRunner().invoke(command, [str(path), "--dry-run", "--format", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output) == [{"condition": "full", "seed": 1, "checkpoint": "full-s1"}]
    res = CliRunner().invoke(command, [str(path), "--condition", "nope", "--dry-run"])
    assert res.exit_code == 2 and "nope" in res.output


def test_cli_trains_then_skips(tmp_path):
    from personageo.cli.train import command

    cfg = tiny_config(tmp_path, steps=2)
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump(cfg.model_dump(mode="json")), encoding="utf-8")
    args = [str(path), "--runs-dir", str(tmp_path / "runs")]
    res = CliRunner().invoke(command, args)
    assert res.exit_code == 0, res.output
    assert "full-s1: 2 steps" in res.output
    res = CliRunner().invoke(command, args + ["--format", "json"])
    assert json.loads(res.output[res.output.index("["):])[0]["skipped"] is True
