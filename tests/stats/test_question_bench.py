"""bench/question_bench.py runs `personageo analyze` end to end at a tiny size (no timing
assertions): stage timings parsed, results compared across backends."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.reference import REPO


@pytest.mark.slow
def test_tiny_bench_times_analyze_per_stage_and_compares_backends(tmp_path):
    out = tmp_path / "bench.json"
    env = dict(os.environ, PYTHONPATH=str(REPO), CUDA_VISIBLE_DEVICES="")
    res = subprocess.run(
        [sys.executable, str(REPO / "bench" / "question_bench.py"), "--dim", "16", "--n-perm",
         "60", "--layers", "1", "--backends", "float64,float32", "--json", str(out)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=900)
    assert res.returncode == 0, res.stdout + res.stderr
    doc = json.loads(out.read_text())
    assert doc["cells"] == 8 and doc["identical_b_p_significance"] is True
    assert doc["largest_interval_bound_difference"] == 0.0  # same bootstrap code on the host
    for backend in ("float64", "float32"):
        stages = doc["stages_s"][backend]
        assert {"load", "bootstrap", "measurements", "test", "compare", "write"} <= set(stages)
        assert "gpu_init" not in stages  # no CUDA device: nothing moved to a GPU
        assert all(v >= 0 for v in stages.values())
    assert "every cell's b, p_adjusted and significance identical across backends: True" in (
        res.stdout)
