"""The long fuzz campaign behind ``make fuzz``: mutated bodies through lint and mutated results
files through load/verify/lint (a sample also rendered), counting tracebacks and hangs.

Every input that raises anything but a located ``PersonageoError``, or runs past
``--hang-after`` seconds, is saved under ``bench/fuzz_corpus/`` (kept: it is the regression
corpus) with its traceback; ``--record`` appends a row to ``bench/RESULTS.md``.

    python bench/fuzz_campaign.py --bodies 8000 --results 2500 --renders 20 --record
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import signal
import sys
import tempfile
import time
import traceback
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.fuzz.mutate import mutate_results, mutate_text, seed_bodies  # noqa: E402
from tests.fuzz.oracles import lint_outcome, results_outcome  # noqa: E402

CORPUS = REPO / "bench" / "fuzz_corpus"
REFERENCE = REPO.parent / "shared" / "reference"


class Hang(Exception):
    pass


def _expire(signum, frame):
    raise Hang()


def _run(kind: str, index: int, text: str, check, hang_after: float, stats: dict) -> None:
    stats["inputs"] += 1
    if stats["inputs"] % 500 == 0:
        print(f"  {stats['inputs']:,} inputs, {stats['tracebacks']} tracebacks, "
              f"{stats['hangs']} hangs", file=sys.stderr, flush=True)
    signal.signal(signal.SIGALRM, _expire)
    signal.setitimer(signal.ITIMER_REAL, hang_after)
    started = time.perf_counter()
    try:
        outcome = check()
        stats["outcomes"][outcome] = stats["outcomes"].get(outcome, 0) + 1
    except Hang:
        stats["hangs"] += 1
        _save(kind, index, text, f"hang: over {hang_after} s")
    except Exception:  # noqa: BLE001 - counting them is the point
        stats["tracebacks"] += 1
        _save(kind, index, text, traceback.format_exc())
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        stats["slowest"] = max(stats["slowest"], time.perf_counter() - started)


def _save(kind: str, index: int, text: str, why: str) -> None:
    CORPUS.mkdir(parents=True, exist_ok=True)
    stem = CORPUS / f"{kind}_{index:06d}"
    stem.with_suffix(".input").write_text(text, encoding="utf-8", errors="surrogatepass")
    stem.with_suffix(".why.txt").write_text(why, encoding="utf-8")
    print(f"  {kind} #{index}: {why.strip().splitlines()[-1]}", file=sys.stderr)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bodies", type=int, default=8000)
    ap.add_argument("--results", type=int, default=2500)
    ap.add_argument("--renders", type=int, default=20)
    ap.add_argument("--seed", type=int, default=20261202)
    ap.add_argument("--hang-after", type=float, default=20.0)
    ap.add_argument("--record", action="store_true", help="append a row to bench/RESULTS.md")
    args = ap.parse_args()
    os.environ.setdefault("MPLBACKEND", "Agg")
    seeds = seed_bodies(REFERENCE if REFERENCE.is_dir() else None)
    demo = str(REPO / "eval_results" / "issue_1" / "run_result.json")
    from tests.builders import toy as toy_run

    toy = toy_run()
    body = (REPO / "tests" / "lint" / "fixtures" / "v2_good.md").read_text(encoding="utf-8")
    stats = {"inputs": 0, "tracebacks": 0, "hangs": 0, "slowest": 0.0, "outcomes": {}}
    rng = random.Random(args.seed)
    t0 = time.perf_counter()
    for i in range(args.bodies):
        seed = seeds[rng.randrange(len(seeds))]
        size = rng.choice([300, 2000, len(seed)])
        start = rng.randint(0, max(0, len(seed) - size))
        text = mutate_text(seed[start:start + size], rng)
        with_results = (demo,) if i % 50 == 0 else ()
        _run("body", i, text, lambda t=text, r=with_results: lint_outcome(t, r),
             args.hang_after, stats)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for i in range(args.results):
            text = mutate_results(toy, rng)
            render_root = root if i < args.renders else None
            _run("results", i, text,
                 lambda t=text, r=render_root: results_outcome(t, root / "r.json", body, r),
                 args.hang_after, stats)
    wall = time.perf_counter() - t0
    print(json.dumps({**stats, "wall_s": round(wall, 1)}, indent=1))
    if args.record:
        load = os.getloadavg()[0]
        row = (f"| {date.today().isoformat()} | `python bench/fuzz_campaign.py --bodies "
               f"{args.bodies} --results {args.results} --renders {args.renders} --record` | "
               f"{platform.machine()} {os.cpu_count()}-core CPU shared with other jobs "
               f"(load avg {load:.1f}) | {stats['inputs']:,} inputs ({args.bodies:,} mutated "
               f"bodies through lint, 1 in 50 with results; {args.results:,} mutated results "
               f"files through load/verify/lint, {args.renders} rendered): "
               f"{stats['tracebacks']} tracebacks, {stats['hangs']} hangs (> "
               f"{args.hang_after:g} s); slowest input {stats['slowest']:.1f} s; "
               f"{wall / 60:.1f} min wall | target 0 / 0 | crashers kept in "
               f"`bench/fuzz_corpus/` |\n")
        with open(REPO / "bench" / "RESULTS.md", "a", encoding="utf-8") as fh:
            fh.write(row)
    return 1 if stats["tracebacks"] or stats["hangs"] else 0


if __name__ == "__main__":
    sys.exit(main())
