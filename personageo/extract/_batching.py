"""Batch planning: length-sorted batches, left padding, and sharding across processes."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def length_sorted_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Indices grouped into batches of similar length, longest first.

    Longest first makes an out-of-memory batch fail at once rather than at the end; ties keep
    the input order, so the plan is deterministic.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]


def left_pad(seqs: Sequence[Sequence[int]], pad_id: int, device=None):
    """Left-pad token id lists into ``(input_ids, attention_mask, position_ids, pad)`` tensors.

    Position ids count real tokens only (0 at each row's first real token; padding gets 0), so a
    padded row sees the same positions as the unpadded sequence. ``pad[b]`` is row b's number
    of padding tokens (add it to an unpadded position to index the padded row).
    """
    import torch

    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for b, s in enumerate(seqs):
        if len(s):
            ids[b, width - len(s):] = torch.as_tensor(list(s), dtype=torch.long)
            mask[b, width - len(s):] = 1
    position_ids = (mask.cumsum(-1) - 1).clamp(min=0)
    pad = torch.as_tensor([width - len(s) for s in seqs], dtype=torch.long)
    if device is not None:
        ids, mask, position_ids, pad = (t.to(device) for t in (ids, mask, position_ids, pad))
    return ids, mask, position_ids, pad


def shard(items: Sequence[T], rank: int, world_size: int) -> list[T]:
    """Round-robin share of ``items`` for process ``rank`` of ``world_size`` (disjoint, covering)."""
    if world_size < 1 or not 0 <= rank < world_size:
        raise ValueError(f"invalid rank {rank} for world size {world_size}")
    return list(items[rank::world_size])


def dist_env() -> tuple[int, int, int]:
    """``(rank, world_size, local_rank)`` from the torchrun / accelerate environment variables."""
    rank = int(os.environ.get("RANK", "0"))
    world = int(os.environ.get("WORLD_SIZE", "1"))
    local = int(os.environ.get("LOCAL_RANK", str(rank)))
    return rank, world, local


def bucket(width: int, multiple: int) -> int:
    """``width`` rounded up to a multiple of ``multiple`` (fewer distinct shapes)."""
    return -(-width // multiple) * multiple
