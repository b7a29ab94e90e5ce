"""Extraction throughput of the product: ``personageo extract CONFIG`` with the shipped defaults.

A random-weight Qwen2.5-7B-shaped model (``Qwen2Config``: hidden 3584, 28 layers, 28 heads, 4 kv
heads, intermediate 18944, vocab 152064; bf16, initialised on the GPU) reads persona x question
prompts of realistic length (45-90 tokens, ChatML, byte-level tokenizer), every block's output
stored. Everything is timed through the CLI (``personageo.cli.main.main``, in this process, JSON
output with each store's timings):

method_a
    ``personageo extract CONFIG --methods A`` (last prompt token): the first call in this
    process (compilation and warm-up included), then ``--repeats`` warm calls. Per call: model
    load, warm-up (engine probe, compilation), forward, device-to-host copy and store write
    (streamed while the forward runs: ``copy_s`` is the side stream's copy time, ``store_tail_s``
    what is left after the forward); the Method A time is from the method's start to its
    manifest written (``method_s``). ``tflops_full_prompts``: the FLOPs of a forward over every
    full prompt (``2 N`` per token for the block matmuls plus causal attention) per second of
    forward, and ``pct_of_matmul_full_prompts`` that rate as a percent of the card's bf16
    matmul rate measured in the same run. The engine computes a persona's shared prefix once,
    so it computes fewer FLOPs than counted here and both can exceed 100 %: they compare runs,
    they are not the share of the matmul rate achieved.
plain
    The previous defaults through the same CLI (``extract.engine: transformers``, batch 32,
    dynamic cache): Method A.
baseline
    The original's way: one prompt at a time in file order, the full causal LM forward (LM head
    included), forward hooks on every block, a host copy per prompt (``--baseline-limit``
    prompts timed, scaled to all).
method_b
    ``personageo extract CONFIG --methods B,BC`` (mean over the answer tokens, without and with
    the closing tokens) with ``--new-tokens`` greedy tokens per prompt: generated tokens per
    second of the extraction (generation, pooling, stores) and of the whole CLI call.
method_b_alone
    The same with ``--methods B`` (one store).
equality
    Fused vectors against the transformers path (hooks, sdpa) on ``--check`` prompts: Method A
    directly; Method B by running the two-pass forward over prompt + the stored answers; and the
    share of answers whose first ``--check-tokens`` tokens equal ``model.generate``'s.

Usage::

    python bench/extract_bench.py                 # GPU, 12 personas x 240 questions
    python bench/extract_bench.py --tiny          # CPU smoke run (CI)

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import sys
import tempfile
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
    p.add_argument("--tiny", action="store_true", help="tiny model on CPU, few prompts (CI)")
    p.add_argument("--personas", type=int, default=12)
    p.add_argument("--questions", type=int, default=240)
    p.add_argument("--repeats", type=int, default=2, help="warm Method A calls (median)")
    p.add_argument("--new-tokens", type=int, default=256)
    p.add_argument("--baseline-limit", type=int, default=200,
                   help="prompts timed by the original-style loop (0 = all)")
    p.add_argument("--no-plain", action="store_true", help="skip the previous-defaults run")
    p.add_argument("--no-baseline", action="store_true", help="skip the original-style loop")
    p.add_argument("--no-b", action="store_true", help="skip Method B")
    p.add_argument("--no-b-alone", action="store_true",
                   help="skip the --methods B call (B,BC still runs)")
    p.add_argument("--no-equality", action="store_true", help="skip the equality stage")
    p.add_argument("--check", type=int, default=128, help="prompts compared with transformers")
    p.add_argument("--check-tokens", type=int, default=16)
    p.add_argument("--root", default=None, help="experiment directory (default: a temp dir)")
    p.add_argument("--out", default=None, help="also write the JSON here after every stage")
    args = p.parse_args(argv)
    if args.tiny:
        args.personas, args.questions = min(args.personas, 3), min(args.questions, 4)
        args.repeats, args.new_tokens, args.baseline_limit = 1, 4, 0
        args.check, args.check_tokens = 12, 4
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


def write_experiment(root: Path, spec: dict, n_layers: int, args, extract: dict) -> Path:
    import yaml

    root.mkdir(parents=True, exist_ok=True)
    personas = dict(zip((f"persona_{i}" for i in range(args.personas)),
                        synthetic_texts(args.personas, 8, 30, 1), strict=True))
    (root / "personas.json").write_text(json.dumps(personas), encoding="utf-8")
    (root / "questions.jsonl").write_text("".join(
        json.dumps({"id": i, "question": q}) + "\n"
        for i, q in enumerate(synthetic_texts(args.questions, 8, 30, 2))), encoding="utf-8")
    cfg = {"experiment": {"id": "extract_bench"}, "model": spec,
           "personas": "personas.json", "questions": "questions.jsonl",
           "layers": list(range(n_layers)), "conditions": [],
           "methods": [{"id": "A", "token_rule": "last_prompt_token"},
                       {"id": "B", "token_rule": "mean_answer_tokens"},
                       {"id": "BC", "token_rule": "mean_answer_tokens_with_closing"}],
           "extract": {"max_new_tokens": args.new_tokens, **extract}}
    path = root / f"config-{extract.get('engine', 'default')}.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    return path


def run_cli(config: Path, root: Path, methods: str, *extra: str) -> dict:
    """``personageo extract`` in this process; its JSON report plus the call's wall time."""
    from personageo.cli.main import main

    buf = io.StringIO()
    t = time.perf_counter()
    with contextlib.redirect_stdout(buf):
        code = main(["extract", str(config), "--root", str(root), "--methods", methods,
                     "--format", "json", "--no-resume", *extra])
    wall = time.perf_counter() - t
    if code != 0:
        raise SystemExit(f"personageo extract exited {code}: {buf.getvalue()[-2000:]}")
    report = json.loads(buf.getvalue())
    _free()
    return {"wall_s": wall, "stores": {s["method"]: s for s in report["stores"]}}


def _free() -> None:
    import gc

    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def matmul_rate(device: str, dtype: str, n: int, iters: int = 20) -> float:
    """Measured dense matmul FLOP/s at ``n^3`` (median of three timed groups)."""
    import torch

    a = torch.randn(n, n, device=device, dtype=getattr(torch, dtype))
    b = torch.randn(n, n, device=device, dtype=getattr(torch, dtype))
    for _ in range(3):
        a @ b
    rates = []
    for _ in range(3):
        _sync(device)
        t = time.perf_counter()
        for _ in range(iters):
            a @ b
        _sync(device)
        rates.append(2 * n**3 * iters / (time.perf_counter() - t))
    return statistics.median(rates)


def _sync(device: str) -> None:
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()


def forward_flops(hf_config, seq_lens: list[int]) -> float:
    """Decoder-block FLOPs (no LM head) of unpadded sequences: matmuls + causal attention."""
    h, kv = hf_config.hidden_size, hf_config.num_key_value_heads
    d_head = h // hf_config.num_attention_heads
    per_layer = h * h * 2 + 2 * h * kv * d_head + 3 * h * hf_config.intermediate_size
    tokens = sum(seq_lens)
    attn = sum(2 * t * t * h for t in seq_lens)  # QK^T and AV, causal half, 2 FLOPs per MAC
    return hf_config.num_hidden_layers * (2 * per_layer * tokens + attn)


def original_baseline(model, prompts, device: str, limit: int) -> dict:
    """Batch 1, file order, full LM forward, hooks on every block, host copy per prompt."""
    import torch

    store: list = []
    hooks = [b.register_forward_hook(
        lambda m, a, out: store.append((out[0] if isinstance(out, tuple) else out)[:, -1]
                                       .float().cpu())) for b in model.model.layers]
    todo = prompts[:limit] if limit else prompts
    try:
        with torch.inference_mode():
            model(input_ids=torch.tensor([todo[0].ids], device=device))  # warm-up
            _sync(device)
            t = time.perf_counter()
            for p in todo:
                store.clear()
                model(input_ids=torch.tensor([p.ids], device=device))
            _sync(device)
            wall = time.perf_counter() - t
    finally:
        for h in hooks:
            h.remove()
    return {"prompts_timed": len(todo), "wall_s": round(wall * len(prompts) / len(todo), 3),
            "extrapolated": len(todo) < len(prompts)}


def _rel(got, ref) -> float:
    """Largest per-(item, layer) relative error ``||got - ref|| / ||ref||``."""
    import numpy as np

    num = np.linalg.norm(got - ref, axis=-1)
    den = np.maximum(np.linalg.norm(ref, axis=-1), 1e-12)
    return float((num / den).max())


def equality(model, tok, prompts, closing, root: Path, args, sites) -> dict:
    """Fused engine vs the transformers path on the first ``args.check`` prompts."""

    from personageo.activations import read_activations, read_answers
    from personageo.extract import iter_generate_transformers, pool_item, pooled_vectors
    from personageo.extract._fused import fused_decoder
    from personageo.extract._fused_pool import fused_pooled

    n = min(args.check, len(prompts))
    pad = tok.pad_token_id
    out: dict = {"prompts": n}
    items = [pool_item("last_prompt_token", p) for p in prompts[:n]]
    plain = pooled_vectors(model, items, sites, batch_size=32, pad_id=pad)
    fused = fused_pooled(fused_decoder(model), items, sites, pad_id=pad).cpu().numpy()
    out["method_a_max_rel_err"] = _rel(fused, plain)
    m1 = min(n, 32)
    one = pooled_vectors(model, items[:m1], sites, batch_size=1, pad_id=pad)
    out["reference_plain_batch1_vs_batch32_max_rel_err"] = _rel(one, plain[:m1])
    if not args.no_b:
        answers = read_answers(root / "activations/base/B")[:n]
        for method, rule in (("B", "mean_answer_tokens"),
                             ("BC", "mean_answer_tokens_with_closing")):
            from personageo.extract._tokens import Answer

            ans = [Answer(a["answer_token_ids"], a["stop"]) for a in answers]
            b_items = [pool_item(rule, p, a, closing) for p, a in zip(prompts[:n], ans,
                                                                      strict=True)]
            ref = pooled_vectors(model, b_items, sites, batch_size=16, pad_id=pad)
            vec, _ = read_activations(root / f"activations/base/{method}")
            got = vec.reshape(-1, *vec.shape[2:])[:n]
            out[f"method_{method.lower()}_max_rel_err"] = _rel(got, ref)
        k = min(args.check_tokens, args.new_tokens)
        m = min(n, 64)
        same = 0
        for idx, gen in iter_generate_transformers(
                model, [p.ids for p in prompts[:m]], max_new_tokens=k, batch_size=m,
                stop_ids=closing[:1], pad_id=pad):
            for i, a in zip(idx, gen, strict=True):
                same += a.token_ids == answers[i]["answer_token_ids"][:len(a.token_ids)]
        out["answers_equal_first_tokens"] = {"prompts": m, "tokens": k, "equal": int(same)}
    # bf16: the transformers path's own batch-size dependence sets the scale of "equal"
    spread = out["reference_plain_batch1_vs_batch32_max_rel_err"]
    tol = max(5e-2, 1.5 * spread) if str(model.dtype) != "torch.float32" else 1e-4
    out["tolerance"] = tol
    out["ok"] = all(v <= tol for key, v in out.items() if key.endswith("rel_err"))
    return out


def _stage(out: dict, name: str, path: str | None, fn, *a):
    """Run one stage; an exception is recorded as the stage's result (the rest still runs)."""
    try:
        out[name] = fn(*a)
    except Exception as exc:
        import traceback

        out[name] = {"error": f"{type(exc).__name__}: {str(exc)[:500]}",
                     "traceback": traceback.format_exc()[-3000:]}
    if path:
        Path(path).write_text(json.dumps(out, indent=1), encoding="utf-8")
    return out[name]


def _method_b(config: Path, root: Path, methods: str = "B,BC") -> dict:
    run = run_cli(config, root, methods)
    t = run["stores"]["B"]["timings"]
    tc = run["stores"].get("BC", {}).get("timings", {})
    # the CLI call less model load and engine warm-up (stores overlap, so they are not summed)
    stage = run["wall_s"] - t.get("load_s", 0) - t.get("warmup_s", 0)
    return {"cli_wall_s": round(run["wall_s"], 2), "extraction_s": round(stage, 2),
            "tokens_per_s_extraction": round(t["generated_tokens"] / stage),
            "tokens_per_s_cli_call": round(t["generated_tokens"] / run["wall_s"]),
            **{k: (round(v, 3) if isinstance(v, float) else v) for k, v in t.items()},
            **({"store_bc_tail_s": round(tc.get("store_tail_s", tc.get("store_s", 0)), 3)}
               if tc else {})}


def _method_a(run: dict, flops: float, peak: float) -> dict:
    t = run["stores"]["A"]["timings"]
    # fused engine: the store is streamed while the forward runs; method_s is the wall time from
    # the method's start to its manifest written. Transformers engine: the parts in sequence.
    stage = t.get("method_s") or t.get("forward_s", 0) + t.get("copy_s", 0) + t.get("store_s", 0)
    return {"cli_wall_s": round(run["wall_s"], 2), "method_a_s": round(stage, 3),
            "tflops_full_prompts": round(flops / t["forward_s"] / 1e12, 1),
            "pct_of_matmul_full_prompts": round(100 * flops / t["forward_s"] / peak, 1),
            **{k: (round(v, 3) if isinstance(v, float) else v) for k, v in t.items()}}


def main(argv=None) -> dict:
    args = parse_args(argv)
    import torch
    import transformers

    from personageo.modeling import load_model_and_tokenizer, tiny_qwen2_config

    device = "cpu" if args.tiny or not torch.cuda.is_available() else "cuda"
    dtype = "float32" if device == "cpu" else "bfloat16"
    out: dict = {"bench": "extract", "device": device, "dtype": dtype,
                 "card": torch.cuda.get_device_name(0) if device == "cuda" else "cpu",
                 "torch": torch.__version__, "transformers": transformers.__version__}
    shape = tiny_qwen2_config() if args.tiny else dict(QWEN25_7B)
    shape.pop("seed", None)
    spec = {"name": "tiny-qwen2" if args.tiny else "qwen7b-random",
            "random_init": {**shape, "seed": 0, "init_device": device}}
    n_layers = shape["num_hidden_layers"]
    root = Path(args.root or tempfile.mkdtemp(prefix="extract-bench-"))
    fixed = {"dtype": dtype, "device": device}
    config = write_experiment(root, spec, n_layers, args, fixed)
    peak = matmul_rate(device, dtype, 256 if args.tiny else 8192, 2 if args.tiny else 20)
    out["matmul_tflops"] = round(peak / 1e12, 3)

    model, tok = load_model_and_tokenizer(spec, dtype=dtype, device=device)
    from personageo.config import load_config
    from personageo.extract import build_prompts, resolve_sites
    from personageo.inputs import load_personas, load_questions

    cfg = load_config(config)
    ps = build_prompts(tok, load_personas(root / cfg.personas),
                       load_questions(root / cfg.questions))
    lens = [len(p.ids) for p in ps.prompts]
    out["prompts"] = {"n": len(lens), "min_tokens": min(lens), "max_tokens": max(lens),
                      "tokens": sum(lens)}
    flops = forward_flops(model.config, lens)
    if not args.no_baseline and (args.baseline_limit or not args.tiny):
        out["baseline"] = original_baseline(model, ps.prompts, device, args.baseline_limit)
    del model
    _free()

    first = _stage(out, "method_a_first_call", args.out,
                   lambda: _method_a(run_cli(config, root, "A"), flops, peak))
    warm = [_stage(out, "method_a_warm", args.out,
                   lambda: _method_a(run_cli(config, root, "A"), flops, peak))
            for _ in range(args.repeats if "error" not in first else 0)]
    warm = [w for w in warm if "error" not in w]
    if warm:
        out["method_a_warm"] = sorted(warm, key=lambda r: r["method_a_s"])[len(warm) // 2]
        out["method_a_warm_all_s"] = [r["method_a_s"] for r in warm]
    if not args.no_plain:
        plain_cfg = write_experiment(root, spec, n_layers, args,
                                     {**fixed, "engine": "transformers", "batch_size": 32})
        _stage(out, "plain_method_a", args.out,
               lambda: _method_a(run_cli(plain_cfg, root, "A"), flops, peak))
    if not args.no_b:
        _stage(out, "method_b", args.out, _method_b, config, root)
        if not args.no_b_alone:
            _stage(out, "method_b_alone", args.out, _method_b, config, root, "B")

    if not args.no_equality:
        model, tok = load_model_and_tokenizer(spec, dtype=dtype, device=device)
        sites = resolve_sites(list(range(n_layers)), "block_output_0idx", n_layers)
        _stage(out, "equality", args.out, equality, model, tok, ps.prompts, ps.closing_ids,
               root, args, sites)
    a = out.get("method_a_warm", {})
    out["summary"] = {
        "card": out["card"], "method_a_warm_s": a.get("method_a_s"),
        "method_a_first_call_s": out["method_a_first_call"].get("method_a_s"),
        "first_call_warmup_s": out["method_a_first_call"].get("warmup_s"),
        "method_a_pct_of_matmul_full_prompts": a.get("pct_of_matmul_full_prompts"),
        "plain_method_a_s": out.get("plain_method_a", {}).get("method_a_s"),
        "baseline_s": out.get("baseline", {}).get("wall_s"),
        "method_b_tokens_per_s": out.get("method_b", {}).get("tokens_per_s_extraction"),
        "method_b_alone_tokens_per_s":
            out.get("method_b_alone", {}).get("tokens_per_s_extraction"),
        "equal_within_tolerance": out.get("equality", {}).get("ok"),
        "method_a_target_met": None if args.tiny else a.get("method_a_s", 1e9) <= 4,
        "method_b_target_met": None if args.tiny or args.no_b else
        out["method_b"].get("tokens_per_s_extraction", 0) >= 25_000,
        "method_b_alone_target_met": None if args.tiny or args.no_b or args.no_b_alone else
        out["method_b_alone"].get("tokens_per_s_extraction", 0) >= 25_000,
    }
    if args.out:
        Path(args.out).write_text(json.dumps(out, indent=1), encoding="utf-8")
    print(json.dumps(out), flush=True)
    return out


if __name__ == "__main__":
    main()
