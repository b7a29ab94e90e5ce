"""Where the fused engine's time goes: a kernel-time table for Method A and for decoding.

On the random Qwen2.5-7B-shaped model of ``extract_bench.py`` (12 personas x 240 questions):
Method A's pooled forward over every prompt (timed twice, then once under ``torch.profiler``),
and decode steps of one generation batch of every prompt (prefill, then timed eager steps and
profiled steps). Prints one JSON line; ``--out DIR`` also writes the profiler tables there.

Usage::

    python bench/extract_profile.py --out /tmp/prof
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def _table(prof, n: int = 18) -> str:
    key = "cuda_time_total" if any(e.device_type.name == "CUDA" for e in prof.events()) \
        else "cpu_time_total"
    return prof.key_averages().table(sort_by=key, row_limit=n, max_name_column_width=60)


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=None)
    p.add_argument("--steps", type=int, default=6)
    p.add_argument("--tiny", action="store_true", help="tiny model on the CPU (smoke run)")
    args = p.parse_args(argv)
    import torch
    from extract_bench import QWEN25_7B, synthetic_texts
    from torch.profiler import ProfilerActivity, profile

    from personageo.extract import build_prompts, pool_item, resolve_sites
    from personageo.extract._fused import fused_decoder, sdpa_backends
    from personageo.extract._fused_generate import _Batch, _prefill, generation_rows
    from personageo.extract._fused_pool import fused_pooled
    from personageo.inputs import Question, QuestionFile
    from personageo.modeling import load_model_and_tokenizer, tiny_qwen2_config

    dev = "cpu" if args.tiny else "cuda"
    out: dict = {"card": torch.cuda.get_device_name(0) if dev == "cuda" else "cpu",
                 "torch": torch.__version__}
    shape = tiny_qwen2_config() if args.tiny else dict(QWEN25_7B)
    n_blocks, n_p, n_q = shape["num_hidden_layers"], (3 if args.tiny else 12), \
        (4 if args.tiny else 240)
    spec = {"name": "random", "random_init": {**shape, "init_device": dev}}
    model, tok = load_model_and_tokenizer(spec, dtype="float32" if args.tiny else "bfloat16",
                                          device=dev)
    sync = torch.cuda.synchronize if dev == "cuda" else (lambda: None)
    t = time.perf_counter()
    fused = fused_decoder(model)
    out["warmup_s"] = round(time.perf_counter() - t, 2)
    personas = dict(zip((f"p{i}" for i in range(n_p)), synthetic_texts(n_p, 8, 30, 1),
                        strict=True))
    qs = QuestionFile([Question(i, q) for i, q in enumerate(synthetic_texts(n_q, 8, 30, 2))],
                      "", "mem")
    ps = build_prompts(tok, personas, qs)
    items = [pool_item("last_prompt_token", x) for x in ps.prompts]
    sites = resolve_sites(list(range(n_blocks)), "block_output_0idx", n_blocks)
    pad = tok.pad_token_id
    walls = []
    for _ in range(2):
        sync()
        t = time.perf_counter()
        fused_pooled(fused, items, sites, pad_id=pad)
        sync()
        walls.append(round(time.perf_counter() - t, 3))
    out["method_a_forward_s"] = walls
    with profile(activities=[ProfilerActivity.CUDA if dev == 'cuda' else ProfilerActivity.CPU]) as prof:
        fused_pooled(fused, items, sites, pad_id=pad)
        sync()
    tables = {"method_a": _table(prof)}
    ids = [x.ids for x in ps.prompts]
    width = 64 * -(-(max(map(len, ids)) + 256 + 2) // 64)
    rows = generation_rows(fused, len(ids), width, 2, len(sites))
    out["generation_rows"] = rows
    with torch.inference_mode(), sdpa_backends():
        batch = _Batch(fused, ids[:rows], max_new=256, stops={tok.eos_token_id},
                       closing=ps.closing_ids, rules=["mean_answer_tokens",
                                                      "mean_answer_tokens_with_closing"],
                       sites=sites, pad_id=pad)
        sync()
        t = time.perf_counter()
        _prefill(batch, ids[:rows])
        sync()
        out["prefill_s"] = round(time.perf_counter() - t, 3)
        w = 64 * -(-(batch.tp + 1) // 64)
        batch.step(w)
        step_ms = []
        for _ in range(args.steps):
            sync()
            t = time.perf_counter()
            batch.step(w)
            sync()
            step_ms.append(round(1000 * (time.perf_counter() - t), 1))
        out["decode_step_ms_eager"] = step_ms
        with profile(activities=[ProfilerActivity.CUDA if dev == 'cuda' else ProfilerActivity.CPU]) as prof:
            for _ in range(3):
                batch.step(w)
            sync()
        tables["decode"] = _table(prof)
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        for k, v in tables.items():
            Path(args.out, f"profile_{k}.txt").write_text(v, encoding="utf-8")
    print(json.dumps(out), flush=True)
    for k, v in tables.items():
        print(f"== {k}\n{v}", flush=True)
    return out


if __name__ == "__main__":
    main()
