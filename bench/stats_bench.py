"""Benchmark: 40 tested cells + 40 ratios, n_perm = 10000, BH and verdicts, end to end from files.

Generates a synthetic issue-238-shaped input set in a temporary directory (untimed), then times:

* ``vectorised``  -- personageo.stats: read the files, pair sign-flip test of all 40 cells
  (default mode: per-cell seeds, p = (b+1)/(n+1)), BH, significance, 40 ratios, 4 verdicts,
  write a summary JSON;
* ``legacy``      -- the same with ``legacy=True`` (the original's re-seeding and b/n) and the
  original running-max BH;
* ``loop``        -- a straightforward per-cell Python-loop implementation of the original test
  (re-seed 42 per cell, one ``rng.choice`` per permutation), its running-max BH and votes;
* ``question``    -- the question-level test on 12 personas x 240 questions x dim 64 per cell
  (40 cells, n_perm = 10000) from per-question vector files, then BH.

Prints the median wall time of each over ``--repeats`` runs and the loop/vectorised ratio, and
checks the two implementations agree (p within Monte-Carlo error, same significance, same
verdicts). ``--record`` appends a row to bench/RESULTS.md.

Usage: ``.venv/bin/python bench/stats_bench.py [--repeats 7] [--loop-repeats 3] [--record]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from personageo.files import atomic_write_json
from personageo.stats import (
    adjust_pvalues,
    cosine_matrix,
    offdiag,
    pair_signflip_test_many,
    question_test,
    reject,
    vote,
)

METHODS = ("A", "B")
LAYERS = (7, 14, 17, 21, 27)
CONDITIONS = (("em", 2e-5), ("em", 1e-4), ("benign", 2e-5), ("benign", 1e-4))
N_PERSONAS, N_QUESTIONS, DIM, N_PERM, ALPHA = 12, 240, 64, 10000, 0.01


# --------------------------------------------------------------------------- synthetic input files
def make_inputs(root: Path, seed: int = 0) -> None:
    """Write cells.json, baseline.json, pairs/<cell>.npz and vectors/<...>.npy under ``root``."""
    rng = np.random.default_rng(seed)
    (root / "pairs").mkdir()
    (root / "vectors").mkdir()
    cells, baseline = [], {}
    for method in METHODS:
        for layer in LAYERS:
            direction = rng.normal(size=DIM)
            base = rng.normal(size=(N_PERSONAS, N_QUESTIONS, DIM)) + direction
            base_id = f"base_{method}_L{layer}"
            np.save(root / "vectors" / f"{base_id}.npy", base.astype(np.float32))
            base_pairs = offdiag(cosine_matrix(base.mean(axis=1)))
            for data_type, lr in CONDITIONS:
                cell = f"M1_{method}_L{layer}_{data_type}_{lr:g}"
                pull = rng.choice([0.0, 0.02, 0.1, 0.4])  # some cells null, some strong
                post = base + pull * direction + rng.normal(0, 0.3, size=base.shape)
                np.save(root / "vectors" / f"{cell}.npy", post.astype(np.float32))
                post_pairs = offdiag(cosine_matrix(post.mean(axis=1)))
                np.savez(root / "pairs" / f"{cell}.npz", base=base_pairs, post=post_pairs)
                cells.append(
                    {
                        "id": cell,
                        "method": method,
                        "layer": layer,
                        "data_type": data_type,
                        "lr": lr,
                        "base": base_id,
                    }
                )
                baseline[cell] = float(
                    rng.uniform(0.2, 1.2) * max(1e-3, np.mean(post_pairs - base_pairs))
                )
    (root / "cells.json").write_text(json.dumps(cells))
    (root / "baseline.json").write_text(json.dumps(baseline))


def _read_pairs(root: Path):
    cells = json.loads((root / "cells.json").read_text())
    baseline = json.loads((root / "baseline.json").read_text())
    base, post = [], []
    for c in cells:
        with np.load(root / "pairs" / f"{c['id']}.npz") as z:
            base.append(z["base"])
            post.append(z["post"])
    return cells, baseline, np.array(base), np.array(post)


def _verdict_groups(cells, ratios):
    groups: dict[tuple, list] = {}
    for c, r in zip(cells, ratios, strict=True):
        if c["lr"] == 2e-5:
            groups.setdefault((c["method"], c["data_type"]), []).append(r)
    return groups


# --------------------------------------------------------------------------- the timed paths
def run_vectorised(root: Path, out: Path, *, legacy: bool) -> dict:
    cells, baseline, base, post = _read_pairs(root)
    results = pair_signflip_test_many(post - base, n_perm=N_PERM, seed=42, legacy=legacy)
    p = np.array([r.p for r in results])
    p_adj = adjust_pvalues(p, "bh_running_max" if legacy else "bh")
    sig = reject(p_adj, ALPHA, "lt" if legacy else "le")
    deltas = (post - base).mean(axis=1)
    ratios = [d / baseline[c["id"]] for c, d in zip(cells, deltas, strict=True)]
    verdicts = {f"{m}_{t}": vote(r).result for (m, t), r in _verdict_groups(cells, ratios).items()}
    summary = {
        "p": p.tolist(),
        "p_adj": p_adj.tolist(),
        "sig": sig.tolist(),
        "ratios": ratios,
        "verdicts": verdicts,
    }
    atomic_write_json(out, summary)
    return summary


def run_loop(root: Path, out: Path) -> dict:
    """The original analysis, written the straightforward way: one permutation at a time."""
    cells = json.loads((root / "cells.json").read_text())
    baseline = json.loads((root / "baseline.json").read_text())
    p, ratios = [], []
    for c in cells:
        with np.load(root / "pairs" / f"{c['id']}.npz") as z:
            d = z["post"] - z["base"]
        observed = d.mean()
        rng = np.random.default_rng(42)  # re-seeded per cell, like the original
        count = 0
        for _ in range(N_PERM):
            signs = rng.choice([-1.0, 1.0], size=d.size)
            if (signs * d).mean() >= observed:
                count += 1
        p.append(count / N_PERM)
        ratios.append(observed / baseline[c["id"]])
    order = sorted(range(len(p)), key=lambda i: p[i])
    p_adj, running = [0.0] * len(p), 0.0
    for rank, i in enumerate(order, start=1):
        running = max(running, p[i] * len(p) / rank)
        p_adj[i] = min(1.0, running)
    sig = [q < ALPHA for q in p_adj]
    verdicts = {}
    for (m, t), rs in _verdict_groups(cells, ratios).items():
        low, high = sum(r < 0.5 for r in rs), sum(r > 1.5 for r in rs)
        verdicts[f"{m}_{t}"] = "H1" if low >= 3 else "H3" if high >= 3 else "H2"
    summary = {"p": p, "p_adj": p_adj, "sig": sig, "ratios": ratios, "verdicts": verdicts}
    out.write_text(json.dumps(summary))
    return summary


def run_question(root: Path, out: Path) -> dict:
    cells = json.loads((root / "cells.json").read_text())
    bases: dict[str, np.ndarray] = {}
    p = []
    for i, c in enumerate(cells):
        if c["base"] not in bases:
            bases[c["base"]] = np.load(root / "vectors" / f"{c['base']}.npy")
        post = np.load(root / "vectors" / f"{c['id']}.npy")
        p.append(question_test(bases[c["base"]], post, n_perm=N_PERM, seed=42 + i).p)
    p_adj = adjust_pvalues(p, "bh")
    summary = {"p": p, "p_adj": p_adj.tolist(), "sig": reject(p_adj, ALPHA).tolist()}
    atomic_write_json(out, summary)
    return summary


# --------------------------------------------------------------------------- driver
def _time(fn, repeats: int) -> tuple[float, list[float], object]:
    times, value = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times, value


def _check_parity(vec: dict, loop: dict) -> list[str]:
    problems = []
    for i, (a, b) in enumerate(zip(vec["p"], loop["p"], strict=True)):
        se = np.sqrt(max(a, 1 / N_PERM) * (1 - a) / N_PERM)
        if abs(a - b) > 5 * np.sqrt(2) * se + 2 / N_PERM:
            problems.append(f"cell {i}: p {a} vs loop {b}")
    if vec["verdicts"] != loop["verdicts"]:
        problems.append(f"verdicts {vec['verdicts']} vs loop {loop['verdicts']}")
    if not np.allclose(vec["ratios"], loop["ratios"], rtol=1e-12):
        problems.append("ratios differ")
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--loop-repeats", type=int, default=3)
    ap.add_argument("--question-repeats", type=int, default=3)
    ap.add_argument("--record", action="store_true", help="append a row to bench/RESULTS.md")
    ap.add_argument("--note", default="", help="free text for the RESULTS.md row")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="personageo-bench-") as tmp:
        root = Path(tmp)
        make_inputs(root)
        out = root / "out.json"
        run_vectorised(root, out, legacy=False)  # warm-up (imports, caches)
        t_vec, _, vec = _time(lambda: run_vectorised(root, out, legacy=False), args.repeats)
        t_leg, _, leg = _time(lambda: run_vectorised(root, out, legacy=True), args.repeats)
        t_loop, _, loop = _time(lambda: run_loop(root, out), args.loop_repeats)
        t_q, _, quest = _time(lambda: run_question(root, out), args.question_repeats)

    problems = _check_parity(leg, loop) + _check_parity(
        vec, {**loop, "p": [(b * N_PERM + 1) / (N_PERM + 1) for b in loop["p"]]}
    )
    rows = [
        ("vectorised (default: per-cell seeds, (b+1)/(n+1), BH)", t_vec, args.repeats),
        ("vectorised legacy (re-seed 42, b/n, running-max BH)", t_leg, args.repeats),
        ("per-cell Python loop (original)", t_loop, args.loop_repeats),
        ("question-level test, 12x240x64 per cell, + BH", t_q, args.question_repeats),
    ]
    print(f"40 cells + 40 ratios, n_perm = {N_PERM}, from files; medians of the repeats")
    for name, t, n in rows:
        print(f"  {name:<58} {t:8.3f} s  (n={n})")
    print(f"  loop / vectorised = {t_loop / t_vec:.0f}x;  loop / legacy = {t_loop / t_leg:.0f}x")
    print(
        f"  significant cells: default {sum(vec['sig'])}, legacy {sum(leg['sig'])}, "
        f"loop {sum(loop['sig'])}, question-level {sum(quest['sig'])} (of 40)"
    )
    print(f"  verdicts: {vec['verdicts']}")
    print("  parity vectorised vs loop: " + ("OK" if not problems else "; ".join(problems)))
    if args.record:
        _record(t_vec, t_leg, t_loop, t_q, args, not problems)
    return 0 if not problems else 1


def _record(t_vec, t_leg, t_loop, t_q, args, parity_ok: bool) -> None:
    path = Path(__file__).resolve().parent / "RESULTS.md"
    if not path.exists():
        path.write_text(
            "# Benchmark results\n\nOne row per run: date, exact command, machine, numbers "
            "(medians), ratio vs a reference implementation measured in the same run.\n\n"
            "| date | command | machine | numbers (median wall) | ratio | notes |\n"
            "|---|---|---|---|---|---|\n"
        )
    cmd = "`.venv/bin/python bench/stats_bench.py " + " ".join(sys.argv[1:]) + "`"
    numbers = (
        f"vectorised {t_vec:.3f} s (n={args.repeats}); legacy mode {t_leg:.3f} s; "
        f"Python loop {t_loop:.2f} s (n={args.loop_repeats}); question-level 40 cells "
        f"12x240x64 {t_q:.2f} s (n={args.question_repeats})"
    )
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    note = (
        f"40 cells + 40 ratios, n_perm 10000, BH + verdicts, from files; parity "
        f"{'OK' if parity_ok else 'FAILED'}; machine shared with other helpers "
        f"(load avg 1/5/15 min at end: {load})" + (f"; {args.note}" if args.note else "")
    )
    row = (
        f"| {dt.date.today().isoformat()} | {cmd} | 2-core CPU (python kind) | {numbers} | "
        f"loop/vectorised {t_loop / t_vec:.0f}x | {note} |\n"
    )
    with path.open("a", encoding="utf-8") as fh:
        fh.write(row)


if __name__ == "__main__":
    raise SystemExit(main())
