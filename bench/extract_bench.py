"""Extraction throughput: Method A forward passes and Method B greedy generation.

Self-contained (torch, transformers, numpy; personageo's extraction code path, not a copy of
it). A random-weight Qwen2.5-7B-shaped model (``Qwen2Config``: hidden 3584, 28 layers, 28 heads,
4 kv heads, intermediate 18944, vocab 152064) in bf16 with sdpa attention reads persona x
question prompts of realistic length (45-90 tokens, ChatML, byte-level tokenizer) and:

method_a
    ``personageo.extract.pooled_vectors`` over every prompt (last prompt token, all 28 blocks,
    length-sorted left-padded batches): wall seconds (median of ``--repeats``), prompt tokens/s,
    achieved TFLOP/s (model FLOPs of the real tokens: ``2 N`` per token for the block matmuls
    plus ``2 T^2 d`` attention per sequence and block) and percent of the card's measured bf16
    matmul rate (an 8192^3 matmul timed in the same run).
baseline
    The original's way, in the same run: one prompt at a time in file order, the full causal LM
    forward (LM head included), forward hooks on every block, a host copy per prompt.
method_b
    ``personageo.extract.iter_generate_transformers``: greedy generation of ``--new-tokens``
    tokens for ``--gen-prompts`` prompts in batches of ``--gen-batch``, for each KV-cache
    variant in ``--gen-variants`` (``dynamic``; ``static`` = preallocated cache, no compile;
    ``static-compile`` = transformers' automatic torch.compile with CUDA graphs); generated
    tokens/s; then the second forward pass over prompt + answer (mean over answer tokens).

Usage::

    python bench/extract_bench.py --model qwen7b-random --personas 12 --questions 240
    python bench/extract_bench.py --tiny          # CPU smoke run (CI)

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

QWEN25_7B = dict(model_type="qwen2", hidden_size=3584, num_hidden_layers=28,
                 num_attention_heads=28, num_key_value_heads=4, intermediate_size=18944,
                 vocab_size=152064, max_position_embeddings=32768, rope_theta=1e6,
                 rms_norm_eps=1e-6, tie_word_embeddings=False)
_WORDS = ("the a of to and in is you what how why when should your my can do we old new "
          "ship rain bread tree sky city law money sleep music river stone light plan work "
          "friend story school sea wind fire map home").split()


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="qwen7b-random", choices=["qwen7b-random", "tiny"])
    p.add_argument("--tiny", action="store_true", help="tiny model on CPU, few prompts (CI)")
    p.add_argument("--personas", type=int, default=12)
    p.add_argument("--questions", type=int, default=240)
    p.add_argument("--batch-sizes", default="512", help="Method A batch sizes, comma-separated")
    p.add_argument("--repeats", type=int, default=3, help="timed Method A repeats (median)")
    p.add_argument("--baseline-limit", type=int, default=0,
                   help="time the baseline on the first N prompts and scale (0 = all)")
    p.add_argument("--no-baseline", action="store_true")
    p.add_argument("--new-tokens", type=int, default=256)
    p.add_argument("--gen-batch", type=int, default=1024)
    p.add_argument("--gen-prompts", type=int, default=0, help="0 = one batch (--gen-batch)")
    p.add_argument("--gen-variants", default="dynamic:sdpa,dynamic:grouped,static:grouped",
                   help="KV cache (dynamic|static|static-compile) : attention (sdpa|grouped)")
    p.add_argument("--a-attention", default="grouped,sdpa",
                   help="attention backends for Method A (grouped = personageo's default)")
    p.add_argument("--b-batch", type=int, default=128,
                   help="batch size of Method B's second forward pass")
    p.add_argument("--device", default=None)
    p.add_argument("--dtype", default=None, choices=["bfloat16", "float32"])
    args = p.parse_args(argv)
    if args.tiny or args.model == "tiny":
        args.model, args.tiny = "tiny", True
        args.personas, args.questions = min(args.personas, 3), min(args.questions, 4)
        args.batch_sizes, args.repeats, args.new_tokens = "4", 1, 4
        args.gen_batch, args.b_batch = 8, 4
    return args


def synthetic_texts(n: int, lo: int, hi: int, seed: int) -> list[str]:
    """``n`` word strings with character lengths in ``[lo, hi]`` (byte tokens = characters)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        target = int(rng.integers(lo, hi + 1))
        words = []
        while len(" ".join(words)) < target:
            words.append(str(rng.choice(_WORDS)))
        out.append(" ".join(words)[:target].rstrip() + "?")
    return out


def build_model(name: str, dtype: str, device: str):
    import torch
    import transformers

    from personageo.modeling import tiny_qwen2_config

    cfg = dict(QWEN25_7B) if name == "qwen7b-random" else tiny_qwen2_config()
    cfg.pop("seed", None)
    model_type = cfg.pop("model_type")
    hf_config = transformers.AutoConfig.for_model(model_type, **cfg)
    torch_dtype = getattr(torch, dtype)
    prev = torch.get_default_dtype()
    torch.manual_seed(0)
    try:
        torch.set_default_dtype(torch_dtype)
        with torch.device(device):
            model = transformers.AutoModelForCausalLM.from_config(
                hf_config, attn_implementation="sdpa")
    finally:
        torch.set_default_dtype(prev)
    return model.to(device=device, dtype=torch_dtype).eval(), hf_config


def set_attention(model, name: str) -> None:
    """``sdpa`` (transformers) or ``grouped`` (personageo's grouped-query SDPA, the default)."""
    from personageo.extract import use_grouped_sdpa

    if name == "grouped":
        if not use_grouped_sdpa(model):
            raise RuntimeError("could not switch to the grouped attention backend")
    else:
        model.set_attn_implementation("sdpa")


def sync(device: str) -> None:
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()


def matmul_rate(device: str, dtype: str, n: int, iters: int = 20) -> float:
    """Measured dense matmul FLOP/s at ``n^3`` (median of per-iteration-batch timings)."""
    import torch

    a = torch.randn(n, n, device=device, dtype=getattr(torch, dtype))
    b = torch.randn(n, n, device=device, dtype=getattr(torch, dtype))
    for _ in range(3):
        a @ b
    rates = []
    for _ in range(3):
        sync(device)
        t = time.perf_counter()
        for _ in range(iters):
            a @ b
        sync(device)
        rates.append(2 * n**3 * iters / (time.perf_counter() - t))
    return statistics.median(rates)


def forward_flops(hf_config, seq_lens: list[int]) -> float:
    """Decoder-block FLOPs (no LM head) of unpadded sequences: matmuls + causal attention."""
    h, kv = hf_config.hidden_size, hf_config.num_key_value_heads
    d_head = h // hf_config.num_attention_heads
    per_layer = h * h * 2 + 2 * h * kv * d_head + 3 * h * hf_config.intermediate_size
    layers = hf_config.num_hidden_layers
    tokens = sum(seq_lens)
    attn = sum(2 * t * t * h for t in seq_lens)  # QK^T and AV, causal half, 2 FLOPs per MAC
    return layers * (2 * per_layer * tokens + attn)


def original_baseline(model, prompts, device: str, limit: int) -> dict:
    """Batch 1, file order, full LM forward, hooks on every block, host copy per prompt."""
    import torch

    blocks = model.model.layers
    store: list = []
    hooks = [b.register_forward_hook(
        lambda m, a, out: store.append((out[0] if isinstance(out, tuple) else out)[:, -1]
                                       .float().cpu())) for b in blocks]
    todo = prompts[:limit] if limit else prompts
    try:
        with torch.inference_mode():
            model(input_ids=torch.tensor([todo[0].ids], device=device))  # warm-up
            sync(device)
            t = time.perf_counter()
            for p in todo:
                store.clear()
                model(input_ids=torch.tensor([p.ids], device=device))
            sync(device)
            wall = time.perf_counter() - t
    finally:
        for h in hooks:
            h.remove()
    return {"prompts_timed": len(todo), "wall_s": round(wall * len(prompts) / len(todo), 3),
            "extrapolated": len(todo) < len(prompts)}


def time_method_a(model, items, sites, bs: int, att: str, repeats: int, pad: int, device: str,
                  lens: list[int], flops: float, peak: float) -> dict:
    """Median wall time of personageo's pooled forward over every prompt."""
    import torch

    from personageo.extract import pooled_vectors

    set_attention(model, att)
    pooled_vectors(model, items[:bs], sites, batch_size=bs, pad_id=pad)  # warm-up
    walls = []
    for _ in range(repeats):
        sync(device)
        t = time.perf_counter()
        vec = pooled_vectors(model, items, sites, batch_size=bs, pad_id=pad)
        sync(device)
        walls.append(time.perf_counter() - t)
    wall = statistics.median(walls)
    return {"batch_size": bs, "attention": att, "wall_s": round(wall, 3),
            "walls_s": [round(w, 3) for w in walls],
            "tokens_per_s": round(sum(lens) / wall), "tflops": round(flops / wall / 1e12, 3),
            "pct_of_matmul": round(100 * flops / wall / peak, 1),
            "vectors_shape": list(vec.shape),
            "peak_mem_gib": round(torch.cuda.max_memory_allocated() / 2**30, 1)
            if device.startswith("cuda") else None}


def main(argv=None) -> dict:
    args = parse_args(argv)
    import torch
    import transformers

    from personageo.extract import (
        build_prompts,
        iter_generate_transformers,
        pool_item,
        pooled_vectors,
        resolve_sites,
    )
    from personageo.inputs import Question, QuestionFile
    from personageo.modeling import byte_level_tokenizer

    device = args.device or ("cuda" if torch.cuda.is_available() and not args.tiny else "cpu")
    dtype = args.dtype or ("float32" if args.tiny else "bfloat16")
    out: dict = {"bench": "extract", "model": args.model, "device": device, "dtype": dtype,
                 "card": torch.cuda.get_device_name(0) if device.startswith("cuda") else "cpu",
                 "torch": torch.__version__, "transformers": transformers.__version__}

    t = time.perf_counter()
    model, hf_config = build_model(args.model, dtype, device)
    sync(device)
    out["model_build_s"] = round(time.perf_counter() - t, 2)
    tok = byte_level_tokenizer()
    personas = dict(zip((f"persona_{i}" for i in range(args.personas)),
                        synthetic_texts(args.personas, 8, 30, 1), strict=True))
    questions = QuestionFile([Question(i, q) for i, q in
                              enumerate(synthetic_texts(args.questions, 8, 30, 2))], "", "mem")
    t = time.perf_counter()
    prompts = build_prompts(tok, personas, questions).prompts
    out["prompt_build_s"] = round(time.perf_counter() - t, 3)
    lens = [len(p.ids) for p in prompts]
    out["prompts"] = {"n": len(prompts), "min_tokens": min(lens), "max_tokens": max(lens),
                      "mean_tokens": round(statistics.mean(lens), 1), "tokens": sum(lens)}

    n_blocks = hf_config.num_hidden_layers
    sites = resolve_sites(list(range(n_blocks)), "block_output_0idx", n_blocks)
    items = [pool_item("last_prompt_token", p) for p in prompts]
    flops = forward_flops(hf_config, lens)
    peak = matmul_rate(device, dtype, 256 if args.tiny else 8192, 2 if args.tiny else 20)
    out["matmul_tflops"] = round(peak / 1e12, 3)
    pad = tok.pad_token_id
    out["method_a"] = []
    runs = [(int(b), att) for att in args.a_attention.split(",")
            for b in args.batch_sizes.split(",")]
    for bs, att in runs:
        try:
            out["method_a"].append(time_method_a(model, items, sites, bs, att, args.repeats,
                                                 pad, device, lens, flops, peak))
        except Exception as exc:  # e.g. an attention backend this transformers lacks
            out["method_a"].append({"batch_size": bs, "attention": att,
                                    "error": f"{type(exc).__name__}: {str(exc)[:300]}"})
    timed = [r for r in out["method_a"] if "wall_s" in r]
    if not timed:
        raise SystemExit(json.dumps(out))
    best = min(timed, key=lambda r: r["wall_s"])
    if not args.no_baseline:
        set_attention(model, "sdpa")
        base = original_baseline(model, prompts, device, args.baseline_limit)
        base["ratio_vs_best_method_a"] = round(base["wall_s"] / best["wall_s"], 1)
        out["baseline"] = base

    n_gen = args.gen_prompts or min(args.gen_batch, len(prompts))
    gen_ids = [prompts[i % len(prompts)].ids for i in range(n_gen)]
    stop = [tok.convert_tokens_to_ids("<|im_end|>")]
    out["method_b"] = []
    for variant in args.gen_variants.split(","):
        kv_cache, _, att = variant.partition(":")
        cache = None if kv_cache == "dynamic" else "static"
        row: dict = {"variant": variant, "batch": args.gen_batch, "prompts": n_gen,
                     "new_tokens": args.new_tokens}
        try:
            set_attention(model, att or "grouped")
            if device.startswith("cuda"):
                torch.cuda.reset_peak_memory_stats()
            sync(device)
            t = time.perf_counter()
            answers = []
            for _, ans in iter_generate_transformers(
                    model, gen_ids, max_new_tokens=args.new_tokens, batch_size=args.gen_batch,
                    stop_ids=stop, pad_id=pad, cache_implementation=cache,
                    compile=kv_cache == "static-compile"):
                answers += ans
            sync(device)
            wall = time.perf_counter() - t
            generated = sum(len(a.token_ids) + (a.stop == "eos") for a in answers)
            row.update(wall_s=round(wall, 2), generated_tokens=generated,
                       tokens_per_s=round(generated / wall))
            b_items = [pool_item("mean_answer_tokens", prompts[i % len(prompts)], a, stop)
                       for i, a in enumerate(answers)]
            sync(device)
            t = time.perf_counter()
            pooled_vectors(model, b_items, sites, batch_size=args.b_batch, pad_id=pad)
            sync(device)
            row["second_pass_s"] = round(time.perf_counter() - t, 2)
            if device.startswith("cuda"):
                row["peak_mem_gib"] = round(torch.cuda.max_memory_allocated() / 2**30, 1)
        except Exception as exc:  # a failing variant is a result, not a crash
            row["error"] = f"{type(exc).__name__}: {str(exc)[:300]}"
        out["method_b"].append(row)
    ok = [r for r in out["method_b"] if "tokens_per_s" in r]
    out["summary"] = {
        "method_a_wall_s": best["wall_s"], "method_a_pct_of_matmul": best["pct_of_matmul"],
        "method_a_target_met": None if args.tiny else
        (best["wall_s"] <= 8 and best["pct_of_matmul"] >= 50),
        "baseline_ratio": out.get("baseline", {}).get("ratio_vs_best_method_a"),
        "method_b_best_tokens_per_s": max((r["tokens_per_s"] for r in ok), default=None),
        "method_b_target_met": None if args.tiny else
        any(r["tokens_per_s"] >= 10_000 for r in ok),
    }
    print(json.dumps(out), flush=True)
    return out


if __name__ == "__main__":
    main()
