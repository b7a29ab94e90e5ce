"""Forward passes that turn pool items into per-layer vectors, batch by batch."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np

from personageo.extract._batching import left_pad, length_sorted_batches
from personageo.extract._layers import LayerCapture, Site, decoder_of
from personageo.extract._tokens import PoolItem


def model_device(model):
    return next(model.parameters()).device


def iter_pooled(model, items: Sequence[PoolItem], sites: list[Site], *, batch_size: int,
                pad_id: int, indices: Sequence[int] | None = None, early_exit: bool = True,
                ) -> Iterator[tuple[list[int], np.ndarray]]:
    """Yield ``(indices, vectors [b, len(sites), dim] float32)`` per length-sorted batch.

    Parameters
    ----------
    model : transformers causal LM (or its decoder)
    items : sequence of PoolItem
        ``items[i]`` is processed when ``i`` is in ``indices`` (default: all).
    sites : list of Site
        From :func:`personageo.extract._layers.resolve_sites`.
    batch_size : int
        Sequences per forward pass (left-padded to the batch's longest).
    pad_id : int
        Padding token id (masked out; its value never matters).
    early_exit : bool
        Skip the blocks after the deepest requested site.
    """
    import torch

    todo = list(range(len(items))) if indices is None else list(indices)
    lengths = [len(items[i].ids) for i in todo]
    device = model_device(model)
    with torch.inference_mode(), LayerCapture(decoder_of(model), sites, early_exit) as cap:
        for batch in length_sorted_batches(lengths, batch_size):
            idx = [todo[b] for b in batch]
            ids, mask, pos, pad = left_pad([items[i].ids for i in idx], pad_id, device)
            start = torch.as_tensor([items[i].start for i in idx], device=device) + pad
            end = torch.as_tensor([items[i].end for i in idx], device=device) + pad
            out = cap.run(ids, mask, pos, start, end)
            yield idx, out.cpu().numpy()


def pooled_vectors(model, items: Sequence[PoolItem], sites: list[Site], *, batch_size: int,
                   pad_id: int, early_exit: bool = True,
                   on_batch: Callable[[int], None] | None = None) -> np.ndarray:
    """All items' vectors ``[len(items), len(sites), dim]`` float32, in item order."""
    out: np.ndarray | None = None
    for idx, vec in iter_pooled(model, items, sites, batch_size=batch_size, pad_id=pad_id,
                                early_exit=early_exit):
        if out is None:
            out = np.zeros((len(items), *vec.shape[1:]), dtype=np.float32)
        out[idx] = vec
        if on_batch is not None:
            on_batch(len(idx))
    if out is None:
        raise ValueError("no items to pool")
    return out
