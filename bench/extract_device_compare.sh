#!/usr/bin/env bash
# One device call (issue 16, 2026-12-03): the GPU tests of tests/extract, then
# bench/extract_bench.py at this tree (Method A, B,BC, B alone, equality), then the same bench at
# an older tree in BASE (default: base/, e.g. `git archive COMMIT personageo bench | tar -x -C
# base`) with --no-equality --repeats 1, on the same card. Output: $OUT/log (summary),
# $OUT/tests.txt, $OUT/new.json, $OUT/old.json and the benches' stderr.
#   OUT=/tmp/o bash bench/extract_device_compare.sh     (env: TESTS=0, OLD=0, NEW_S, OLD_S)
set -u
OUT=${OUT:-/tmp/extract-compare}; mkdir -p "$OUT"; log=$OUT/log; BASE=${BASE:-base}
{ date -u +%FT%TZ; nvidia-smi --query-gpu=name,clocks.sm,clocks.mem,temperature.gpu --format=csv
  python3 -c "import torch,transformers;print('torch',torch.__version__,'transformers',\
transformers.__version__,'cuda',torch.version.cuda)"; } 2>&1 | tee "$log"
if [ "${TESTS:-1}" = 1 ]; then
  echo "== $(date -u +%T) GPU tests" | tee -a "$log"
  PERSONAGEO_GPU_TESTS=1 timeout 130 python3 -m pytest -q -p no:cacheprovider -p no:logging \
    --tb=short -m gpu tests/extract > "$OUT/tests.txt" 2>&1
  grep -E '^(E |FAILED|ERROR)|passed|failed' "$OUT/tests.txt" | head -30 | tee -a "$log"
fi
echo "== $(date -u +%T) bench (this tree)" | tee -a "$log"
timeout "${NEW_S:-270}" python3 bench/extract_bench.py --root /tmp/xb --out "$OUT/new.json" \
  --no-baseline --no-plain --repeats 2 > /dev/null 2> "$OUT/new_stderr.txt"
echo "new rc=$?" | tee -a "$log"
if [ "${OLD:-1}" = 1 ] && [ -d "$BASE" ]; then
  echo "== $(date -u +%T) bench ($BASE)" | tee -a "$log"
  (cd "$BASE" && PYTHONPATH=$PWD:${PYTHONPATH#*:} timeout "${OLD_S:-140}" python3 \
    bench/extract_bench.py --root /tmp/xb0 --out "$OUT/old.json" --no-baseline --no-plain \
    --no-equality --repeats 1 > /dev/null 2> "$OUT/old_stderr.txt"; echo "old rc=$?") \
    | tee -a "$log"
fi
python3 - "$OUT/new.json" "$OUT/old.json" <<'PY' 2>&1 | tee -a "$log"
import json, sys
for f in sys.argv[1:]:
    try:
        d = json.load(open(f))
    except Exception as e:
        print(f, "missing", e)
        continue
    print("###", f)
    for k, v in d.items():
        if isinstance(v, dict):
            v = {a: b for a, b in v.items() if a != "traceback"}
        print(k, json.dumps(v)[:1200])
PY
