#!/usr/bin/env bash
# One device call for issue 16: the fused engine's GPU equality tests, then bench/extract_bench.py
# (personageo extract on a random Qwen2.5-7B-shaped model beside the original-style loop and the
# previous defaults). Every part has its own time limit and a failure in one does not stop the
# others; everything goes to $OUT/log, the bench's JSON (written after every stage) to
# $OUT/bench.json.
#
#   OUT=/tmp/out bash bench/extract_device_run.sh [TEST_S] [BENCH_S] [extra bench arguments]
# (TEST_S 0 skips the tests)
set -u
OUT=${OUT:-/tmp/extract-device}
mkdir -p "$OUT"
TEST_S=${1:-120}
BENCH_S=${2:-300}
shift 2 2>/dev/null || shift $#
{
  echo "== $(date -u +%FT%TZ) device"
  nvidia-smi --query-gpu=name,memory.used,memory.total,clocks.sm,clocks.mem,temperature.gpu \
    --format=csv
  python3 -c "import torch, transformers; print('torch', torch.__version__, 'transformers', \
transformers.__version__, 'cuda', torch.version.cuda)"
  if [ "$TEST_S" != 0 ]; then
    echo "== $(date -u +%FT%TZ) GPU equality tests (limit ${TEST_S} s)"
    PERSONAGEO_GPU_TESTS=1 timeout "$TEST_S" python3 -m pytest -q -p no:cacheprovider -x \
      tests/extract/test_fused_gpu.py 2>&1 | tail -60
    echo "tests rc=${PIPESTATUS[0]}"
  fi
  echo "== $(date -u +%FT%TZ) bench/extract_bench.py (limit ${BENCH_S} s)"
  timeout "$BENCH_S" python3 bench/extract_bench.py --root /tmp/xb --out "$OUT/bench.json" \
    --repeats 2 --baseline-limit 100 "$@" > "$OUT/bench_stdout.txt" 2> "$OUT/bench_stderr.txt"
  echo "bench rc=$?"
  tail -c 3000 "$OUT/bench_stderr.txt"
  python3 - "$OUT/bench.json" <<'PY'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception as exc:  # the bench died before its first stage
    sys.exit(f"no bench JSON: {exc}")
for k, v in d.items():
    if isinstance(v, dict):
        v = {a: b for a, b in v.items() if a != "traceback"}
    print(k, json.dumps(v)[:900])
PY
  echo "== $(date -u +%FT%TZ) end"
} 2>&1 | tee "$OUT/log"
