"""Calibration benchmark: each permutation test's rejection rate under true nulls, and its power.

Simulates per-question vectors of 12 personas x 40 questions x 16 dims for a base and a post
checkpoint and runs the three tests of ``personageo.stats`` as ``personageo analyze`` runs them
(two-sided, ``alpha = 0.05``; pair sign flip on the 66 pair cosines of the centroids, n_perm
199; persona test exact over 4096 patterns; question test n_perm 199):

* ``null: re-drawn answers``   -- post = the same persona means + fresh noise (base and post
  exchangeable per question);
* ``null: shared question effects`` -- as above plus an effect per question shared by all
  personas and by base and post;
* ``null: paired answers``     -- post and base share each answer's noise and differ by a small
  independent perturbation on each side (strongly paired, still exchangeable);
* ``power: pull s``            -- post pulled toward a shared direction by ``s`` (M1 rises).

A test holds its level when its null rejection rate is within sampling error of 0.05 (the
Wilson 95 % interval is printed). ``--record`` appends the table to ``bench/RESULTS.md``.

Usage: ``python bench/calibration_bench.py [--reps 200] [--record]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import time
from pathlib import Path

import numpy as np
from statsmodels.stats.proportion import proportion_confint

from personageo.stats import (
    centroids,
    cosine_matrix,
    offdiag,
    pair_signflip_test,
    persona_test,
    question_test,
)

P, Q, D, N_PERM, ALPHA = 12, 40, 16, 199, 0.05


def scenario(name: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    means = rng.normal(size=(P, 1, D)) + 0.5
    if name == "null: re-drawn answers":
        return means + rng.normal(size=(P, Q, D)), means + rng.normal(size=(P, Q, D))
    if name == "null: shared question effects":
        q = rng.normal(size=(1, Q, D))
        return means + q + rng.normal(size=(P, Q, D)), means + q + rng.normal(size=(P, Q, D))
    if name == "null: paired answers":
        shared = means + rng.normal(size=(P, Q, D))
        return (shared + 0.2 * rng.normal(size=(P, Q, D)),
                shared + 0.2 * rng.normal(size=(P, Q, D)))
    pull = float(name.split()[-1])
    direction = rng.normal(size=D)
    return (means + rng.normal(size=(P, Q, D)),
            means + pull * direction + rng.normal(size=(P, Q, D)))


def rejections(base: np.ndarray, post: np.ndarray, seed: int) -> dict[str, bool]:
    bc, pc = centroids(base), centroids(post)
    runs = {
        "pair sign flip": pair_signflip_test(offdiag(cosine_matrix(bc)), offdiag(cosine_matrix(pc)),
                                             n_perm=N_PERM, alternative="two-sided", seed=seed),
        "persona (exact)": persona_test(bc, pc, alternative="two-sided"),
        "question": question_test(base, post, n_perm=N_PERM, alternative="two-sided", seed=seed),
    }
    return {name: res.p <= ALPHA for name, res in runs.items()}


SCENARIOS = ["null: re-drawn answers", "null: shared question effects", "null: paired answers",
             "power: pull 0.15", "power: pull 0.3"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    t0 = time.perf_counter()
    table: dict[str, dict[str, int]] = {}
    for si, name in enumerate(SCENARIOS):
        rng = np.random.default_rng(1000 + si)
        counts: dict[str, int] = {}
        for rep in range(args.reps):
            for test, rejected in rejections(*scenario(name, rng), seed=rep).items():
                counts[test] = counts.get(test, 0) + int(rejected)
        table[name] = counts
        print(f"{name}: {counts}", flush=True)
    wall = time.perf_counter() - t0
    tests = list(next(iter(table.values())))
    lines = ["| scenario | " + " | ".join(tests) + " |", "|---" * (len(tests) + 1) + "|"]
    for name, counts in table.items():
        cells = []
        for t in tests:
            lo, hi = proportion_confint(counts[t], args.reps, alpha=0.05, method="wilson")
            cells.append(f"{counts[t] / args.reps:.3f} [{lo:.3f}, {hi:.3f}]")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    print("\n".join(lines))
    print(f"wall {wall:.0f} s")
    if args.record:
        head = [f"\n### Calibration of the permutation tests ({dt.date.today().isoformat()})\n",
                f"Command: `python bench/calibration_bench.py --reps {args.reps}`; machine: "
                f"{platform.machine()}, {os.cpu_count()} cores; wall {wall:.0f} s. Rejection "
                f"rate at alpha = {ALPHA} (two-sided) over {args.reps} simulated experiments "
                f"per row, Wilson 95 % interval; {P} personas x {Q} questions x {D} dims, "
                f"n_perm {N_PERM} (persona test exact over {2**P}). Rows 1-3 are true nulls "
                "(a test holds its level when its rate is near 0.05), rows 4-5 power.\n"]
        path = Path(__file__).resolve().parent / "RESULTS.md"
        with path.open("a", encoding="utf-8") as fh:
            fh.write("\n".join(head + lines) + "\n")


if __name__ == "__main__":
    main()
