"""Pooled vectors through the fused engine: gathered on the device, copied to the host once.

Each length-sorted, right-padded batch is run only as deep as the deepest requested site; the
pooled vectors (one position read exactly, a longer range averaged in float32, as
:class:`personageo.extract._layers.LayerCapture` does) are written on the device straight into
their items' rows of one ``[items, sites, dim]`` float32 buffer. The host sees the vectors once,
at the end, through one copy into a pinned buffer (:func:`to_host`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from personageo.extract._batching import bucket
from personageo.extract._fused import FusedDecoder, sdpa_backends
from personageo.extract._layers import Site
from personageo.extract._tokens import PoolItem

_CUDA_TOKENS = (1024, 32768)
"""Bounds of the padded tokens per forward pass on CUDA (the budget comes from free memory)."""
CPU_TOKENS = 4096
"""Padded tokens per forward pass on the CPU."""
MIN_SHARED = 4
"""Shortest token prefix worth computing once for a run of items."""


def token_budget(fused: FusedDecoder, reserve_bytes: int = 0) -> int:
    """Padded tokens per forward pass: from the device's free memory (CUDA), fixed on the CPU."""
    if fused.device.type != "cuda":
        return CPU_TOKENS
    import torch

    free, _ = torch.cuda.mem_get_info(fused.device)
    free += torch.cuda.memory_reserved(fused.device) - torch.cuda.memory_allocated(fused.device)
    fit = int(0.5 * max(0, free - reserve_bytes) / fused.activation_bytes_per_token())
    lo, hi = _CUDA_TOKENS
    return max(lo, min(hi, fit))


def width_multiple(fused: FusedDecoder) -> int:
    return 8 if fused.device.type == "cuda" else 1


def _depth(sites: Sequence[Site], n_blocks: int) -> int:
    depth = 0
    for s in sites:
        depth = max(depth, n_blocks if s.kind == "norm" else (s.block or 0) + 1
                    if s.kind == "block" else 0)
    return depth


def right_pad(seqs: Sequence[Sequence[int]], width: int, pad_id: int, device):
    """``[B, width]`` token ids, each row's tokens first (one host-to-device copy)."""
    import torch

    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    for b, s in enumerate(seqs):
        if len(s):
            ids[b, :len(s)] = torch.as_tensor(list(s), dtype=torch.long)
    return _to(ids, device)


def _to(t, device):
    if device.type == "cuda":
        return t.pin_memory().to(device, non_blocking=True)
    return t.to(device)


def _common(a: Sequence[int], b: Sequence[int], limit: int) -> int:
    n = min(limit, len(a), len(b))
    for k in range(n):
        if a[k] != b[k]:
            return k
    return n


def prefix_groups(seqs: Sequence[Sequence[int]], order: Sequence[int], limits: Sequence[int],
                  min_shared: int = MIN_SHARED) -> list[tuple[int, list[int]]]:
    """``(prefix length, members)``: consecutive runs of ``order`` that share a token prefix.

    A run grows while its common prefix stays at least ``min_shared`` tokens long and, once it
    has two members, keeps at least half its length (persona-major prompts: one run per
    persona, the prefix being the system prompt and the template around it). The prefix used
    is capped by ``limits[i]`` (member ``i`` needs its positions from ``limits[i]`` on computed
    as its own tokens). A run with one member or a shorter prefix gets 0; neighbouring runs
    with prefix 0 are merged.
    """
    runs: list[tuple[int, list[int]]] = []
    cur: list[int] = []
    lcp = 0
    for i in order:
        if cur:
            new = _common(seqs[cur[0]], seqs[i], lcp)
            if new >= min_shared and (len(cur) == 1 or 2 * new >= lcp):
                cur.append(i)
                lcp = new
                continue
            runs.append((lcp, cur))
        cur, lcp = [i], len(seqs[i])
    if cur:
        runs.append((lcp, cur))
    out: list[tuple[int, list[int]]] = []
    for lcp, members in runs:
        p = min([lcp] + [limits[i] for i in members])
        if len(members) < 2 or p < min_shared:
            p = 0
        if p == 0 and out and out[-1][0] == 0:
            out[-1][1].extend(members)
        else:
            out.append((p, list(members)))
    return out


def _chunks(members: list[int], lengths: Sequence[int], prefix: int, rows: int | None,
            tokens: int | None) -> list[list[int]]:
    """Batches of ``members`` in order: ``rows`` rows, or at most ``tokens`` packed tokens
    (and an attention grid of at most twice that)."""
    if rows is not None:
        return [members[i:i + rows] for i in range(0, len(members), rows)]
    out: list[list[int]] = []
    cur: list[int] = []
    used = widest = 0
    for i in members:
        n = lengths[i] - prefix
        if cur and (used + n > tokens or (len(cur) + 1) * (prefix + max(widest, n)) > 2 * tokens):
            out.append(cur)
            cur, used, widest = [], 0, 0
        cur.append(i)
        used, widest = used + n, max(widest, n)
    if cur:
        out.append(cur)
    return out


def packed_pooler(offsets, start, end, single: bool):
    """``hidden [N, d] -> [rows, d]`` float32 for packed rows (row ``r``'s tokens start at
    ``offsets[r]``): the token at ``start[r]`` when every span is one token, else the mean over
    ``[start[r], end[r])`` (positions within the row)."""
    import torch

    if single:
        sel = offsets + start

        def pool(hidden):
            return hidden[sel].float()
        return pool
    counts = (end - start).clamp(min=0)
    seg = torch.repeat_interleave(torch.arange(len(start), device=start.device), counts)
    first = torch.repeat_interleave(offsets + start - (counts.cumsum(0) - counts), counts)
    tok = first + torch.arange(int(counts.sum()), device=start.device)

    def pool(hidden):
        out = torch.zeros((len(start), hidden.shape[-1]), dtype=torch.float32,
                          device=hidden.device)
        out.index_add_(0, seg, hidden[tok].float())
        return out / counts.clamp(min=1)[:, None].float()
    return pool


def fused_pooled(fused: FusedDecoder, items: Sequence[PoolItem], sites: list[Site], *,
                 pad_id: int, indices: Sequence[int] | None = None, rows: int | None = None,
                 out=None, on_batch: Callable[[list[int]], None] | None = None):
    """Vectors ``[len(items), len(sites), dim]`` float32 on the model's device.

    Items are computed in the order of ``indices`` (default: all, in order), in packed batches
    (no padding in the matrix products); consecutive items that share a token prefix (one
    persona's prompts) share its keys and values, computed once (:func:`prefix_groups`).

    Parameters
    ----------
    items, sites, pad_id
        As for :func:`personageo.extract.iter_pooled`.
    indices : sequence of int, optional
        Items to compute (default all); other rows of ``out`` are left as they are.
    rows : int, optional
        Sequences per forward pass; default: as many as the token budget allows.
    out : torch.Tensor, optional
        The ``[len(items), len(sites), dim]`` float32 buffer to fill (default: a new one).
    on_batch : callable, optional
        ``on_batch(batch_indices)`` after each batch is queued (not synchronised).
    """
    import torch

    todo = list(range(len(items))) if indices is None else list(indices)
    dev = fused.device
    if out is None:
        out = torch.zeros((len(items), len(sites), fused.hidden), dtype=torch.float32,
                          device=dev)
    if not todo:
        return out
    lengths = [len(it.ids) for it in items]
    depth = _depth(sites, fused.n_blocks)
    where: dict[tuple, list[int]] = {}
    for s_i, s in enumerate(sites):
        where.setdefault((s.kind, s.block), []).append(s_i)
    groups = prefix_groups([it.ids for it in items], todo,
                           [max(0, min(it.start, len(it.ids) - 1)) for it in items])
    budget = None if rows else token_budget(fused)
    with torch.inference_mode(), sdpa_backends():
        for prefix, members in groups:
            past = None
            if prefix and depth:
                past = fused.prefix_kv(_to(torch.as_tensor(items[members[0]].ids[:prefix]),
                                           dev), depth)
            for idx in _chunks(members, lengths, prefix, rows, budget):
                _packed_batch(fused, items, idx, prefix, past, depth, where, out)
                if on_batch is not None:
                    on_batch(idx)
    return out


def _packed_batch(fused: FusedDecoder, items, idx: list[int], prefix: int, past, depth: int,
                  where: dict, out) -> None:
    import numpy as np
    import torch

    from personageo.extract._fused import Layout

    dev = fused.device
    lens = np.array([len(items[i].ids) - prefix for i in idx], dtype=np.int64)
    t = bucket(int(lens.max()), width_multiple(fused))
    offsets = np.concatenate([[0], np.cumsum(lens)[:-1]])
    cols = np.arange(int(lens.sum())) - np.repeat(offsets, lens)
    rows = np.repeat(np.arange(len(idx)), lens)
    ids = np.concatenate([np.asarray(items[i].ids[prefix:], dtype=np.int64) for i in idx])
    start = np.array([items[i].start - prefix for i in idx], dtype=np.int64)
    end = np.array([items[i].end - prefix for i in idx], dtype=np.int64)
    dense = bool((lens == t).all())
    host = {"ids": ids, "pos": cols + prefix, "flat": rows * t + cols, "offsets": offsets,
            "start": start, "end": end, "target": np.asarray(idx, dtype=np.int64)}
    d = {k: _to(torch.from_numpy(np.ascontiguousarray(v)), dev) for k, v in host.items()}
    layout = Layout(len(idx), t, None if dense else d["flat"], prefix)
    pool = packed_pooler(d["offsets"], d["start"], d["end"], bool(((end - start) == 1).all()))
    target = d["target"]

    def on_site(kind, block, hidden):
        slots = where.get((kind, block))
        if slots:
            vec = pool(hidden)
            for s_i in slots:
                out[target, s_i] = vec

    fused.forward_packed(d["ids"], d["pos"], layout, past=past, depth=depth, on_site=on_site)


def to_host(vectors):
    """The device buffer as a host tensor: one copy into pinned memory on CUDA.

    Pinned blocks are kept by PyTorch's caching host allocator, so the next store of the same
    size reuses the same buffer.
    """
    import torch

    if vectors.device.type != "cuda":
        return vectors
    host = torch.empty(vectors.shape, dtype=vectors.dtype, pin_memory=True)
    host.copy_(vectors, non_blocking=True)
    torch.cuda.current_stream(vectors.device).synchronize()
    return host
