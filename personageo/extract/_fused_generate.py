"""Greedy generation on the fused engine, pooling the answer tokens' states as they are computed.

One batch holds as many prompts as fit the device (static KV cache ``[B, kv, T, d]`` per block,
allocated once, zeroed). The prompts are prefilled in packed chunks, the prefix a persona's prompts
share computed once (:func:`_prefill`); then every decode step
feeds one token per row at position ``prompt_len + t``. The state of a fed token at the
requested sites is added to a float32 sum when the token belongs to the pooled range, so the
vectors of the answer rules come out of generation itself, without a second forward pass over
prompt + answer:

* each row feeds its own answer tokens (``a_0 .. a_{k-1}``, greedy) and, once it generated a stop
  token or ``max_new_tokens`` answer tokens, the template's closing tokens (forced; ChatML
  ``<|im_end|>``, ``\\n``), exactly the sequence ``prompt + answer + closing`` of the two-pass
  path;
* ``mean_answer_tokens`` pools the answer tokens (an empty answer: the first closing token, the
  stop token), ``mean_answer_tokens_with_closing`` pools answer + closing tokens: the same
  positions as :func:`personageo.extract.pool_item`.

The cache is token-major (``[blocks, B, T, kv, d]``). Where the decode attention reads only each
row's own keys (:mod:`personageo.extract._decode_attention`: CUDA, bf16/fp16) every step has the
same shapes and one CUDA graph is captured and replayed for all of them; with the padding-mask
fallback a step is captured once per attention width (widths grow in buckets of 64 columns). The
plain step runs where capture is not possible.
"""

from __future__ import annotations

import contextlib
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from personageo.extract._batching import bucket, length_sorted_batches
from personageo.extract._fused import FusedDecoder, sdpa_backends
from personageo.extract._fused_pool import (
    GROUP_OVERHEAD,
    _chunks,
    _to,
    pack,
    prefix_groups,
    token_budget,
)
from personageo.extract._layers import Site
from personageo.extract._tokens import ANSWER_RULES, Answer

WIDTH_STEP = 64
CPU_ROWS = 64


@dataclass
class GenStats:
    """Where generation time went (seconds) and how it ran."""

    prefill_s: float = 0.0
    decode_s: float = 0.0
    steps: int = 0
    batches: list[int] = field(default_factory=list)
    cuda_graphs: bool = False
    graph_error: str | None = None
    attention: str | None = None


def generation_rows(fused: FusedDecoder, n: int, cache_width: int, n_rules: int,
                    n_sites: int) -> int:
    """Rows per generation batch: as many as the free device memory holds (CPU: 64)."""
    if fused.device.type != "cuda":
        return max(1, min(n, CPU_ROWS))
    import torch

    free, _ = torch.cuda.mem_get_info(fused.device)
    free += torch.cuda.memory_reserved(fused.device) - torch.cuda.memory_allocated(fused.device)
    elt = fused.embed.element_size()
    per_row = (fused.kv_bytes_per_token() * cache_width + 4 * fused.hidden * n_sites * n_rules
               + fused.vocab * (elt + 8) + fused.activation_bytes_per_token() * 2)
    prefill = token_budget(fused) * fused.activation_bytes_per_token()
    usable = 0.85 * free - prefill - (2 << 30)
    return max(1, min(n, int(usable // per_row)))


class _Batch:
    """Device state of one generation batch (every tensor is updated in place)."""

    def __init__(self, fused: FusedDecoder, prompts, *, max_new: int, stops, closing,
                 rules, sites, pad_id: int) -> None:
        import torch

        dev = fused.device
        self.fused, self.max_new, self.rules = fused, max_new, list(rules)
        self.m = len(closing)
        self.b = len(prompts)
        self.tp = max(len(p) for p in prompts)
        self.width = bucket(self.tp + max_new + self.m, WIDTH_STEP)
        shape = (fused.n_blocks, self.b, self.width, fused.n_kv, fused.head_dim)  # token-major
        self.cache_k = torch.zeros(shape, dtype=fused.dtype, device=dev)
        self.cache_v = torch.zeros(shape, dtype=fused.dtype, device=dev)
        self.plen = torch.as_tensor([len(p) for p in prompts], device=dev)
        self.stops = torch.as_tensor(sorted(set(stops)), device=dev)
        self.closing = torch.as_tensor(list(closing) or [pad_id], device=dev)
        self.sums = {r: torch.zeros((self.b, len(sites), fused.hidden), dtype=torch.float32,
                                    device=dev) for r in self.rules}
        self.counts = {r: torch.zeros(self.b, dtype=torch.float32, device=dev)
                       for r in self.rules}
        self.where: dict[tuple, list[int]] = {}
        for s_i, s in enumerate(sites):
            self.where.setdefault((s.kind, s.block), []).append(s_i)
        self.tokens = torch.zeros((self.b, max_new + 1), dtype=torch.long, device=dev)
        self.t = torch.zeros(1, dtype=torch.long, device=dev)
        self.k = torch.zeros(self.b, dtype=torch.long, device=dev)
        self.cfed = torch.zeros(self.b, dtype=torch.long, device=dev)
        self.stopped = torch.zeros(self.b, dtype=torch.bool, device=dev)
        self.eos = torch.zeros(self.b, dtype=torch.bool, device=dev)
        self.tok = torch.zeros(self.b, dtype=torch.long, device=dev)

    def _is_stop(self, g):
        return (g[:, None] == self.stops[None, :]).any(-1)

    def start(self, g0) -> None:
        """State after the prefill produced the first generated token of every row."""
        self.tokens[:, 0] = g0
        first_stop = self._is_stop(g0)
        self.eos.copy_(first_stop)
        self.stopped.copy_(first_stop | (self.max_new <= 0))
        self.tok.copy_(self.closing[0].expand(self.b).where(self.stopped, g0))

    def done(self):
        """Rows whose pooled range is complete."""
        if "mean_answer_tokens_with_closing" in self.rules:
            need = self.m
        else:
            need = ((self.k == 0) & (self.m > 0)).long()
        return self.stopped & (self.cfed >= need)

    def step(self, width: int) -> None:
        """Feed ``self.tok`` (one token per row), pool it, choose the next inputs."""
        import torch

        answer = ~self.stopped
        weight = {}
        for r in self.rules:
            if r == "mean_answer_tokens":
                w = answer | (self.stopped & (self.k == 0) & (self.cfed == 0) & (self.m > 0))
            else:
                w = answer | (self.stopped & (self.cfed < self.m))
            weight[r] = w.float()

        def on_site(kind, block, hidden):
            slots = self.where.get((kind, block))
            if slots:
                for s_i in slots:  # float32 sums of the model-dtype states
                    for r in self.rules:
                        self.sums[r][:, s_i].addcmul_(hidden, weight[r][:, None])

        pos = (self.plen + self.t).clamp(max=self.width - 1)
        logits = self.fused.decode(self.tok, pos, self.cache_k, self.cache_v, width, on_site)
        g = logits.argmax(-1)
        for r in self.rules:
            self.counts[r].add_(weight[r])
        was = self.stopped.clone()
        self.cfed.add_(was.long())
        self.k.add_(answer.long())
        hit = answer & (self.k < self.max_new) & self._is_stop(g)
        newly = answer & (hit | (self.k >= self.max_new))
        self.tokens.index_copy_(1, (self.t + 1).clamp(max=self.max_new), g[:, None])
        self.eos.logical_or_(hit)
        self.stopped.logical_or_(newly)
        nxt = self.closing[self.cfed.clamp(max=max(self.m - 1, 0))]
        self.tok.copy_(torch.where(self.stopped, nxt, g))
        self.t.add_(1)


def _prefill(batch: _Batch, prompts) -> None:
    """Every row's prompt into the cache, and its first generated token.

    Rows that share a token prefix (one persona's prompts, found by sorting the prompts) get
    that prefix's keys and values computed once; the rest runs in packed batches.
    """
    import numpy as np
    import torch

    fused, dev = batch.fused, batch.fused.device
    order = sorted(range(batch.b), key=lambda r: prompts[r])
    lengths = [len(p) for p in prompts]
    first = torch.zeros(batch.b, dtype=torch.long, device=dev)
    for prefix, members in prefix_groups(prompts, order, [n - 1 for n in lengths],
                                         GROUP_OVERHEAD.get(dev.type, 8)):
        past = None
        if prefix:
            past = fused.prefix_kv(_to(torch.as_tensor(prompts[members[0]][:prefix]), dev))
            rows = _to(torch.as_tensor(members), dev)
            for i, (k, v) in enumerate(past):
                batch.cache_k[i, rows, :prefix] = k
                batch.cache_v[i, rows, :prefix] = v
        for idx in _chunks(members, lengths, prefix, None, token_budget(fused)):
            d, layout, lens = pack(fused, [prompts[r] for r in idx], prefix)
            rows = _to(torch.from_numpy(np.repeat(np.asarray(idx, dtype=np.int64), lens)), dev)

            def kv_out(i, k, v, rows=rows, pos=d["pos"]):
                batch.cache_k[i][rows, pos] = k
                batch.cache_v[i][rows, pos] = v

            _, normed = fused.forward_packed(d["ids"], d["pos"], layout, past=past,
                                             kv_out=kv_out)
            last = d["offsets"] + _to(torch.from_numpy(lens - 1), dev)
            first[_to(torch.as_tensor(idx), dev)] = fused.logits_at(normed, last).argmax(-1)
    batch.start(first)


def _decode_all(batch: _Batch, stats: GenStats, graphs: bool, while_busy: list) -> None:
    """Decode every step; ``while_busy[0]()`` (once) when 16 graph replays are queued."""
    import torch

    total = batch.max_new + batch.m
    captured: dict[int, object] = {}
    pool = None
    exact = batch.fused.decode_attention.exact_lengths  # one width (one graph) serves all
    stats.attention = "per-row key counts" if exact else \
        f"padding mask ({batch.fused.decode_attention.reason})"
    t = 0
    while t < total:
        width = batch.width if exact else min(batch.width, bucket(batch.tp + t + 1, WIDTH_STEP))
        graph = captured.get(width)
        if graph is not None:
            graph.replay()
            if while_busy[0] is not None and width == batch.width and t % 16 == 15 \
                    and total - t > 8:  # 16 steps queued since the last synchronisation
                call, while_busy[0] = while_busy[0], None
                call()
        else:
            batch.step(width)  # also the warm-up of a graph for this width
            if graphs and stats.graph_error is None and t + 1 < total:
                try:
                    side = torch.cuda.Stream(batch.fused.device)
                    side.wait_stream(torch.cuda.current_stream())
                    g = torch.cuda.CUDAGraph()
                    with torch.cuda.graph(g, pool=pool, stream=side):
                        batch.step(width)
                    torch.cuda.current_stream().wait_stream(side)
                    pool = g.pool()
                    captured[width] = g
                    stats.cuda_graphs = True
                except Exception as exc:  # pragma: no cover - needs CUDA
                    stats.graph_error = f"{type(exc).__name__}: {str(exc)[:300]}"
                    warnings.warn(f"CUDA graph capture failed, decoding without graphs: "
                                  f"{stats.graph_error}", stacklevel=2)
        t += 1
        stats.steps += 1
        if t % 16 == 0 and bool(batch.done().all()):
            break


def fused_generate(fused: FusedDecoder, prompts: Sequence[Sequence[int]], *,
                   max_new_tokens: int, stop_ids: Sequence[int], closing: Sequence[int],
                   rules: Sequence[str], sites: list[Site], pad_id: int,
                   indices: Sequence[int] | None = None, rows: int | None = None,
                   cuda_graphs: bool = True, stats: GenStats | None = None,
                   while_busy: Callable[[], object] | None = None,
                   ) -> Iterator[tuple[list[int], list[Answer], dict]]:
    """Yield ``(indices, answers, {rule: vectors [b, sites, dim] float32 on the device})``.

    ``rules`` are answer token rules (:data:`personageo.extract.ANSWER_RULES`); every batch
    pools each of them. ``answers`` are trimmed like :func:`personageo.extract.trim_answer`.
    ``while_busy()`` is called once while the device has about 16 captured decode steps queued
    (host work that would otherwise stall it, such as pinning the stores' buffers).
    """
    import torch

    bad = [r for r in rules if r not in ANSWER_RULES]
    if bad:
        raise ValueError(f"not answer token rules: {bad}")
    stats = stats if stats is not None else GenStats()
    todo = list(range(len(prompts))) if indices is None else list(indices)
    if not todo:
        return
    lengths = [len(prompts[i]) for i in todo]
    width = bucket(max(lengths) + max_new_tokens + len(closing), WIDTH_STEP)
    n_rows = rows or generation_rows(fused, len(todo), width, len(rules), len(sites))
    graphs = cuda_graphs and fused.device.type == "cuda"
    stop_set = set(int(s) for s in stop_ids)
    busy = [while_busy]
    on_device = torch.cuda.device(fused.device) if graphs else contextlib.nullcontext()
    with torch.inference_mode(), sdpa_backends(), on_device:  # graphs use the current device
        for order in length_sorted_batches(lengths, n_rows):
            idx = [todo[o] for o in order]
            group = [list(prompts[i]) for i in idx]
            stats.batches.append(len(idx))
            batch = _Batch(fused, group, max_new=max_new_tokens, stops=stop_set,
                           closing=closing, rules=rules, sites=sites, pad_id=pad_id)
            t0 = time.perf_counter()
            _prefill(batch, group)
            _sync(fused)
            t1 = time.perf_counter()
            _decode_all(batch, stats, graphs, busy)
            _sync(fused)
            stats.prefill_s += t1 - t0
            stats.decode_s += time.perf_counter() - t1
            tokens = batch.tokens.cpu().tolist()
            lens, eos = batch.k.cpu().tolist(), batch.eos.cpu().tolist()
            answers = [Answer([int(x) for x in row[:n]], "eos" if e else "length")
                       for row, n, e in zip(tokens, lens, eos, strict=True)]
            pooled = {r: batch.sums[r] / batch.counts[r].clamp(min=1)[:, None, None]
                      for r in rules}
            del batch
            yield idx, answers, pooled


def _sync(fused: FusedDecoder) -> None:
    if fused.device.type == "cuda":
        import torch

        torch.cuda.synchronize(fused.device)
