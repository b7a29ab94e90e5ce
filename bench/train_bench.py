"""Full-parameter SFT throughput: the original recipe vs personageo's defaults (ZeRO-3).

Self-contained (torch, transformers, deepspeed only). A random-weight Qwen2.5-7B-shaped model
(``Qwen2Config``: hidden 3584, 28 layers, 28 heads, 4 kv heads, intermediate 18944, vocab 152064)
is built under ``deepspeed.zero.Init`` and trained for a few optimizer steps on token sequences
whose lengths are drawn lognormally like a real SFT set (median ~350 tokens). Both modes train on
the same sequences, the same number of samples per optimizer step and the same loss: the
token-level mean of the cross-entropy over every supervised token of the optimizer step, across
all devices.

Modes
-----
original
    per-device 1 x grad-accum (samples / world), gradient checkpointing, right padding to a
    multiple of 8, fp32 gradient communication, torch AdamW (foreach).
personageo
    per-device (samples / world) x grad-accum 1, padding-free packing (the micro-batch in one row
    with per-sequence position ids: flash-attention varlen when ``flash_attn`` is installed,
    otherwise sdpa with a block-diagonal mask), no gradient checkpointing, fused AdamW,
    DeepSpeed's default (bf16) gradient communication.

Usage::

    torchrun --nproc_per_node 4 bench/train_bench.py --mode original --steps 6
    torchrun --nproc_per_node 4 bench/train_bench.py --mode personageo --steps 6
    python bench/train_bench.py --tiny --mode personageo --steps 2        # CPU smoke run

Prints one JSON line (rank 0): tokens/s/GPU, s/step, projected minutes for 375 steps, MFU
(model FLOPs ``6N + 12 L d s`` per token against the card's dense bf16 peak), peak memory, and
the loss of every step (warm-up included): both modes see the same weights and tokens, so their
first-step losses must agree up to bf16 noise -- a check that the speed-up kept the loss.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import time

QWEN25_7B = dict(hidden_size=3584, num_hidden_layers=28, num_attention_heads=28,
                 num_key_value_heads=4, intermediate_size=18944, vocab_size=152064,
                 max_position_embeddings=32768, rope_theta=1e6, rms_norm_eps=1e-6,
                 tie_word_embeddings=False)
TINY = dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
            intermediate_size=128, vocab_size=512, max_position_embeddings=4096,
            tie_word_embeddings=False)
PEAK_BF16 = {"H200": 989.4e12, "H100": 989.4e12, "A100": 312e12}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mode", choices=["original", "personageo"], required=True)
    p.add_argument("--steps", type=int, default=6, help="timed optimizer steps")
    p.add_argument("--warmup", type=int, default=2, help="untimed optimizer steps first")
    p.add_argument("--samples-per-step", type=int, default=16)
    p.add_argument("--median-len", type=float, default=350.0)
    p.add_argument("--sigma", type=float, default=0.6, help="lognormal sigma of lengths")
    p.add_argument("--max-len", type=int, default=2048)
    p.add_argument("--prompt-frac", type=float, default=0.3,
                   help="leading share of each sequence masked out of the loss (the prompt)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--tiny", action="store_true", help="tiny model on CPU (gloo) for smoke tests")
    p.add_argument("--attn", default=None, help="override the attention implementation")
    p.add_argument("--buckets", choices=["large", "default"], default="large",
                   help="personageo mode: ZeRO-3 bucket sizes (large = configs/deepspeed)")
    p.add_argument("--local_rank", "--local-rank", type=int, default=None)
    return p.parse_args(argv)


def draw_lengths(n: int, args, rng) -> list[int]:
    mu = math.log(args.median_len)
    return [int(min(args.max_len, max(16, round(rng.lognormvariate(mu, args.sigma)))))
            for _ in range(n)]


def setup_distributed(tiny: bool):
    import torch

    from personageo.train.setup import init_deepspeed_distributed

    init_deepspeed_distributed(use_cpu=tiny)  # also tears the process group down at exit
    if not tiny:
        torch.cuda.set_device(int(os.environ["LOCAL_RANK"]))
    return int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])


LARGE_BUCKETS = {"reduce_bucket_size": 500_000_000, "stage3_prefetch_bucket_size": 500_000_000,
                 "stage3_param_persistence_threshold": 1_000_000,
                 "stage3_max_live_parameters": 3_000_000_000,
                 "stage3_max_reuse_distance": 3_000_000_000}


def ds_config(mode: str, micro: int, accum: int, world: int, buckets: str = "large") -> dict:
    cfg = {
        "train_micro_batch_size_per_gpu": micro,
        "gradient_accumulation_steps": accum,
        "train_batch_size": micro * accum * world,
        "gradient_clipping": 1.0,
        "bf16": {"enabled": True},
        "zero_optimization": {
            "stage": 3, "overlap_comm": True, "contiguous_gradients": True,
            "stage3_gather_16bit_weights_on_model_save": True,
            "offload_optimizer": {"device": "none"}, "offload_param": {"device": "none"}},
        "zero_allow_untested_optimizer": True,
        "steps_per_print": 10 ** 9, "wall_clock_breakdown": False,
    }
    if mode == "original":
        cfg["communication_data_type"] = "fp32"
    elif buckets == "large":
        # fewer, larger all-gathers / reduce-scatters (DeepSpeed defaults: prefetch 5e7,
        # persistence 1e5, live 1e9); the same values as configs/deepspeed/zero3.json
        cfg["zero_optimization"].update(LARGE_BUCKETS)
    return cfg


def micro_batches(lengths: list[int], mode: str, args, vocab: int, rng, device):
    """The micro-batches of one rank for one optimizer step, as model keyword arguments."""
    import torch

    def sequence(n):
        ids = [rng.randrange(vocab) for _ in range(n)]
        cut = max(1, int(n * args.prompt_frac))
        return ids, [-100] * cut + ids[cut:]

    seqs = [sequence(n) for n in lengths]
    if mode == "original":
        out = []
        for ids, labels in seqs:  # per-device batch 1, padded to a multiple of 8
            pad = -len(ids) % 8
            out.append({"input_ids": torch.tensor([ids + [0] * pad], device=device),
                        "attention_mask": torch.tensor([[1] * len(ids) + [0] * pad],
                                                       device=device),
                        "labels": torch.tensor([labels + [-100] * pad], device=device)})
        return out
    ids = [t for s, _ in seqs for t in s]
    labels = [t for _, lab in seqs for t in [-100] + lab[1:]]
    pos = [p for s, _ in seqs for p in range(len(s))]
    return [{"input_ids": torch.tensor([ids], device=device),
             "position_ids": torch.tensor([pos], device=device),
             "labels": torch.tensor([labels], device=device)}]


def main(argv=None) -> dict | None:
    args = parse_args(argv)
    rank, world = setup_distributed(args.tiny)
    import random

    import deepspeed
    import torch
    import transformers

    if args.samples_per_step % world:
        raise SystemExit(f"--samples-per-step {args.samples_per_step} must divide by {world}")
    per_rank = args.samples_per_step // world
    micro, accum = (1, per_rank) if args.mode == "original" else (per_rank, 1)
    device = torch.device("cpu") if args.tiny else torch.device("cuda", torch.cuda.current_device())
    attn = args.attn
    if attn is None:
        try:
            import flash_attn  # noqa: F401
            has_fa = not args.tiny
        except ImportError:
            has_fa = False
        attn = "flash_attention_2" if args.mode == "personageo" and has_fa else "sdpa"
    shape = TINY if args.tiny else QWEN25_7B
    hf_cfg = transformers.Qwen2Config(**shape, attn_implementation=attn, use_cache=False)
    cfg = ds_config(args.mode, micro, accum, world, args.buckets)
    t0 = time.time()
    torch.manual_seed(args.seed)
    # import what from_config pulls in lazily before zero.Init patches tensor constructors
    import torch._dynamo  # noqa: F401
    import transformers.models.qwen2.modeling_qwen2  # noqa: F401
    with deepspeed.zero.Init(config_dict_or_path=cfg):
        model = transformers.AutoModelForCausalLM.from_config(hf_cfg, dtype=torch.bfloat16)
    if args.mode == "original":
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    model.train()
    n_params = sum(getattr(p, "ds_numel", p.numel()) for p in model.parameters())
    fused = args.mode == "personageo" and not args.tiny
    opt = torch.optim.AdamW(model.parameters(), lr=2e-5, betas=(0.9, 0.999), eps=1e-8,
                            weight_decay=0.01, fused=fused)
    engine, opt, _, _ = deepspeed.initialize(model=model, optimizer=opt, config=cfg)
    init_s = time.time() - t0

    len_rng = random.Random(args.seed)  # same lengths in both modes and on every rank
    tok_rng = random.Random(args.seed * 1000 + rank)
    times, real_tokens, seq_lens, losses = [], 0, [], []
    for step in range(args.warmup + args.steps):
        lengths = draw_lengths(args.samples_per_step, args, len_rng)
        mine = lengths[rank * per_rank:(rank + 1) * per_rank]
        # every supervised token of the step, all ranks: the loss is their mean
        n_sup = sum(n - max(1, int(n * args.prompt_frac)) for n in lengths)
        batches = micro_batches(mine, args.mode, args, shape["vocab_size"], tok_rng, device)
        if not args.tiny:
            torch.cuda.synchronize()
        t = time.time()
        step_loss = torch.zeros((), device=device, dtype=torch.float32)
        for kw in batches:
            out = engine(**kw, num_items_in_batch=n_sup)
            step_loss += out.loss.detach().float()
            # DeepSpeed divides by grad-accum and averages over ranks: undo both, so the
            # gradient is that of sum(CE) / n_sup in either mode
            engine.backward(out.loss * accum * world)
            engine.step()
        if not args.tiny:
            torch.cuda.synchronize()
        if step >= args.warmup:
            times.append(time.time() - t)
            real_tokens += sum(lengths)
            seq_lens += lengths
        torch.distributed.all_reduce(step_loss)  # untimed: the step's token-mean loss
        losses.append(round(step_loss.item(), 5))
    if rank != 0:
        return None
    s_step = statistics.median(times)
    mean_s = sum(times) / len(times)
    tok_s_gpu = real_tokens / sum(times) / world
    mean_len = sum(seq_lens) / len(seq_lens)
    fpt = 6 * n_params + 12 * shape["num_hidden_layers"] * shape["hidden_size"] * mean_len
    name = "cpu" if args.tiny else torch.cuda.get_device_name(device)
    peak = next((v for k, v in PEAK_BF16.items() if k in name), None)
    result = {
        "bench": "train", "mode": args.mode, "device": name, "world_size": world,
        "model": "tiny" if args.tiny else "qwen2.5-7b-shaped", "n_params": n_params,
        "attn_implementation": attn, "per_device_batch": micro, "grad_accum": accum,
        "samples_per_step": args.samples_per_step,
        "gradient_checkpointing": args.mode == "original", "packing": args.mode == "personageo",
        "fused_adamw": fused, "communication_data_type": cfg.get("communication_data_type",
                                                                 "default"),
        "zero3_buckets": args.buckets if args.mode == "personageo" else "default",
        "steps_timed": args.steps, "s_per_step_median": s_step, "s_per_step_mean": mean_s,
        "projected_min_375_steps": s_step * 375 / 60, "tokens_per_s_per_gpu": tok_s_gpu,
        "mean_seq_len": mean_len, "flops_per_token": fpt,
        "mfu": tok_s_gpu * fpt / peak if peak else None,
        "peak_mem_gib": (torch.cuda.max_memory_allocated(device) / 2 ** 30
                         if not args.tiny else None),
        "losses": losses,
        "init_s": init_s, "torch": torch.__version__, "transformers": transformers.__version__,
        "deepspeed": deepspeed.__version__,
    }
    print(json.dumps(result), flush=True)
    return result


if __name__ == "__main__":
    main()
