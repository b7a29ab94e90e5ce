"""Attention of one new token per row against a static KV cache, reading only each row's keys.

The generation cache is token-major, ``[B, T, kv, d]`` per block: row ``b`` holds its keys at
columns ``0 .. positions[b]`` and zeros after them (rows have different prompt lengths). Two ways
to attend:

* **per-row key counts** (CUDA with Triton, bf16/fp16): :mod:`personageo.extract._decode_triton`,
  one program per (row, KV head) that reads the row's ``positions[b] + 1`` keys and nothing
  after them, the query heads sharing the KV head in one small block: the cost follows the real
  lengths, not the cache width, and every step has the same shapes, so one CUDA graph serves all
  widths. (FlashAttention's variable-length forward with per-row key counts was tried first: it
  gave about the masked kernel's speed, as it computes 128 query rows per program, bench/RESULTS.md
  2026-12-03.)
* **a padding mask** (the reference, and the fallback everywhere else: CPU, float32, no Triton,
  shapes the kernel does not take): scaled-dot-product attention over the first ``width`` columns
  with the query heads folded onto the KV heads and a boolean mask ``column <= position``.

:meth:`DecodeAttention.check` compares the first with the second on random data of the engine's
head shapes once per device, dtype and shape before it is used; any error or a difference beyond
bf16 rounding keeps the masked path (:attr:`DecodeAttention.reason` says why).
"""

from __future__ import annotations

_CHECKED: dict[tuple, str | None] = {}  # (device, dtype, shape) -> None (kernel ok) or why not


def masked_decode_attention(q, keys, values, positions, width: int, scale: float):
    """Reference: ``q [B, H, d]`` against ``keys/values [B, T, kv, d]``, columns ``<= pos``."""
    import torch
    import torch.nn.functional as F

    b, h, d = q.shape
    kv = keys.shape[2]
    cols = torch.arange(width, device=q.device)
    mask = (cols[None, :] <= positions[:, None])[:, None, None, :]
    att = F.scaled_dot_product_attention(
        q.view(b, kv, h // kv, d), keys[:, :width].transpose(1, 2),
        values[:, :width].transpose(1, 2), attn_mask=mask, scale=scale)
    return att.reshape(b, h * d)


class DecodeAttention:
    """Decode attention for one engine: per-row key counts where possible, else a mask."""

    def __init__(self, device, dtype, scale: float, n_heads: int, n_kv: int,
                 head_dim: int) -> None:
        self.device, self.dtype, self.scale = device, dtype, scale
        self.shape = (n_heads, n_kv, head_dim)

    @property
    def reason(self) -> str | None:
        """None when the per-row path is used, else why not (checks on first use)."""
        key = (str(self.device), str(self.dtype), self.shape)
        if key not in _CHECKED:
            _CHECKED[key] = self.check()
        return _CHECKED[key]

    @property
    def exact_lengths(self) -> bool:
        """True when the cost follows each row's own length (no width buckets needed)."""
        return self.reason is None

    def check(self) -> str | None:
        """Compare the per-row path with the masked reference on random data; None if equal."""
        import torch

        if self.device.type != "cuda":
            return "not a CUDA device"
        if self.dtype not in (torch.bfloat16, torch.float16):
            return f"{self.dtype} (the kernel is checked for bf16/fp16)"
        h, kv, d = self.shape
        try:
            from personageo.extract import _decode_triton
        except Exception as exc:  # no Triton
            return f"no Triton kernel: {type(exc).__name__}: {str(exc)[:200]}"
        why = _decode_triton.supported(d, h, kv)
        if why is not None:
            return why
        try:
            g = torch.Generator(device=self.device).manual_seed(0)
            b, t = 5, 200
            q, k, v = (torch.randn(shape, generator=g, device=self.device, dtype=self.dtype)
                       for shape in ((b, h, d), (b, t, kv, d), (b, t, kv, d)))
            pos = torch.tensor([0, 17, 63, 199, 130], device=self.device)
            for r in range(b):  # columns after a row's last key must not count (zeros in
                k[r, pos[r] + 1:] = 7.0  # generation; large values here, so a read shows)
                v[r, pos[r] + 1:] = -5.0
            with torch.inference_mode():
                got = self._per_row(q, k, v, pos).float()
                ref = masked_decode_attention(q.float(), k.float(), v.float(), pos, t,
                                              self.scale)
            err = ((got - ref).norm(dim=-1) / ref.norm(dim=-1).clamp(min=1e-6)).max().item()
        except Exception as exc:  # a compiler or driver problem keeps the masked path
            return f"decode kernel failed: {type(exc).__name__}: {str(exc)[:200]}"
        return None if err <= 2e-2 else f"decode kernel differs from the reference: {err:.1e}"

    def _per_row(self, q, keys, values, positions):
        import torch

        from personageo.extract._decode_triton import decode_attention

        if keys.stride() != values.stride() or keys.stride(-1) != 1 or q.stride(-1) != 1:
            raise ValueError("keys and values need the same strides, contiguous last axis")
        lens = (positions + 1).to(torch.int32)
        return decode_attention(q, keys, values, lens, self.scale).reshape(q.shape[0], -1)

    def __call__(self, q, keys, values, positions, width: int):
        """``[B, H * d]``: ``q [B, H, d]`` against the cache ``[B, T, kv, d]`` of one block."""
        if self.exact_lengths:
            return self._per_row(q, keys, values, positions)
        return masked_decode_attention(q, keys, values, positions, width, self.scale)
