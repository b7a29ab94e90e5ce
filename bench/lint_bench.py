"""Benchmark: lint a ~30 KB body against a ~50 KB results file, wall time incl. interpreter start.

Inputs (built untimed in a temporary directory): the published issue-238 write-up padded with
copies of its own tables to >= 30 KB, and two results files — the legacy issue-238 JSON (47 KB,
imported on load) and its schema-v1 export (88 KB). Each case is a fresh interpreter:

* ``numbers-legacy`` -- ``check_numbers`` on the body with the legacy file (import included);
* ``numbers-v1``     -- the same with the v1 file;
* ``cli``            -- ``personageo lint BODY --results v1.json --format json`` (all rules);
* ``reference``      -- the tracker's current check, re-implemented: every ``\\d+\\.\\d+`` of the
  body searched as a substring of the JSON text (no binding, no positions).

Prints median wall times over ``--repeats`` runs and the ratio numbers-v1 / reference.
``--record`` appends a row to bench/RESULTS.md.

Usage: ``.venv/bin/python bench/lint_bench.py [--repeats 7] [--record]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REF = ROOT / ".." / "shared" / "reference" / "issue_238"
PY = sys.executable

NUMBERS = """
import sys
from personageo.schema import load_run_result
from personageo.lint.numbers import check_numbers
body = open(sys.argv[1], encoding="utf-8").read()
rep = check_numbers(body, results=[(sys.argv[2], load_run_result(sys.argv[2]))])
print(len(rep.claims), rep.count("verified"), rep.count("contradicted"), rep.count("unbound"))
"""

REFERENCE = """
import re, sys
body = open(sys.argv[1], encoding="utf-8").read()
blob = open(sys.argv[2], encoding="utf-8").read()
missing = [m for m in re.findall(r"\\d+\\.\\d+", body) if m.rstrip("0").rstrip(".") not in blob]
print(len(missing))
"""


def _inputs(tmp: Path) -> tuple[Path, Path, Path]:
    from personageo.schema import load_run_result, run_result_json

    text = (REF / "published_writeup.txt").read_text(encoding="utf-8")
    tables = text[text.index("M1 deltas at the flagship"):text.index("Standing caveats")]
    while len(text.encode()) < 30_000:
        text += "\n\n" + tables
    body = tmp / "body.md"
    body.write_text(text, encoding="utf-8")
    v1 = tmp / "run_result.json"
    v1.write_text(run_result_json(load_run_result(REF / "run_result.json")), encoding="utf-8")
    return body, REF / "run_result.json", v1


def _time(cmd: list[str], repeats: int) -> tuple[float, float, str]:
    """Median wall time and median CPU time (user + sys of the child) of ``cmd``."""
    times, cpus, out = [], [], ""
    for _ in range(repeats):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT,
                              env={**os.environ, "NO_COLOR": "1"})
        times.append(time.perf_counter() - t0)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
        out = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr[-200:]
    return statistics.median(times), statistics.median(cpus), out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--record", action="store_true", help="append a row to bench/RESULTS.md")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        body, legacy, v1 = _inputs(Path(d))
        sizes = (f"body {body.stat().st_size / 1000:.1f} KB, legacy {legacy.stat().st_size / 1000:.1f}"
                 f" KB, v1 {v1.stat().st_size / 1000:.1f} KB")
        cli = [str(Path(PY).parent / "personageo"), "lint", str(body), "--results", str(v1),
               "--format", "json"]
        cases = {
            "numbers-legacy": [PY, "-c", NUMBERS, str(body), str(legacy)],
            "numbers-v1": [PY, "-c", NUMBERS, str(body), str(v1)],
            "cli": cli,
            "reference": [PY, "-c", REFERENCE, str(body), str(v1)],
        }
        res = {name: _time(cmd, args.repeats) for name, cmd in cases.items()}
    print(sizes)
    for name, (t, cpu, out) in res.items():
        print(f"{name:15s} wall {t:.3f} s  cpu {cpu:.3f} s   ({out[:60]})")
    print(f"load average: {os.getloadavg()[0]:.1f}")
    ratio = res["numbers-v1"][0] / res["reference"][0]
    print(f"numbers-v1 / reference: {ratio:.1f}x")
    if args.record:
        _record(res, ratio, sizes, args)
    return 0


def _record(res, ratio, sizes, args) -> None:
    path = Path(__file__).resolve().parent / "RESULTS.md"
    if not path.exists():
        path.write_text(
            "# Benchmark results\n\nOne row per run: date, exact command, machine, numbers "
            "(medians), ratio vs a reference implementation measured in the same run.\n\n"
            "| date | command | machine | numbers (median wall) | ratio | notes |\n"
            "|---|---|---|---|---|---|\n"
        )
    cmd = "`.venv/bin/python bench/lint_bench.py " + " ".join(sys.argv[1:]) + "`"
    numbers = "; ".join(f"{k} {t:.3f} s (cpu {c:.3f} s)" for k, (t, c, _) in res.items())
    numbers += f" (n={args.repeats}, load avg {os.getloadavg()[0]:.1f})"
    row = (f"| {dt.date.today().isoformat()} | {cmd} | 2-core CPU shared with other jobs | "
           f"{numbers} | numbers-v1/reference {ratio:.1f}x | lint incl. interpreter start; "
           f"{sizes} |\n")
    with path.open("a", encoding="utf-8") as fh:
        fh.write(row)


if __name__ == "__main__":
    raise SystemExit(main())
