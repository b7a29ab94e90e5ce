"""bench/extract_bench.py runs end to end on CPU with --tiny (no timing assertions)."""

from __future__ import annotations

import importlib.util
import json

from tests.reference import REPO


def test_tiny_bench_runs_the_cli_and_checks_equality(capsys, tmp_path):
    spec = importlib.util.spec_from_file_location("extract_bench",
                                                  REPO / "bench" / "extract_bench.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    result = bench.main(["--tiny", "--root", str(tmp_path / "exp")])
    lines = capsys.readouterr().out.strip().splitlines()
    assert json.loads(lines[-1]) == result
    assert result["prompts"]["n"] == 12
    assert 45 <= result["prompts"]["min_tokens"] <= result["prompts"]["max_tokens"] <= 90
    for key in ("method_a_first_call", "method_a_warm"):
        row = result[key]
        assert row["engine"] == "fused" and row["computed"] == 12, row
        assert {"forward_s", "copy_s", "store_tail_s", "warmup_s", "load_s"} <= set(row)
        assert row["method_a_s"] == round(row["method_s"], 3) >= row["forward_s"] > 0
    assert result["plain_method_a"]["engine"] == "transformers"
    b = result["method_b"]
    assert "error" not in b, b
    assert b["engine"] == "fused" and b["batches"] == [12]
    assert 0 < b["generated_tokens"] <= 12 * (4 + 1)
    alone = result["method_b_alone"]
    assert "error" not in alone and alone["batches"] == [12] and "store_bc_tail_s" not in alone
    assert alone["generated_tokens"] == b["generated_tokens"]
    assert b["decode_attention"].startswith("padding mask")  # CPU: the masked reference
    for key in ("method_a_first_call", "method_a_warm"):
        assert result[key]["pct_of_matmul_full_prompts"] > 0
    eq = result["equality"]
    assert eq["ok"] and eq["answers_equal_first_tokens"]["equal"] == 12, eq
    assert (tmp_path / "exp/activations/base/BC/manifest.json").exists()
    assert result["summary"]["method_a_target_met"] is None
