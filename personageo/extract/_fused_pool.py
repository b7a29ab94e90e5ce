"""Pooled vectors through the fused engine: gathered on the device, copied to the host once.

Each length-sorted, right-padded batch is run only as deep as the deepest requested site; the
pooled vectors (one position read exactly, a longer range averaged in float32, as
:class:`personageo.extract._layers.LayerCapture` does) are written on the device straight into
their items' rows of one ``[items, sites, dim]`` float32 buffer. The host sees the vectors once,
at the end, through one copy into a pinned buffer (:func:`to_host`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from personageo.extract._batching import bucket, plan_batches
from personageo.extract._fused import FusedDecoder, sdpa_backends
from personageo.extract._layers import Site, span_pooler
from personageo.extract._tokens import PoolItem

_CUDA_TOKENS = (1024, 32768)
"""Bounds of the padded tokens per forward pass on CUDA (the budget comes from free memory)."""
CPU_TOKENS = 4096
"""Padded tokens per forward pass on the CPU."""


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
    if device.type == "cuda":
        return ids.pin_memory().to(device, non_blocking=True)
    return ids.to(device)


def fused_pooled(fused: FusedDecoder, items: Sequence[PoolItem], sites: list[Site], *,
                 pad_id: int, indices: Sequence[int] | None = None, rows: int | None = None,
                 out=None, on_batch: Callable[[list[int]], None] | None = None):
    """Vectors ``[len(items), len(sites), dim]`` float32 on the model's device.

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
    lengths = [len(items[i].ids) for i in todo]
    multiple = width_multiple(fused)
    batches = plan_batches(lengths, rows=rows, tokens=None if rows else token_budget(fused),
                           multiple=multiple)
    depth = _depth(sites, fused.n_blocks)
    where: dict[tuple, list[int]] = {}
    for s_i, s in enumerate(sites):
        where.setdefault((s.kind, s.block), []).append(s_i)
    with torch.inference_mode(), sdpa_backends():
        for batch in batches:
            idx = [todo[b] for b in batch]
            width = bucket(max(len(items[i].ids) for i in idx), multiple)
            ids = right_pad([items[i].ids for i in idx], width, pad_id, dev)
            start = torch.as_tensor([items[i].start for i in idx]).to(dev, non_blocking=True)
            end = torch.as_tensor([items[i].end for i in idx]).to(dev, non_blocking=True)
            target = torch.as_tensor(idx).to(dev, non_blocking=True)
            pool = span_pooler(start, end, all(items[i].end - items[i].start == 1 for i in idx))

            def on_site(kind, block, hidden, pool=pool, target=target):
                slots = where.get((kind, block))
                if slots:
                    vec = pool(hidden)
                    for s_i in slots:
                        out[target, s_i] = vec

            fused.forward(ids, depth=max(depth, 0), on_site=on_site)
            if on_batch is not None:
                on_batch(idx)
    return out


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
