"""Full-parameter SFT through ``personageo train``: the original recipe vs the fast path.

Unlike ``bench/train_bench.py`` (a DeepSpeed loop of its own), this times the product: it
writes an experiment config whose conditions are the recipes, and synthetic chats, then each
recipe runs as ``personageo train CONFIG --condition RECIPE`` and ``summarize`` reads the
manifests (per-step ``step_time_s``, ``tokens_per_s``, ``mfu`` and losses).

Recipes (same data, same samples per optimizer step, same loss: the token-level mean over the
step's supervised tokens):

original  ZeRO-3 (built-in config), per-device 1 x grad-accum S/W, gradient checkpointing, right
          padding to a multiple of 8, torch AdamW (foreach) -- the published recipe
zero2     ZeRO-2, per-device S/W x grad-accum 1, packed rows (restarting position ids, attention
          within each sequence), no checkpointing, fused AdamW
fsdp2     the same on FSDP2 (``fully_shard`` per layer, weights kept from forward to backward)
single    the same in one plain process (one GPU only)

Usage (one GPU; ``--world 4`` and ``torchrun --nproc_per_node 4`` on four)::

    python bench/train_cli_bench.py prepare /tmp/b --shape 1.5b --steps 20 --init-device cuda
    torchrun --standalone --nproc_per_node 1 -m personageo.cli.main train /tmp/b/bench.yaml \\
        --condition zero2 --runs-dir /tmp/b/runs
    python bench/train_cli_bench.py summarize /tmp/b/bench.yaml --runs-dir /tmp/b/runs

Chats use the built-in byte-level tokenizer (one token per ASCII character), so lengths are
drawn in tokens: lognormal, median 350, sigma 0.6, 30 % prompt.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
from pathlib import Path

SHAPES = {
    "1.5b": dict(hidden_size=1536, num_hidden_layers=28, num_attention_heads=12,
                 num_key_value_heads=2, intermediate_size=8960, vocab_size=151936,
                 max_position_embeddings=32768, rope_theta=1e6,
                 tie_word_embeddings=True),
    "7b": dict(hidden_size=3584, num_hidden_layers=28, num_attention_heads=28,
               num_key_value_heads=4, intermediate_size=18944, vocab_size=152064,
               max_position_embeddings=32768, rope_theta=1e6,
               tie_word_embeddings=False),
    "tiny": dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                 num_key_value_heads=2, intermediate_size=64, vocab_size=320),
}
FAST = {"packing": True, "gradient_checkpointing": False, "optim": "adamw_torch_fused"}
#: chat-template tokens around the contents of one user + one assistant turn (byte tokenizer)
_TEMPLATE_TOKENS = 28


def recipes(samples: int, world: int) -> dict[str, dict]:
    per_rank = samples // world
    out = {
        "original": {"strategy": "zero3", "per_device_batch": 1, "grad_accum": per_rank,
                     "gradient_checkpointing": True, "packing": False, "optim": "adamw_torch"},
        "zero2": {"strategy": "zero2", "per_device_batch": per_rank, "grad_accum": 1, **FAST},
        "fsdp2": {"strategy": "fsdp2", "per_device_batch": per_rank, "grad_accum": 1, **FAST},
    }
    if world == 1:
        out["single"] = {"strategy": "single", "per_device_batch": samples, "grad_accum": 1,
                         **FAST}
    return out


def write_chats(path: Path, n: int, seed: int, median: float = 350.0, sigma: float = 0.6,
                prompt_frac: float = 0.3, max_len: int = 2048) -> None:
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz     "
    rows = []
    for _ in range(n):
        total = int(min(max_len, max(48, round(rng.lognormvariate(math.log(median), sigma)))))
        body = total - _TEMPLATE_TOKENS
        q = max(1, int(body * prompt_frac))
        rows.append({"messages": [
            {"role": "user", "content": "".join(rng.choice(letters) for _ in range(q))},
            {"role": "assistant", "content": "".join(rng.choice(letters)
                                                     for _ in range(body - q))}]})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def prepare(args) -> None:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    write_chats(out / "chats.jsonl", args.steps * args.samples_per_step, args.seed)
    shape = {**SHAPES[args.shape], "seed": 0}
    if args.init_device != "cpu":
        shape["init_device"] = args.init_device
    conditions = [{"id": name, "training": {"method": "full", "lr": 2e-5, "steps": args.steps,
                                            "seeds": [args.seed], "overrides": over},
                   "data": {"name": "synthetic", "path": str(out / "chats.jsonl"),
                            "data_type": "benign"}}
                  for name, over in recipes(args.samples_per_step, args.world).items()]
    config = {
        "experiment": {"id": "train_cli_bench"},
        "model": {"name": f"qwen2.5-{args.shape}-shaped (random)", "random_init": shape},
        "personas": "unused.json", "questions": "unused.jsonl", "layers": [1],
        "methods": [{"id": "A", "token_rule": "last_prompt_token"}],
        "train": {"max_length": 2048, "bf16": True, "warmup_ratio": 0.03,
                  "resume_every": None, "logging_steps": 1},
        "conditions": conditions}
    # JSON is YAML: no YAML writer needed
    (out / "bench.yaml").write_text(json.dumps(config, indent=1), encoding="utf-8")
    print(out / "bench.yaml")


def summarize(args) -> list[dict]:
    from personageo.config import load_config
    from personageo.config.experiment import checkpoint_id
    from personageo.files import read_json

    cfg = load_config(args.config)
    rows, curves = [], {}
    for cond in cfg.conditions:
        man_path = Path(args.runs_dir) / checkpoint_id(cond.id, cond.training.seeds[0]) / \
            "train_manifest.json"
        if not man_path.exists():
            rows.append({"recipe": cond.id, "status": "no manifest (failed or not run)"})
            continue
        m = read_json(man_path)
        curve = m["loss_curve"]
        timed = [p for p in curve if p["step"] > args.skip_steps]
        curves[cond.id] = [p["loss"] for p in curve]

        def med(key, points=timed):
            vals = [p[key] for p in points if key in p]
            return statistics.median(vals) if vals else None

        s_step = med("step_time_s")
        rows.append({
            "recipe": cond.id, "strategy": m["topology"]["strategy"]["name"],
            "optimizer": m["topology"]["optimizer"], "world_size": m["world_size"],
            "device": (m["topology"]["devices"]["names"] or ["cpu"])[0],
            "n_params": m["n_params"], "effective_batch": m["effective_batch"],
            "steps": m["optimizer_steps"], "steps_timed": len(timed),
            "s_per_step_median": s_step, "tokens_per_s_median": med("tokens_per_s"),
            "mfu_median": med("mfu"), "flops_per_token": m["flops_per_token"],
            "train_time_s": m["train_time_s"], "mfu_whole_run": m["mfu"],
            "peak_gpu_memory_gib": m.get("peak_gpu_memory_gib"),
            "projected_min_375_steps": s_step * 375 / 60 if s_step else None,
            "versions": {k: m["versions"].get(k) for k in ("torch", "transformers",
                                                           "deepspeed", "accelerate")}})
    ref = curves.get("original")
    for row in rows:
        mine = curves.get(row["recipe"])
        if ref and mine and row["recipe"] != "original":
            n = min(len(ref), len(mine), 20)
            row["max_abs_loss_diff_vs_original_first_steps"] = max(
                abs(a - b) for a, b in zip(ref[:n], mine[:n], strict=True))
            row["steps_compared"] = n
        if mine:
            row["losses"] = mine
    for row in rows:
        print(json.dumps(row), flush=True)
    return rows


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    pr = sub.add_parser("prepare", help="write chats.jsonl and bench.yaml into OUT")
    pr.add_argument("out")
    pr.add_argument("--shape", choices=sorted(SHAPES), default="1.5b")
    pr.add_argument("--steps", type=int, default=20)
    pr.add_argument("--samples-per-step", type=int, default=16)
    pr.add_argument("--world", type=int, default=1)
    pr.add_argument("--seed", type=int, default=42)
    pr.add_argument("--init-device", default="cpu", help="random init on cpu or cuda")
    su = sub.add_parser("summarize", help="one JSON line per recipe from the manifests")
    su.add_argument("config")
    su.add_argument("--runs-dir", required=True)
    su.add_argument("--skip-steps", type=int, default=2, help="warm-up steps not timed")
    args = p.parse_args(argv)
    prepare(args) if args.cmd == "prepare" else summarize(args)


if __name__ == "__main__":
    main()
