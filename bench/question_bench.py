"""Benchmark: the default question-level test at full scale through ``personageo analyze``.

Generates (untimed) a synthetic activation store at issue 238's scale -- 12 personas x 240
questions x 5 layers x ``--dim`` (3584, Qwen2.5-7B's width), methods A and B, the base model and
four trained conditions -- so that ``personageo analyze`` tests 40 cells with the shipped
defaults (question test, n_perm 10,000, two-sided). Then times the same CLI command once per
backend in one run (``PERSONAGEO_QUESTION_BACKEND``):

* ``float64`` -- the reference algebra (the only path before the fast backends existed);
* ``auto``    -- what a user gets: float32 quadratic forms on a CPU, torch on a CUDA device.

and checks that every cell's count ``b`` (hence p, adjusted p and significance) is identical
across backends, and how far the bootstrap intervals moved. Prints wall times, the ratio and the
stage breakdown that ``analyze`` prints on stderr (``timings:`` lines: load, gpu_init,
bootstrap, measurements, test, cells, compare, rest, write); ``--json PATH`` writes them all;
``--record`` appends a dated section to ``bench/RESULTS.md``.

Usage: ``python bench/question_bench.py [--dim 3584] [--backends float64,auto] [--record]``
(``--dim 64 --n-perm 500`` for a quick dry run).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

from personageo.activations import ActivationManifest, PersonaEntry, store_dir, write_activations
from personageo.files import sha256_text

N_PERSONAS, N_QUESTIONS, LAYERS = 12, 240, [7, 14, 17, 21, 27]
CONDITIONS = [("em_lr2e-5", "em", 2e-5, 0.02), ("em_lr1e-4", "em", 1e-4, 0.1),
              ("benign_lr2e-5", "benign", 2e-5, 0.0), ("benign_lr1e-4", "benign", 1e-4, 0.005)]


def make_inputs(root: Path, dim: int, n_perm: int, n_layers: int = len(LAYERS)) -> Path:
    """Personas, questions, 10 activation stores and a config under ``root`` (the first
    ``n_layers`` layers: 8 cells per layer)."""
    global LAYERS
    LAYERS = LAYERS[:n_layers]
    rng = np.random.default_rng(0)
    personas = {f"persona{i}": f"You are persona {i}." for i in range(N_PERSONAS)}
    (root / "data").mkdir(parents=True)
    (root / "data/personas.json").write_text(json.dumps(personas))
    (root / "data/questions.jsonl").write_text("".join(
        json.dumps({"id": i, "question": f"Question {i}?"}) + "\n" for i in range(N_QUESTIONS)))
    shape = (N_PERSONAS, N_QUESTIONS, len(LAYERS), dim)
    shared = rng.standard_normal((1, 1, len(LAYERS), dim), dtype=np.float32)
    persona_dirs = rng.standard_normal((N_PERSONAS, 1, len(LAYERS), dim), dtype=np.float32)
    for method in ("A", "B"):
        base = persona_dirs + 0.5 * shared + rng.standard_normal(shape, dtype=np.float32)
        stores = {"base": base}
        for cid, _, _, pull in CONDITIONS:
            noise = 0.3 * rng.standard_normal(shape, dtype=np.float32)
            stores[f"{cid}-s1"] = base + pull * shared + noise
        for ck, vectors in stores.items():
            manifest = ActivationManifest(
                checkpoint=ck, method=method,
                token_rule="last_prompt_token" if method == "A" else "mean_answer_tokens",
                layers=LAYERS, layer_convention="block_output_0idx",
                personas=[PersonaEntry(name=n, prompt_sha256=sha256_text(p))
                          for n, p in personas.items()],
                question_ids=list(range(N_QUESTIONS)), questions_sha256="x", dim=dim)
            answers = [{"persona": n, "question_id": 0, "question": "Question 0?",
                        "answer": "An answer."} for n in personas] if method == "B" else None
            write_activations(store_dir(root / "activations", ck, method), vectors, manifest,
                              answers)
    config = {
        "experiment": {"id": "question-bench", "issue": 1, "title": "Question test at scale"},
        "model": {"name": "none"},
        "personas": "data/personas.json", "questions": "data/questions.jsonl",
        "layers": LAYERS,
        "methods": [{"id": "A", "token_rule": "last_prompt_token"},
                    {"id": "B", "token_rule": "mean_answer_tokens"}],
        "conditions": [{"id": cid, "training": {"method": "full", "lr": lr, "seeds": [1]},
                        "data": {"name": dtype, "path": "x.jsonl", "data_type": dtype}}
                       for cid, dtype, lr, _ in CONDITIONS],
    }
    if n_perm != 10000:
        config["analysis"] = {"n_perm": n_perm}
    path = root / "experiment.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def run_analyze(config: Path, out: Path, backend: str) -> tuple[float, dict[str, float]]:
    """CLI wall time of one ``personageo analyze`` and the stage seconds it printed."""
    env = dict(os.environ, PERSONAGEO_QUESTION_BACKEND=backend)
    cmd = [sys.executable, "-m", "personageo.cli.main", "analyze", str(config),
           "--root", str(config.parent), "-o", str(out)]
    t0 = time.perf_counter()
    res = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if res.returncode != 0:
        raise SystemExit(f"analyze ({backend}) failed:\n{res.stdout}\n{res.stderr}")
    return wall, stage_seconds(res.stderr)


def stage_seconds(stderr: str) -> dict[str, float]:
    """``{stage: seconds}`` from analyze's ``timings: load 1.20 s, test 0.50 s`` lines."""
    out: dict[str, float] = {}
    for line in stderr.splitlines():
        if line.startswith("timings: "):
            for part in line[len("timings: "):].split(", "):
                name, value, _unit = part.split(" ")
                out[name] = out.get(name, 0.0) + float(value)
    if "test" not in out:
        raise SystemExit(f"analyze printed no stage timings:\n{stderr}")
    return out


def interval_shift(a: Path, b: Path) -> float:
    """Largest difference between the two files' measurement and cell interval bounds."""
    docs = [json.loads(p.read_text()) for p in (a, b)]
    bounds = []
    for doc in docs:
        bounds.append([x["ci"][k] for part in ("measurements", "cells") for x in doc[part]
                       if x.get("ci") for k in ("low", "high")])
    return float(np.max(np.abs(np.subtract(*bounds)))) if bounds[0] else 0.0


def cell_counts(path: Path) -> tuple[dict[str, tuple], float]:
    """Each cell's (b, n_perm, p_adjusted, significant), and analyze's own recorded wall time."""
    doc = json.loads(path.read_text())
    counts = {c["id"]: (c["test"]["b"], c["test"]["n_perm"], c["p_adjusted"], c["significant"])
              for c in doc["cells"]}
    return counts, doc["provenance"]["wall_time_s"]


def time_tests_only(root: Path, backend: str, n_perm: int) -> float:
    """The question tests alone, in process, on the stores analyze reads (first call warm)."""
    from personageo.activations import read_activations
    from personageo.stats import question_test

    base = {m: read_activations(store_dir(root / "activations", "base", m))[0] for m in "AB"}
    posts = [(m, read_activations(store_dir(root / "activations", f"{c[0]}-s1", m))[0])
             for c in CONDITIONS for m in "AB"]
    question_test(base["A"][:, :, 0], posts[0][1][:, :, 0], n_perm=10, seed=0,
                  backend=None if backend == "auto" else backend)  # warm-up (imports, CUDA)
    t0 = time.perf_counter()
    for m, post in posts:
        for li in range(post.shape[2]):
            question_test(base[m][:, :, li], post[:, :, li], n_perm=n_perm, seed=li,
                          alternative="two-sided", backend=None if backend == "auto" else backend)
    return time.perf_counter() - t0


def time_interleaved(root: Path, n_perm: int, n_cells: int) -> list[tuple[float, float]]:
    """(float64 s, float32 s) per cell, the two backends alternating on the same cell, so that
    a change in the machine's load affects both alike; each pair gives the same b."""
    from personageo.activations import read_activations
    from personageo.stats import question_test

    out = []
    base = {m: read_activations(store_dir(root / "activations", "base", m))[0] for m in "AB"}
    cells = [(m, c[0], li) for c in CONDITIONS for m in "AB" for li in range(len(LAYERS))]
    for m, cid, li in cells[::max(1, len(cells) // n_cells)][:n_cells]:  # every condition
        post = read_activations(store_dir(root / "activations", f"{cid}-s1", m))[0]
        times, bs = [], []
        for backend in ("float64", "float32"):
            t0 = time.perf_counter()
            res = question_test(base[m][:, :, li], post[:, :, li], n_perm=n_perm, seed=li,
                                alternative="two-sided", backend=backend)
            times.append(time.perf_counter() - t0)
            bs.append(res.b)
        assert bs[0] == bs[1], (m, cid, li, bs)
        print(f"  cell {m}/{cid}/L{LAYERS[li]}: float64 {times[0]:.2f} s, float32 {times[1]:.2f} s"
              f" (ratio {times[0] / times[1]:.1f}x, b = {bs[0]})", flush=True)
        out.append((times[0], times[1]))
    return out


def device_name() -> str:
    try:
        import torch

        if torch.cuda.is_available():
            return torch.cuda.get_device_name(0)
    except ImportError:
        pass
    return f"CPU: {platform.processor() or platform.machine()}, {os.cpu_count()} cores"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dim", type=int, default=3584)
    ap.add_argument("--n-perm", type=int, default=10000)
    ap.add_argument("--backends", default="float64,auto")
    ap.add_argument("--layers", type=int, default=5,
                    help="layers per store (8 cells each; 5 = the 40 cells of issue 238)")
    ap.add_argument("--tests-only", default="",
                    help="backends whose 40 tests are also timed alone, in process")
    ap.add_argument("--interleave", type=int, default=0,
                    help="also time N cells in process, float64 and float32 alternating")
    ap.add_argument("--record", action="store_true")
    ap.add_argument("--json", default="", help="write every number of the run to this file")
    args = ap.parse_args()
    backends = [b for b in args.backends.split(",") if b]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        config = make_inputs(root, args.dim, args.n_perm, args.layers)
        print(f"inputs written in {time.perf_counter() - t0:.1f} s", flush=True)
        walls, inner, counts, alone, stages = {}, {}, {}, {}, {}
        for backend in backends:
            out = root / f"result_{backend}.json"
            walls[backend], stages[backend] = run_analyze(config, out, backend)
            counts[backend], inner[backend] = cell_counts(out)
            print(f"{backend:8s} analyze wall {walls[backend]:8.2f} s, of which analyze() "
                  f"{inner[backend]:.2f} s ({len(counts[backend])} cells)", flush=True)
            print("         " + ", ".join(f"{k} {v:.2f} s" for k, v in stages[backend].items()),
                  flush=True)
        shift = (interval_shift(root / f"result_{backends[0]}.json",
                                root / f"result_{backends[-1]}.json") if len(backends) > 1 else 0.0)
        if len(backends) > 1:
            print(f"largest interval bound difference {backends[0]} vs {backends[-1]}: "
                  f"{shift:.2e}", flush=True)
        if args.interleave:
            pairs = time_interleaved(root, args.n_perm, args.interleave)
            ratios = sorted(a / b for a, b in pairs)
            print(f"interleaved: median ratio float64/float32 {ratios[len(ratios) // 2]:.1f}x "
                  f"over {len(pairs)} cells (min {ratios[0]:.1f}x)", flush=True)
        for backend in filter(None, args.tests_only.split(",")):
            alone[backend] = time_tests_only(root, backend, args.n_perm)
            print(f"{backend:8s} 40 question tests alone: {alone[backend]:.2f} s", flush=True)
    if not backends:
        return
    first = counts[backends[0]]
    same = all(c == first for c in counts.values())
    print(f"every cell's b, p_adjusted and significance identical across backends: {same}")
    if len(backends) > 1:
        print(f"ratio {backends[0]}/{backends[-1]}: {walls[backends[0]] / walls[backends[-1]]:.1f}x")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "date": dt.date.today().isoformat(), "machine": device_name(), "args": vars(args),
            "cells": len(first), "cli_wall_s": walls, "analyze_wall_s": inner, "stages_s": stages,
            "tests_alone_s": alone, "identical_b_p_significance": same,
            "largest_interval_bound_difference": shift,
            "load_average_end": os.getloadavg()[0]}, indent=1))
    if not same:
        raise SystemExit("backends disagree")
    if args.record:
        record(args, walls, inner, alone, len(first), stages)


def record(args, walls, inner, alone, n_cells: int, stages) -> None:
    lines = [f"\n### Question test at full scale through `personageo analyze` "
             f"({dt.date.today().isoformat()})\n",
             f"Command: `python bench/question_bench.py --dim {args.dim} --n-perm {args.n_perm} "
             f"--layers {args.layers} --backends {args.backends}`; machine: {device_name()}; load average "
             f"{os.getloadavg()[0]:.1f} at the end.",
             f"{n_cells} cells, 12 personas x 240 questions x {args.dim} dims, n_perm "
             f"{args.n_perm}; one run per backend, each a fresh `personageo analyze` process "
             "(store loading included).\n",
             "| backend | CLI wall (s) | analyze() (s) | 40 tests alone (s) |", "|---|---|---|---|"]
    lines += [f"| {b} | {w:.1f} | {inner[b]:.1f} | "
              f"{alone[b]:.2f} |" if b in alone else f"| {b} | {w:.1f} | {inner[b]:.1f} | - |"
              for b, w in walls.items()]
    lines += ["", "Stages (s, as `personageo analyze` prints them):", ""]
    lines += [f"- {b}: " + ", ".join(f"{k} {v:.2f}" for k, v in st.items())
              for b, st in stages.items()]
    path = Path(__file__).resolve().parent / "RESULTS.md"
    with path.open("a", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
