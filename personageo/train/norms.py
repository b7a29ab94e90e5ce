"""Weight-delta norms between a checkpoint and its base, read shard by shard from safetensors.

Only one tensor pair is in memory at a time (memory-mapped reads), so a 7B checkpoint needs
about one embedding matrix of RAM, not two models.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from personageo.errors import InputError, Location, require
from personageo.files import sha256_file, sha256_json

_BLOCK = re.compile(r"(?:^|\.)layers\.(\d+)\.")
SCOPE = "all tensors present in both checkpoints (embeddings, lm_head, norms, biases included)"


def tensor_index(directory: str | Path) -> dict[str, Path]:
    """Tensor name -> the ``.safetensors`` shard holding it."""
    d = Path(directory)
    index = d / "model.safetensors.index.json"
    if index.exists():
        weight_map = json.loads(index.read_text(encoding="utf-8"))["weight_map"]
        return {name: d / fname for name, fname in weight_map.items()}
    files = sorted(d.glob("*.safetensors"))
    if not files:
        raise InputError("no .safetensors weights in checkpoint directory", Location(str(d)))
    safetensors = require("safetensors")
    out = {}
    for f in files:
        with safetensors.safe_open(str(f), framework="pt") as fh:
            out.update({k: f for k in fh.keys()})
    return out


def block_of(name: str) -> int | None:
    """Decoder block index of a tensor name (``model.layers.7.mlp...`` -> 7), else None."""
    m = _BLOCK.search(name)
    return int(m.group(1)) if m else None


def weight_delta_norms(checkpoint: str | Path, base: str | Path) -> dict:
    """L2 norms of ``checkpoint - base`` in float32, globally and per decoder block.

    Returns
    -------
    dict
        ``global_l2``, ``per_block`` (``{"0": ..., ...}``), ``n_tensors`` compared,
        ``only_in_one`` (names present in one side only, not counted), ``scope``, ``dtype`` (of
        the arithmetic) and ``rounded_to``: when a tensor is stored at two precisions (a bf16
        ZeRO-3 save against an fp32 base), both are first rounded to the coarser one, so the
        delta is not dominated by rounding; ``None`` when no rounding was needed.
    """
    safetensors = require("safetensors")
    ck_index, base_index = tensor_index(checkpoint), tensor_index(base)
    common = sorted(set(ck_index) & set(base_index))
    total = 0.0
    per_block: dict[int, float] = {}
    handles: dict[Path, object] = {}
    mixed: set[str] = set()
    try:
        def tensor(path: Path, name: str):
            if path not in handles:
                handles[path] = safetensors.safe_open(str(path), framework="pt").__enter__()
            return handles[path].get_tensor(name)

        # group reads by checkpoint shard, so each shard is walked once
        for name in sorted(common, key=lambda n: (str(ck_index[n]), n)):
            a, b = tensor(ck_index[name], name), tensor(base_index[name], name)
            if a.dtype != b.dtype:  # e.g. a bf16 ZeRO-3 save vs an fp32 base: compare both
                low = min((a.dtype, b.dtype), key=_precision)  # at the coarser precision
                a, b = a.to(low), b.to(low)
                mixed.add(str(low).replace("torch.", ""))
            a, b = a.float(), b.float()
            if a.shape != b.shape:
                raise InputError(f"tensor {name!r} has shape {tuple(a.shape)} in the checkpoint "
                                 f"but {tuple(b.shape)} in the base", Location(str(checkpoint)))
            sq = float((a - b).double().pow(2).sum())  # float32 delta, float64 sum
            total += sq
            blk = block_of(name)
            if blk is not None:
                per_block[blk] = per_block.get(blk, 0.0) + sq
    finally:
        for h in handles.values():
            h.__exit__(None, None, None)
    only = sorted(set(ck_index) ^ set(base_index))
    return {"global_l2": total ** 0.5,
            "per_block": {str(k): v ** 0.5 for k, v in sorted(per_block.items())},
            "n_tensors": len(common), "only_in_one": only, "scope": SCOPE, "dtype": "float32",
            "rounded_to": sorted(mixed) or None}


def _precision(dtype) -> float:
    import torch

    return -torch.finfo(dtype).resolution if dtype.is_floating_point else -1.0  # finer = larger


def weights_sha256(directory: str | Path) -> str:
    """One hash over the checkpoint's weight files (names and contents)."""
    files = sorted(Path(directory).glob("*.safetensors"))
    return sha256_json([[f.name, sha256_file(f)] for f in files])
