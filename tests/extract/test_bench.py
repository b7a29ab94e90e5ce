"""bench/extract_bench.py runs end to end on CPU with --tiny (no timing assertions)."""

from __future__ import annotations

import importlib.util
import json

from tests.reference import REPO


def test_tiny_bench_prints_one_json_line(capsys):
    spec = importlib.util.spec_from_file_location("extract_bench",
                                                  REPO / "bench" / "extract_bench.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    result = bench.main(["--tiny"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and json.loads(lines[0]) == result
    assert result["prompts"]["n"] == 12
    assert 45 <= result["prompts"]["min_tokens"] <= result["prompts"]["max_tokens"] <= 90
    assert [r["attention"] for r in result["method_a"]] == ["grouped", "sdpa"]
    assert all(r["vectors_shape"] == [12, 4, 64] for r in result["method_a"])
    assert result["baseline"]["prompts_timed"] == 12
    assert [r["variant"] for r in result["method_b"]] == \
        ["dynamic:sdpa", "dynamic:grouped", "static:grouped"]
    for row in result["method_b"]:
        assert "error" not in row, row
        assert 0 < row["generated_tokens"] <= 8 * 4
    assert result["summary"]["method_a_target_met"] is None
