"""Benchmark: does `personageo lint` catch every wrong edit of a number, with only the results?

Bodies (built untimed in a temporary directory):

* ``demo``  -- ``reports/issue_1.md`` rendered from the shipped results and narrative;
* ``238``   -- the issue-238 body rendered from ``../shared/reference/issue_238/run_result.json``
  with the issue-205 baseline and the test narrative (skipped without ``../shared/reference``);
* ``corpus`` -- the hand-written bodies of ``tests/lint/corpus/`` with their case files (skipped
  cleanly while the corpus does not exist).

For each body the tracker copy (CRLF, trailing spaces stripped) is linted as the CI does: the
product's engine (`personageo lint` without ``--claims``: the body's own bindings, or for
hand-written bodies their context) with only the results files. Reported:

* ``caught``: wrong edits (``tests/lint/numbers/mutate.py``: last digit, x10, sign, another
  number's text; several per body copy, one per line) reported as PG101/PG104 errors at the edited
  number; of rendered numbers (target 100 %) and of the corpus's verified numbers (target 95 %);
* ``false``: PG101 errors on unedited numbers of the edited copies and of the clean bodies;
* ``unbound``: PG102 findings of the clean body;
* sizes: body characters vs GitHub's 65,536 limit, of which binding table and inline keys;
* wall time of ``personageo lint BODY --results R [--results B] --format json`` in a fresh
  interpreter (the ``238`` body, whose two results files are ~155 KB), median of ``--repeats``,
  next to two peers measured in the same run: ``--structure-only`` (no number check) and the
  same body with its bindings removed (numbers bound from context, as a hand-written body).

Usage: ``.venv/bin/python bench/lint_mutation_bench.py [--edits 400] [--repeats 5] [--record]``
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
sys.path.insert(0, str(ROOT))
REFERENCE = ROOT.parent / "shared" / "reference"
R238 = REFERENCE / "issue_238" / "run_result.json"
R205 = REFERENCE / "issue_205" / "run_result.json"
DEMO_RESULTS = ROOT / "eval_results" / "issue_1" / "run_result.json"
CORPUS = ROOT / "tests" / "lint" / "corpus"
FAKE_SHA = "189a247" + "0" * 33


def _render(root: Path, issue: int, results: Path, baseline: Path | None, narrative: Path):
    from personageo.report import PublishTarget, render

    (root / "reports").mkdir(parents=True)
    return render(PublishTarget(issue=issue, root=root, results=results, baseline=baseline,
                                narrative=narrative, repo="acme/research", commit=FAKE_SHA))


def _lint(text: str, results: list[Path]):
    from personageo.lint.engine import LintOptions, lint_text

    return lint_text(text, "body.md", LintOptions(results=tuple(str(p) for p in results)))


def _errors(result, rule: str):
    return [v for v in result.violations if v.rule == rule]


def _sizes(body: str) -> dict:
    from personageo.schema.bindings import strip_keys

    table = sum(len(ln) + 1 for ln in body.split("\n") if "personageo:bindings" in ln)
    return {"chars": len(body), "table": table, "keys": len(body) - len(strip_keys(body)),
            "limit_pct": 100 * len(body) / 65536}


def rendered_case(name: str, rendered, results: list[Path], edits: int) -> dict:
    from tests.lint.numbers.mutate import batches, mutations, tracker_copy

    clean = _lint(tracker_copy(rendered.body), results)
    out = {"name": name, **_sizes(rendered.body), "numbers": len(rendered.sidecar.claims),
           "clean_false": len(_errors(clean, "PG101")), "unbound": len(_errors(clean, "PG102")),
           "status": clean.status}
    muts = mutations(rendered.body, rendered.sidecar, edits, seed=12)
    caught, false, by_kind = 0, 0, {}
    for body, chosen in batches(rendered.body, muts):
        result = _lint(body, results)
        hits = [v for v in result.errors if v.rule in ("PG101", "PG104")]
        for m in chosen:
            ok = any(v.line == m.line and m.col <= v.col < m.col + len(m.new) for v in hits)
            caught += ok
            k = by_kind.setdefault(m.kind, [0, 0])
            k[0] += ok
            k[1] += 1
        edited = {m.line for m in chosen}
        false += sum(1 for v in hits if v.rule == "PG101" and v.line not in edited)
    out.update(edits=len(muts), caught=caught, false=false, by_kind=by_kind)
    return out


def corpus_case(edits: int, corpus: Path = CORPUS) -> dict | None:
    import yaml

    from tests.lint.numbers.mutate import Mutation, _wrong, batches, tracker_copy

    cases = sorted(corpus.glob("*.yaml")) if corpus.is_dir() else []
    if not cases:
        return None
    totals = {"name": "corpus", "bodies": 0, "numbers": 0, "false": 0, "unbound": 0,
              "missed_planted": 0, "edits": 0, "caught": 0}
    per_body = max(1, edits // len(cases))
    for case in cases:
        data = yaml.safe_load(case.read_text(encoding="utf-8"))
        body = (corpus / data["body"]).read_text(encoding="utf-8")
        results = [REFERENCE / r.removeprefix("@reference/") if r.startswith("@reference/")
                   else ROOT / r.removeprefix("@repo/") for r in data["results"]]
        if not all(p.is_file() for p in results):
            continue
        clean = _lint(tracker_copy(body), results)
        contra = {(v.line, v.col) for v in _errors(clean, "PG101")}
        expected = {(row[0], row[1]): row for row in data["numbers"]}
        totals["bodies"] += 1
        totals["numbers"] += len(expected)
        totals["false"] += sum(1 for pos in contra
                               if expected.get(pos, (0, 0, "", "x"))[3] != "contradicted")
        totals["missed_planted"] += sum(1 for pos, row in expected.items()
                                        if row[3] == "contradicted" and pos not in contra)
        totals["unbound"] += len(_errors(clean, "PG102"))
        # edits of the numbers the case says are verified (and state a quantity)
        from personageo.numfmt import parse_number
        from tests.lint.numbers import mutate as M
        muts = []
        for line, col, text, outcome, *scope in data["numbers"]:
            if outcome != "verified" or scope or not M._NUMBER.fullmatch(text):
                continue
            value = parse_number(text).value
            for kind, fn in (("digit", M._digit), ("x10", M._x10), ("sign", M._sign)):
                new = fn(text)
                if new != text and _wrong(value, new):
                    muts.append(Mutation(kind, line, col, text, new))
        muts = muts[:per_body]
        for edited, chosen in batches(body, muts):
            result = _lint(edited, results)
            hits = [v for v in result.errors if v.rule == "PG101"]
            for m in chosen:
                totals["caught"] += any(v.line == m.line and m.col <= v.col < m.col + len(m.new)
                                        for v in hits)
            totals["edits"] += len(chosen)
    return totals


def _time_cli(args: list[str], repeats: int) -> tuple[float, float]:
    """(median wall, median CPU user+sys) of ``personageo lint ARGS`` in a fresh interpreter."""
    walls, cpus = [], []
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "personageo.cli.main", "lint", *args,
                        "--format", "json"], env=env, capture_output=True, check=False)
        walls.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def timing(body238: str, tmp: Path, repeats: int) -> dict:
    from personageo.schema.bindings import strip_keys

    body = tmp / "issue_238.md"
    body.write_text(body238, encoding="utf-8")
    bare = tmp / "bare_238.md"
    bare.write_text("\n".join(ln for ln in strip_keys(body238).split("\n")
                              if "personageo:bindings" not in ln), encoding="utf-8")
    res = ["--results", str(R238), "--results", str(R205)]
    return {"body_kb": len(body238.encode()) / 1024,
            "results_kb": (R238.stat().st_size + R205.stat().st_size) / 1024,
            "bindings": _time_cli([str(body), *res], repeats),
            "structure_only": _time_cli([str(body), "--structure-only"], repeats),
            "no_bindings": _time_cli([str(bare), *res], repeats)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--edits", type=int, default=400, help="edits per body (default 400)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--record", action="store_true", help="append a row to bench/RESULTS.md")
    ap.add_argument("--corpus", type=Path, default=CORPUS, help=argparse.SUPPRESS)
    args = ap.parse_args()
    rows, timed = [], None
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        demo = _render(tmp / "demo", 1, DEMO_RESULTS, None, ROOT / "reports" /
                       "issue_1.narrative.md")
        rows.append(rendered_case("demo", demo, [DEMO_RESULTS], args.edits))
        if R238.is_file() and R205.is_file():
            r238 = _render(tmp / "r238", 238, R238, R205,
                           ROOT / "tests" / "report" / "data" / "issue_238.narrative.md")
            rows.append(rendered_case("238", r238, [R238, R205], args.edits))
            timed = timing(r238.body, tmp, args.repeats)
        corpus = corpus_case(args.edits, args.corpus)
    lines = []
    for r in rows:
        kinds = ", ".join(f"{k} {a}/{b}" for k, (a, b) in sorted(r["by_kind"].items()))
        lines.append(f"{r['name']}: {r['caught']}/{r['edits']} edits caught ({kinds}); "
                     f"{r['false']} false contradiction(s) in edited copies, {r['clean_false']} "
                     f"in the clean body; {r['unbound']} unbound; clean status {r['status']}; "
                     f"body {r['chars']:,} chars ({r['limit_pct']:.0f} % of 65,536; binding "
                     f"table {r['table']:,}, inline keys {r['keys']:,}), {r['numbers']} numbers")
    if corpus is None:
        lines.append("corpus: tests/lint/corpus/ not present: skipped")
    else:
        lines.append(f"corpus: {corpus['bodies']} bodies, {corpus['numbers']} numbers: "
                     f"{corpus['caught']}/{corpus['edits']} edits of verified numbers caught; "
                     f"{corpus['false']} false contradiction(s); {corpus['missed_planted']} "
                     f"planted error(s) missed; {corpus['unbound']} unbound")
    if timed:
        def fmt(key):
            wall, cpu = timed[key]
            return f"{wall:.3f} s (cpu {cpu:.3f} s)"
        lines.append(f"lint wall (fresh interpreter, median of {args.repeats}): body "
                     f"{timed['body_kb']:.1f} KB vs results {timed['results_kb']:.0f} KB: "
                     f"with bindings {fmt('bindings')}; peers: --structure-only "
                     f"{fmt('structure_only')}, bindings removed {fmt('no_bindings')}")
    print("\n".join(lines))
    if args.record:
        load = os.getloadavg()[0]
        cmd = f"`.venv/bin/python bench/lint_mutation_bench.py --edits {args.edits} " \
              f"--repeats {args.repeats} --record`"
        ratio = (f"bindings/structure-only {timed['bindings'][0] / timed['structure_only'][0]:.2f}x"
                 f", bindings/no-bindings {timed['bindings'][0] / timed['no_bindings'][0]:.2f}x "
                 "(wall)" if timed else "n/a")
        row = (f"| {dt.date.today()} | {cmd} | 2-core CPU shared with other jobs (load avg "
               f"{load:.1f}) | {'; '.join(lines)} | {ratio} | tracker copies (CRLF, trailing "
               "spaces stripped), only --results |\n")
        with open(ROOT / "bench" / "RESULTS.md", "a", encoding="utf-8") as fh:
            fh.write(row)


if __name__ == "__main__":
    main()
