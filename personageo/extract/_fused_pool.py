"""Pooled vectors through the fused engine, in packed batches that share their prompt prefix.

Items are computed in the order given (persona-major: one persona's prompts after the other).
Consecutive items that share a token prefix (the persona's system prompt and the template around
it) form a group whose prefix keys and values are computed once (:func:`prefix_groups`); each
group's remaining tokens run in packed batches (:func:`pack`: no padding in the matrix products,
only in the attention's grid). Each batch is run only as deep as the deepest requested site;
the pooled vectors (one position read exactly, a longer range averaged in float32, as
:class:`personageo.extract._layers.LayerCapture` does) are written on the device straight into
their items' rows of one ``[items, sites, dim]`` float32 buffer, which the caller streams to the
host (``_context``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from personageo.extract._batching import bucket
from personageo.extract._fused import FusedDecoder, sdpa_backends
from personageo.extract._layers import Site
from personageo.extract._tokens import PoolItem

_CUDA_TOKENS = (1024, 32768)
"""Bounds of the tokens per forward pass on CUDA (the budget comes from free memory)."""
CPU_TOKENS = 4096
"""Tokens per forward pass on the CPU."""
GROUP_OVERHEAD = {"cuda": 128, "cpu": 8}
"""What a separate prefix group costs, in tokens (its batches' fixed costs; ``prefix_groups``)."""


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
                  overhead: int = 8) -> list[tuple[int, list[int]]]:
    """``(prefix length, members)``: consecutive runs of ``order`` that share a token prefix.

    The runs minimise the tokens computed, each run costing ``overhead`` tokens more (its own
    batches): a run of ``n`` members sharing ``P`` tokens saves ``(n - 1) P - overhead``. The
    common prefix of a run is the smallest common prefix of neighbours in it, so the best runs
    are found level by level: a run is either kept whole or split where its neighbours share
    the least (persona-major prompts: one run per persona, its prefix the system prompt and the
    template around it). The prefix is capped by ``limits[i]`` (member ``i`` needs positions
    ``limits[i]`` on computed as its own tokens). Runs without a useful prefix get 0, and
    neighbouring such runs are merged.
    """
    order = list(order)
    if not order:
        return []
    longest = max(len(seqs[i]) for i in order)
    adj = [0] + [_common(seqs[order[k - 1]], seqs[order[k]], longest)
                 for k in range(1, len(order))]

    def best(lo: int, hi: int, depth: int) -> tuple[int, list[tuple[int, int, int]]]:
        """Most tokens saved on ``order[lo:hi]`` and its runs ``(prefix, lo, hi)``."""
        if hi - lo < 2:
            return 0, [(0, lo, hi)]
        inner = adj[lo + 1:hi]
        m = min(inner)
        p = min(m, min(limits[order[k]] for k in range(lo, hi)))
        if depth >= 64 or max(inner) == m:
            whole = (hi - lo - 1) * p - overhead
            return (whole, [(p, lo, hi)]) if whole > 0 else (0, [(0, lo, hi)])
        # children: split where neighbours share only m; consecutive children are merged into
        # one run sharing p tokens, or each child is solved on its own (dynamic programme)
        cuts = [lo] + [k for k in range(lo + 1, hi) if adj[k] == m] + [hi]
        kids = [best(a, b, depth + 1) for a, b in zip(cuts, cuts[1:], strict=False)]
        value = [0]
        choice: list[tuple] = []
        top, top_at, size = float("-inf"), 0, 0  # max over i of value[i] - p * size(< i)
        for j, (saved, runs) in enumerate(kids):
            if value[j] - p * size > top:
                top, top_at = value[j] - p * size, j
            size += cuts[j + 1] - cuts[j]
            merged = top + p * size - p - overhead if p else float("-inf")
            if merged > value[j] + saved:
                value.append(merged)
                choice.append(("merge", top_at))
            else:
                value.append(value[j] + saved)
                choice.append(("own", runs))
        parts: list[tuple[int, int, int]] = []
        j = len(kids)
        while j > 0:
            how, arg = choice[j - 1]
            if how == "merge":
                parts[:0] = [(p, cuts[arg], cuts[j])]
                j = arg
            else:
                parts[:0] = arg
                j -= 1
        return value[-1], parts

    out: list[tuple[int, list[int]]] = []
    for p, lo, hi in best(0, len(order), 0)[1]:
        members = order[lo:hi]
        if p == 0 and out and out[-1][0] == 0:
            out[-1][1].extend(members)
        else:
            out.append((p, members))
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
    items, sites
        As for :func:`personageo.extract.iter_pooled`.
    pad_id
        Accepted for the same signature; packed batches hold no padding tokens.
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
                           [max(0, min(it.start, len(it.ids) - 1)) for it in items],
                           GROUP_OVERHEAD.get(dev.type, 8))
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


def pack(fused: FusedDecoder, seqs: Sequence[Sequence[int]], prefix: int):
    """One packed batch of ``seqs[r][prefix:]``: device tensors and the attention layout.

    Returns ``(d, layout, lens)``: ``d`` holds ``ids``, ``pos`` (positions, from ``prefix``),
    ``offsets`` (each row's first token); ``lens`` the rows' token counts (numpy).
    """
    import numpy as np
    import torch

    from personageo.extract._fused import Layout

    lens = np.array([len(s) - prefix for s in seqs], dtype=np.int64)
    t = bucket(int(lens.max()), width_multiple(fused))
    offsets = np.concatenate([[0], np.cumsum(lens)[:-1]]).astype(np.int64)
    cols = np.arange(int(lens.sum())) - np.repeat(offsets, lens)
    host = {"ids": np.concatenate([np.asarray(s[prefix:], dtype=np.int64) for s in seqs]),
            "pos": cols + prefix, "offsets": offsets,
            "flat": np.repeat(np.arange(len(seqs)), lens) * t + cols}
    d = {k: _to(torch.from_numpy(np.ascontiguousarray(v)), fused.device)
         for k, v in host.items()}
    dense = bool((lens == t).all())
    return d, Layout(len(seqs), t, None if dense else d["flat"], prefix), lens


def _packed_batch(fused: FusedDecoder, items, idx: list[int], prefix: int, past, depth: int,
                  where: dict, out) -> None:
    import numpy as np
    import torch

    d, layout, _ = pack(fused, [items[i].ids for i in idx], prefix)
    start = np.array([items[i].start - prefix for i in idx], dtype=np.int64)
    end = np.array([items[i].end - prefix for i in idx], dtype=np.int64)
    dev = fused.device
    pool = packed_pooler(d["offsets"], _to(torch.from_numpy(start), dev),
                         _to(torch.from_numpy(end), dev), bool(((end - start) == 1).all()))
    target = _to(torch.as_tensor(idx), dev)

    def on_site(kind, block, hidden):
        slots = where.get((kind, block))
        if slots:
            vec = pool(hidden)
            for s_i in slots:
                out[target, s_i] = vec

    fused.forward_packed(d["ids"], d["pos"], layout, past=past, depth=depth, on_site=on_site)
